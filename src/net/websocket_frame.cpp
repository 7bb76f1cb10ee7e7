#include "net/websocket_frame.hpp"

#include <algorithm>
#include <cstring>

namespace pregon::net {

namespace ws {

size_t encode_frame_header(Opcode opcode, uint64_t length, std::span<uint8_t, kMaxServerHeader> out) {
  out[0] = static_cast<uint8_t>(0x80 | opcode);  // FIN: we never fragment
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(length >> (56 - 8 * i));
  return 10;
}

CloseFrame encode_close_frame(uint16_t code) {
  return CloseFrame{{static_cast<uint8_t>(0x80 | kClose), 2, static_cast<uint8_t>(code >> 8),
                     static_cast<uint8_t>(code & 0xFF)}};
}

}  // namespace ws

namespace {

// XORs `n` bytes from `in` with the mask (starting at mask byte `at`) into `out`, where out <= in:
// ascending order never overwrites a byte before it is read. Returns the next mask position.
uint8_t unmask(const uint8_t* in, uint8_t* out, size_t n, const std::array<uint8_t, 4>& mask, uint8_t at) {
  size_t i = 0;
  if (n >= 16) {
    uint8_t rotated[8];
    for (int k = 0; k < 8; ++k) rotated[k] = mask[(at + k) & 3];
    uint64_t word_mask;
    std::memcpy(&word_mask, rotated, 8);
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, in + i, 8);
      w ^= word_mask;
      std::memcpy(out + i, &w, 8);
    }
  }
  for (; i < n; ++i) out[i] = in[i] ^ mask[(at + i) & 3];
  return static_cast<uint8_t>((at + n) & 3);
}

}  // namespace

uint16_t FrameDecoder::header_size() const {
  if (header_length_ < 2) return 2;
  const uint8_t code = header_[1] & 0x7F;
  const uint16_t length_bytes = code == 127 ? 8 : code == 126 ? 2 : 0;
  // The mask is counted whether or not it is present: start_frame() refuses unmasked frames, and
  // it only runs once two bytes are in, so an unmasked frame is caught before its mask is awaited.
  return static_cast<uint16_t>(2 + length_bytes + 4);
}

uint16_t FrameDecoder::start_frame() {
  const uint8_t b0 = header_[0];
  const uint8_t b1 = header_[1];
  fin_ = (b0 & 0x80) != 0;
  opcode_ = b0 & 0x0F;
  if ((b0 & 0x70) != 0) return ws::kProtocolError;  // RSV bits: no extension was negotiated
  if ((b1 & 0x80) == 0) return ws::kProtocolError;  // a client MUST mask (RFC 6455 section 5.1)
  const uint8_t code = b1 & 0x7F;
  size_t at = 2;
  uint64_t length = code;
  if (code == 126) {
    length = (uint64_t{header_[2]} << 8) | header_[3];
    at = 4;
  } else if (code == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    at = 10;
    if ((length >> 63) != 0) return ws::kProtocolError;
  }
  std::memcpy(mask_.data(), header_.data() + at, 4);
  mask_at_ = 0;
  remaining_ = length;
  switch (opcode_) {
    case ws::kBinary:
      if (in_message_) return ws::kProtocolError;  // a new message inside a fragmented one
      in_message_ = !fin_;
      break;
    case ws::kContinuation:
      if (!in_message_) return ws::kProtocolError;
      in_message_ = !fin_;
      break;
    case ws::kText:
      return ws::kUnsupportedData;  // [MQTT-6.0.0-1] MQTT travels in binary frames only
    case ws::kClose:
    case ws::kPing:
    case ws::kPong:
      // Control frames are never fragmented and carry at most 125 bytes (RFC 6455 section 5.5).
      if (!fin_ || length > ws::kMaxControlPayload) return ws::kProtocolError;
      control_length_ = 0;
      break;
    default:
      return ws::kProtocolError;  // reserved opcode
  }
  in_frame_ = true;
  return 0;
}

FrameDecoder::Step FrameDecoder::decode(std::span<uint8_t> buf) {
  Step step;
  size_t in = 0;
  size_t out = 0;
  const auto finish = [&](Control c) {
    step.consumed = in;
    step.produced = out;
    step.control = c;
    return step;
  };
  while (in < buf.size()) {
    if (!in_frame_) {
      // Gather the header; it may arrive a byte at a time.
      while (header_length_ < header_size() && in < buf.size()) header_[header_length_++] = buf[in++];
      if (header_length_ < header_size()) {
        // Two bytes tell whether the frame is masked: refuse an unmasked one at once.
        if (header_length_ >= 2 && (header_[1] & 0x80) == 0) step.error = ws::kProtocolError;
        return finish(Control::kNone);
      }
      header_length_ = 0;
      if (const uint16_t e = start_frame(); e != 0) {
        step.error = e;
        return finish(Control::kNone);
      }
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buf.size() - in));
    if (opcode_ == ws::kBinary || opcode_ == ws::kContinuation) {
      mask_at_ = unmask(buf.data() + in, buf.data() + out, n, mask_, mask_at_);
      out += n;
    } else {
      mask_at_ = unmask(buf.data() + in, control_.data() + control_length_, n, mask_, mask_at_);
      control_length_ = static_cast<uint8_t>(control_length_ + n);
    }
    in += n;
    remaining_ -= n;
    if (remaining_ != 0) break;  // the rest of this frame comes with the next read
    in_frame_ = false;
    switch (opcode_) {
      case ws::kPing: return finish(Control::kPing);
      case ws::kPong: return finish(Control::kPong);
      case ws::kClose:
        if (control_length_ == 1) {  // a status code is two bytes
          step.error = ws::kProtocolError;
          return finish(Control::kNone);
        }
        return finish(Control::kClose);
      default: break;
    }
  }
  return finish(Control::kNone);
}

}  // namespace pregon::net
