// WireReader: reads the MQTT data representations (section 1.5) from a byte span, for the packet
// decoders. Internal to the protocol layer.
//
// The reader keeps the first error it meets and then returns zero values, so a decoder can read a
// run of fields and check ok() once. Strings it returns are views into the input, already checked
// for the UTF-8 rules. Not thread-safe; one reader per decode call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/expected.hpp"
#include "protocol/codec.hpp"
#include "protocol/utf8.hpp"
#include "protocol/varint.hpp"

namespace pregon::protocol {

inline base::Unexpected<DecodeError> decode_error(ReasonCode code, std::string_view what) {
  return {DecodeError{code, what}};
}

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return !error_.has_value(); }
  const DecodeError& error() const { return *error_; }
  base::Unexpected<DecodeError> failure() const { return {*error_}; }

  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  // Records an error (the first one wins) and returns false.
  bool fail(ReasonCode code, std::string_view what) {
    if (!error_) error_ = DecodeError{code, what};
    return false;
  }

  uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }

  uint16_t u16() {
    if (!need(2)) return 0;
    const auto v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }

  uint32_t u32() {
    if (!need(4)) return 0;
    const uint32_t v = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
                       (uint32_t{data_[pos_ + 2]} << 8) | uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
  }

  uint32_t varint() {
    if (!ok()) return 0;
    uint32_t value = 0;
    size_t length = 0;
    switch (parse_varint(data_.subspan(pos_), value, length)) {
      case VarintStatus::Ok:
        pos_ += length;
        return value;
      case VarintStatus::NeedMore:
        fail(ReasonCode::MalformedPacket, "variable byte integer truncated");
        return 0;
      case VarintStatus::Malformed:
        break;
    }
    fail(ReasonCode::MalformedPacket, "variable byte integer malformed");
    return 0;
  }

  std::span<const uint8_t> bytes(size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  // The rest of the input (a PUBLISH payload).
  std::span<const uint8_t> rest() { return bytes(remaining()); }

  // Binary Data: two-byte length, then that many bytes (section 1.5.6).
  std::span<const uint8_t> binary() {
    const uint16_t n = u16();
    return bytes(n);
  }

  // UTF-8 Encoded String: two-byte length, then well-formed UTF-8 without U+0000 (section 1.5.4).
  std::string_view string() {
    auto b = binary();
    std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
    if (ok() && !valid_utf8(s)) {
      fail(ReasonCode::MalformedPacket, "invalid UTF-8 string");
      return {};
    }
    return s;
  }

 private:
  bool need(size_t n) {
    if (!ok()) return false;
    if (remaining() < n) return fail(ReasonCode::MalformedPacket, "packet shorter than its fields");
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  std::optional<DecodeError> error_;
};

}  // namespace pregon::protocol
