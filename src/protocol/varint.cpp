#include "protocol/varint.hpp"

namespace pregon::protocol {

VarintStatus parse_varint(std::span<const uint8_t> data, uint32_t& value, size_t& length) {
  uint32_t result = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= data.size()) return VarintStatus::NeedMore;
    const uint8_t byte = data[i];
    result |= static_cast<uint32_t>(byte & 0x7Fu) << (7 * i);
    if ((byte & 0x80u) == 0) {
      // A last byte of zero after a continuation adds nothing: a shorter encoding existed.
      // [MQTT-1.5.5-1]
      if (i > 0 && byte == 0) return VarintStatus::Malformed;
      value = result;
      length = i + 1;
      return VarintStatus::Ok;
    }
  }
  return VarintStatus::Malformed;  // the fourth byte still has its continuation bit set
}

}  // namespace pregon::protocol
