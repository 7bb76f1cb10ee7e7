// WireWriter: writes the MQTT data representations (section 1.5) for the packet encoders, or only
// counts the bytes they would take, so that lengths can be written before the content without a
// scratch buffer. Internal to the protocol layer. Not thread-safe; one writer per encode call.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/varint.hpp"

namespace pregon::protocol {

class WireWriter {
 public:
  WireWriter() = default;  // counts only
  explicit WireWriter(std::vector<uint8_t>& out) : out_(&out) {}

  bool counting() const { return out_ == nullptr; }
  size_t size() const { return count_; }  // bytes written or counted so far

  void u8(uint8_t v) {
    ++count_;
    if (out_) out_->push_back(v);
  }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void varint(uint32_t v) {
    assert(v <= kMaxVariableByteInteger);
    do {
      uint8_t byte = v & 0x7Fu;
      v >>= 7;
      if (v) byte |= 0x80u;
      u8(byte);
    } while (v);
  }
  void bytes(std::span<const uint8_t> b) {
    count_ += b.size();
    if (out_) out_->insert(out_->end(), b.begin(), b.end());
  }
  // Binary Data and UTF-8 strings carry a two-byte length; longer values are a caller's bug.
  void binary(std::span<const uint8_t> b) {
    assert(b.size() <= 0xFFFF);
    u16(static_cast<uint16_t>(b.size()));
    bytes(b);
  }
  void string(std::string_view s) {
    binary({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }

 private:
  std::vector<uint8_t>* out_ = nullptr;
  size_t count_ = 0;
};

// Writes a whole packet: fixed header (first byte, remaining length) and the body produced by
// `body(WireWriter&)`, which is called twice (once to count). Returns the fixed header's size.
template <class Body>
size_t write_packet(uint8_t first_byte, std::vector<uint8_t>& out, Body&& body) {
  WireWriter counter;
  body(counter);
  const size_t length = counter.size();
  assert(length <= kMaxVariableByteInteger);
  out.reserve(out.size() + 1 + varint_size(static_cast<uint32_t>(length)) + length);
  WireWriter w(out);
  w.u8(first_byte);
  w.varint(static_cast<uint32_t>(length));
  const size_t header = w.size();
  body(w);
  return header;
}

// Bytes a packet with `body_size` bytes after the fixed header takes in all.
inline size_t packet_size(size_t body_size) {
  return 1 + varint_size(static_cast<uint32_t>(body_size)) + body_size;
}

constexpr uint8_t first_byte(PacketType type, uint8_t flags = 0) {
  return static_cast<uint8_t>((static_cast<unsigned>(type) << 4) | flags);
}

}  // namespace pregon::protocol
