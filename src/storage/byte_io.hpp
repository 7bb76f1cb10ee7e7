// ByteWriter and ByteReader: the fixed-width big-endian integers and length-prefixed strings that
// the record codec and the key layout are made of. Internal to the storage layer.
//
// Big-endian so that encoded integers sort like the numbers they hold (keys iterate in order).
// The reader keeps the first error it meets and then returns zero values, so a decoder can read a
// run of fields and check ok() once; it never reads past its span. Not thread-safe; one reader or
// writer per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pregon::storage {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void raw(std::string_view s) { out_.append(s); }
  void raw(std::span<const uint8_t> b) {
    out_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  // A 4-byte length, then the bytes.
  void string(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s);
  }
  void bytes(std::span<const uint8_t> b) {
    u32(static_cast<uint32_t>(b.size()));
    raw(b);
  }

 private:
  std::string& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return error_ == nullptr; }
  // The first error met, a static string; empty when ok().
  std::string_view error() const { return error_ ? error_ : std::string_view{}; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  // Records an error (the first one wins) and returns false.
  bool fail(const char* what) {
    if (!error_) error_ = what;
    return false;
  }

  uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  uint16_t u16() {
    const uint16_t hi = u8();
    return static_cast<uint16_t>((hi << 8) | u8());
  }
  uint32_t u32() {
    const uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  uint64_t u64() {
    const uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }

  std::span<const uint8_t> raw(size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::span<const uint8_t> rest() { return raw(remaining()); }
  std::span<const uint8_t> bytes() { return raw(u32()); }
  std::string_view string() {
    const auto b = bytes();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  // A 0/1 byte; anything else is an error.
  bool flag() {
    const uint8_t v = u8();
    if (v > 1) fail("flag byte is neither 0 nor 1");
    return v == 1;
  }

  // A 4-byte element count, checked against the bytes left so that garbage cannot ask for a huge
  // allocation: each element takes at least `min_element_size` bytes.
  uint32_t count(size_t min_element_size) {
    const uint32_t n = u32();
    if (!ok()) return 0;  // a u32 cut short by the end of the record is garbage
    if (min_element_size > 0 && n > remaining() / min_element_size) {
      fail("element count exceeds the record");
      return 0;
    }
    return n;
  }

 private:
  bool need(size_t n) {
    if (!ok()) return false;
    if (remaining() < n) return fail("record shorter than its fields");
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace pregon::storage
