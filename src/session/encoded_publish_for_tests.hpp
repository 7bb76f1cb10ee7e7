// Test support: an EncodedPublish that owns its bytes, for tests of code that writes shared
// encodings without building Messages. Header-only; not used by any library.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "session/encoded_publish.hpp"

namespace pregon::session {

inline std::shared_ptr<const EncodedPublish> owned_encoding(std::vector<uint8_t> bytes, size_t packet_id_offset) {
  struct Owned {
    std::vector<uint8_t> storage;
    EncodedPublish encoding;
  };
  auto owned = std::make_shared<Owned>();
  owned->storage = std::move(bytes);
  owned->encoding = {owned->storage, packet_id_offset};
  return {owned, &owned->encoding};
}

}  // namespace pregon::session
