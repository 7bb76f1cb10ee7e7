// The server side of the WebSocket opening handshake (RFC 6455 section 4.2) for MQTT: reads the
// client's HTTP/1.1 upgrade request and says what to answer. Pure: no descriptors, no logging.
//
// Accepted: GET <path> HTTP/1.1 with Host, Upgrade: websocket, Connection: upgrade,
// Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key of 16 bytes in base64. The answer is 101 with
// Sec-WebSocket-Accept and, when the client offers it, Sec-WebSocket-Protocol: mqtt [MQTT-6.0.0-4].
// A client that offers subprotocols but not "mqtt" is refused (400); one that offers none is
// accepted without a subprotocol, since the path already says the bytes are MQTT. "mqttv3.1", which
// MQTT 3.1 clients offer, is accepted when "mqtt" is not offered.
// Refused: a wrong path (404), a request that is not a WebSocket upgrade (400), another WebSocket
// version (426 with Sec-WebSocket-Version: 13), a header section over kMaxRequestBytes (431).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pregon::net {

struct HandshakeAnswer {
  enum class Status { kIncomplete, kAccepted, kRefused };
  Status status = Status::kIncomplete;
  size_t consumed = 0;   // bytes of the request, through the blank line; 0 while incomplete
  std::string response;  // the whole HTTP response to send (accepted or refused)
  std::string reason;    // why it was refused, for logs
};

// The request, head and all, may not be larger: a browser's is well under 2 KiB.
inline constexpr size_t kMaxRequestBytes = 8192;

// Reads the request from the start of `received` (everything the client sent so far) and answers
// it once its header section is complete. `path` is the listener's websocket_path; a query string
// after it is ignored.
HandshakeAnswer answer_websocket_handshake(std::string_view received, std::string_view path);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC 6455 GUID)).
std::string websocket_accept_key(std::string_view key);

}  // namespace pregon::net
