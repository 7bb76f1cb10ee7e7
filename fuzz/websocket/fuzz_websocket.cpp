// libFuzzer target for the WebSocket layer: the opening handshake parser and the frame decoder.
//
// Input: byte 0 picks the read size (1..256) the decoder is fed in; the rest is what a client sends.
// The handshake must answer or wait without reading past its input; the decoder must consume at
// least one byte per step, never produce more than it consumed, and give the same data whether fed
// at once or in pieces. Any violation aborts, which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket_frame.hpp"
#include "net/websocket_handshake.hpp"

namespace {

using pregon::net::FrameDecoder;

void check(bool condition) {
  if (!condition) std::abort();
}

// Decodes `wire` in reads of `chunk` bytes; returns the data and the first error (0: none).
std::pair<std::string, uint16_t> decode_all(std::vector<uint8_t> wire, size_t chunk) {
  FrameDecoder d;
  std::string data;
  for (size_t at = 0; at < wire.size(); at += chunk) {
    std::span<uint8_t> buf(wire.data() + at, std::min(chunk, wire.size() - at));
    while (!buf.empty()) {
      const FrameDecoder::Step s = d.decode(buf);
      check(s.consumed > 0 && s.consumed <= buf.size() && s.produced <= s.consumed);
      check(d.control_payload().size() <= pregon::net::ws::kMaxControlPayload);
      data.append(reinterpret_cast<const char*>(buf.data()), s.produced);
      if (s.error != 0 || s.control == FrameDecoder::Control::kClose) return {data, s.error};
      buf = buf.subspan(s.consumed);
    }
  }
  return {data, 0};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = size_t{data[0]} + 1;
  const std::vector<uint8_t> wire(data + 1, data + size);

  const std::string_view text(reinterpret_cast<const char*>(wire.data()), wire.size());
  const pregon::net::HandshakeAnswer a = pregon::net::answer_websocket_handshake(text, "/mqtt");
  if (a.status != pregon::net::HandshakeAnswer::Status::kIncomplete) check(!a.response.empty());
  if (a.status == pregon::net::HandshakeAnswer::Status::kAccepted) check(a.consumed <= wire.size());

  const auto whole = decode_all(wire, wire.size() + 1);
  const auto pieces = decode_all(wire, chunk);
  check(whole == pieces);
  return 0;
}
