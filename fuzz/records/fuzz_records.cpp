// libFuzzer target for the durable store's record codec and key layout: what recovery reads back
// from disk. Any input must decode to a record or an error, never crash or over-read; a record that
// decodes must encode to bytes that decode to the same record.
//
// Input: the first byte picks the decoder (record kind or key), the rest is the encoded bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "storage/record_codec.hpp"
#include "storage/store_keys.hpp"

namespace {

using namespace pregon::storage;

void check(bool condition) {
  if (!condition) std::abort();
}

template <class Decode>
void round_trip(std::span<const uint8_t> bytes, Decode decode) {
  auto first = decode(bytes);
  if (!first) return;
  const std::string again = encode_record(*first);
  auto second = decode(as_bytes(again));
  check(second.has_value() && *second == *first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> bytes(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: round_trip(bytes, decode_message); break;
    case 1: round_trip(bytes, decode_subscription); break;
    case 2: round_trip(bytes, decode_delivery); break;
    case 3: round_trip(bytes, decode_inflight); break;
    case 4: round_trip(bytes, decode_session); break;
    case 5: round_trip(bytes, decode_spilled); break;
    default: {
      const std::string_view key(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (const auto k = parse_key(key); k && k->kind == KeyKind::Client) {
        check(key.starts_with(client_prefix(k->client_id)));  // a client's key lies in its range
      }
      break;
    }
  }
  return 0;
}
