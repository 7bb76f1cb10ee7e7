// Variable byte integers (MQTT 5.0 section 1.5.5, 3.1.1 section 2.2.3): seven bits per byte, low
// group first, at most four bytes, and always the shortest encoding [MQTT-1.5.5-1]. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pregon::protocol {

enum class VarintStatus : uint8_t {
  Ok,
  NeedMore,   // the input ends inside the integer
  Malformed,  // a fifth byte would be needed, or the encoding is longer than necessary
};

// Parses the integer at the start of `data`. On Ok, `value` and `length` (bytes used) are set.
VarintStatus parse_varint(std::span<const uint8_t> data, uint32_t& value, size_t& length);

// Bytes needed to encode `value` (1..4); `value` must not exceed kMaxVariableByteInteger.
constexpr size_t varint_size(uint32_t value) {
  return value < 128u ? 1 : value < 16'384u ? 2 : value < 2'097'152u ? 3 : 4;
}

}  // namespace pregon::protocol
