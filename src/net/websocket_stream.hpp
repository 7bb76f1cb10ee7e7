// WebSocketStream: the WebSocket state of one connection on a websocket listener: the opening
// handshake while it is under way, then the frame decoder. TcpConnection feeds it what it reads
// (after TLS, on a wss listener) and frames what it writes; like TlsStream, it moves with the
// connection between loops, with any bytes read but not decoded yet.
//
// Ownership: owned by its connection (or by the Accepted record while the connection moves); the
// path it refers to belongs to the server's listener configuration, which outlives every connection.
// Thread-safety: none; used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket_frame.hpp"
#include "net/websocket_handshake.hpp"

namespace pregon::net {

class WebSocketStream {
 public:
  explicit WebSocketStream(std::string_view path) : path_(path) {}

  bool upgraded() const { return upgraded_; }

  // Before the upgrade: reads the client's request from `bytes`. While incomplete, keeps what it
  // has (at most kMaxRequestBytes). Once answered, `consumed` counts the bytes of `bytes` that
  // belonged to the request; on kAccepted the stream is upgraded.
  HandshakeAnswer take_request(std::span<const uint8_t> bytes);

  FrameDecoder& decoder() { return decoder_; }

  // Our close frame is sent once; after it only a close reply would be, and none is needed.
  bool close_sent() const { return close_sent_; }
  void set_close_sent() { close_sent_ = true; }

  // Bytes read but not decoded when the connection left for another loop; decoded there first.
  // While a frame's data is delivered, `undecoded` is the input after it: a move during that
  // delivery carries it along.
  std::span<const uint8_t> undecoded;
  void carry() {
    carried_.insert(carried_.end(), undecoded.begin(), undecoded.end());
    undecoded = {};
  }
  std::vector<uint8_t> take_carried() { return std::move(carried_); }

 private:
  std::string_view path_;
  std::string request_;  // the request so far, when it came in more than one read
  FrameDecoder decoder_;
  std::vector<uint8_t> carried_;
  bool upgraded_ = false;
  bool close_sent_ = false;
};

}  // namespace pregon::net
