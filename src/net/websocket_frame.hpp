// WebSocket framing (RFC 6455 section 5) for the server side: FrameDecoder turns the masked frames a
// client sends into the MQTT bytes they carry, and encode_frame_header() writes the header of an
// unmasked frame we send. Pure: no descriptors, no clock, no logging, no allocation.
//
// Inbound, data is unmasked in place and moved to the front of the caller's buffer, so the bytes
// reach the broker with no copy of their own; a frame may end anywhere in a read and a read may hold
// many frames [MQTT-6.0.0-2]. Control frames (ping, pong, close) are returned one at a time, with the
// data before them, so that the caller handles them in order.
//
// Ownership: a value. Thread-safety: none; one connection, one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace pregon::net {

namespace ws {

enum Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close status codes (RFC 6455 section 7.4.1).
enum CloseCode : uint16_t {
  kNormalClosure = 1000,
  kProtocolError = 1002,
  kUnsupportedData = 1003,
};

// A server frame header: FIN, opcode and the length in 1, 3 or 9 bytes; never masked.
inline constexpr size_t kMaxServerHeader = 10;
inline constexpr size_t kMaxControlPayload = 125;

// Writes the header of a final, unmasked frame with `opcode` and `length` payload bytes; returns its size.
size_t encode_frame_header(Opcode opcode, uint64_t length, std::span<uint8_t, kMaxServerHeader> out);

// A whole close frame with `code` (no reason text), ready to send.
struct CloseFrame {
  std::array<uint8_t, 4> bytes;
  std::span<const uint8_t> view() const { return bytes; }
};
CloseFrame encode_close_frame(uint16_t code);

}  // namespace ws

class FrameDecoder {
 public:
  enum class Control : uint8_t { kNone, kPing, kPong, kClose };

  struct Step {
    size_t consumed = 0;  // input bytes used
    size_t produced = 0;  // data bytes now at the front of the buffer
    Control control = Control::kNone;  // a control frame ended the step; payload in control_payload()
    uint16_t error = 0;   // non-zero: the close code to answer with; the connection must end
  };

  // Reads frames from `buf`. The payload of binary frames (and their continuations) is unmasked and
  // written to the front of `buf`; stops after a complete control frame, at an error or at the end.
  // Call again with the rest (buf.subspan(consumed)) until it is empty.
  Step decode(std::span<uint8_t> buf);

  // The payload of the control frame the last step ended with (at most 125 bytes, unmasked).
  std::span<const uint8_t> control_payload() const { return {control_.data(), control_length_}; }

 private:
  uint16_t start_frame();  // the header is complete: check it; returns an error code or 0
  uint16_t header_size() const;

  std::array<uint8_t, 14> header_{};  // 2 + 8 (length) + 4 (mask)
  uint8_t header_length_ = 0;         // header bytes received so far
  bool in_frame_ = false;             // the header is read; payload follows
  bool in_message_ = false;           // a binary message awaits its continuation frames
  bool fin_ = false;
  uint8_t opcode_ = 0;
  uint64_t remaining_ = 0;  // payload bytes of the current frame not read yet
  std::array<uint8_t, 4> mask_{};
  uint8_t mask_at_ = 0;  // mask byte for the next payload byte
  std::array<uint8_t, ws::kMaxControlPayload> control_{};
  uint8_t control_length_ = 0;
};

}  // namespace pregon::net
