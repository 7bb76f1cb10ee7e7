// EncodedPublish: one encoding of a PUBLISH shared by every receiver that needs this variant
// (protocol family, QoS, retain). Receivers differ only in the first byte (DUP) and the packet
// identifier, which the writer patches on the way out. Immutable once built.
//
// Ownership: the bytes belong to whoever owns the EncodedPublish (a Message keeps each of its
// encodings and their bytes in one pool block).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pregon::session {

struct EncodedPublish {
  std::span<const uint8_t> bytes;
  size_t packet_id_offset = 0;  // 0 when QoS 0 (no identifier)
};

}  // namespace pregon::session
