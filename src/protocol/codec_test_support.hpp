// Helpers for the protocol unit tests (included only by *_test.cpp): byte literals, encoding to a
// fresh buffer, and round trips that also check the re-encoding is byte-identical.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/codec.hpp"

namespace pregon::protocol::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes(std::initializer_list<int> list) {
  Bytes b;
  for (int v : list) b.push_back(static_cast<uint8_t>(v));
  return b;
}

inline Binary bin(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

inline std::string_view str(Binary b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

inline Bytes encoded(const Packet& p, ProtocolVersion v) {
  Bytes out;
  encode_packet(p, v, out);
  return out;
}

// Builds a packet from a first byte and a body, computing the remaining length.
inline Bytes packet(uint8_t first, const Bytes& body) {
  Bytes out{first};
  size_t n = body.size();
  do {
    uint8_t b = n & 0x7F;
    n >>= 7;
    if (n) b |= 0x80;
    out.push_back(b);
  } while (n);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// The reason code decode_packet fails with, or Success (0) when it does not fail.
inline ReasonCode decode_failure(const Bytes& b, ProtocolVersion v) {
  auto r = decode_packet(b, v);
  return r ? ReasonCode::Success : r.error().code;
}

// Encodes `p`, decodes it into a T (views into `storage`), and checks that encoding the result
// gives the same bytes again.
template <class T>
T round_trip(const T& p, ProtocolVersion v, Bytes& storage) {
  storage = encoded(Packet{p}, v);
  auto r = decode_packet(storage, v);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().what);
  if (!r) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*r));
  if (!std::holds_alternative<T>(*r)) return T{};
  EXPECT_EQ(encoded(*r, v), storage);
  return std::get<T>(*r);
}

inline constexpr ProtocolVersion kV31 = ProtocolVersion::V31;
inline constexpr ProtocolVersion kV311 = ProtocolVersion::V311;
inline constexpr ProtocolVersion kV5 = ProtocolVersion::V5;
inline constexpr ProtocolVersion kAllVersions[] = {kV31, kV311, kV5};

}  // namespace pregon::protocol::testing
