// The client side of MQTT over WebSocket (RFC 6455), pure parts: the upgrade request, the check of
// the server's answer (101, Sec-WebSocket-Accept, subprotocol mqtt), masked client frames and the
// reading of the server's unmasked frames. No descriptors, no clock, no logging.
//
// Thread-safety: pure functions; FrameMasker is a value owned by one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket_frame.hpp"

namespace pregon::transport {

// A fresh Sec-WebSocket-Key: 16 random bytes in base64 (RFC 6455 section 4.1).
std::string make_websocket_key();

// The HTTP/1.1 upgrade request for `path` on host:port, offering the subprotocol mqtt [MQTT-6.0.0-3].
std::string websocket_request(std::string_view host, uint16_t port, std::string_view path, std::string_view key);

struct UpgradeCheck {
  enum class Status { kIncomplete, kAccepted, kRefused };
  Status status = Status::kIncomplete;
  size_t consumed = 0;  // bytes of the response through the blank line; 0 while incomplete
  std::string reason;   // why it was refused: the status line, or the header that is wrong
};

// Reads the server's response from the start of `received` once its header section is complete.
// Accepted: status 101, Upgrade: websocket, Connection: upgrade, the Sec-WebSocket-Accept that
// `key` calls for, and Sec-WebSocket-Protocol mqtt if any (RFC 6455 section 4.1, client step 5).
UpgradeCheck check_websocket_response(std::string_view received, std::string_view key);

// Chooses the 4-byte masking key of each frame (RFC 6455 section 5.3). The key only has to be
// unpredictable to scripts in a browser; a xorshift generator seeded once from the system is
// plenty for a command-line client and costs nothing per frame.
class FrameMasker {
 public:
  FrameMasker();
  explicit FrameMasker(uint64_t seed) : state_(seed | 1) {}
  uint32_t next_key();

 private:
  uint64_t state_;
};

// Appends one final, masked frame carrying `payload` to `out`.
void append_client_frame(net::ws::Opcode opcode, std::span<const uint8_t> payload, uint32_t mask_key,
                         std::vector<uint8_t>& out);

// One frame from the server, found at the start of a buffer.
struct ServerFrame {
  enum class Status { kIncomplete, kComplete, kInvalid };
  Status status = Status::kIncomplete;
  bool fin = false;
  uint8_t opcode = 0;
  size_t header_size = 0;
  uint64_t payload_size = 0;
  std::string error;  // kInvalid: what is wrong

  size_t size() const { return header_size + static_cast<size_t>(payload_size); }
};

// Reads the frame at the start of `buf`: complete once header and payload are all there. A server
// must not mask (RFC 6455 section 5.1); reserved bits without an extension and fragmented or long
// control frames are invalid (section 5.5).
ServerFrame read_server_frame(std::span<const uint8_t> buf);

}  // namespace pregon::transport
