// ClientStream: MQTT bytes over TLS, WebSocket or WebSocket over TLS (WSS) on a non-blocking
// socket, for clients that drive many connections from one epoll loop (the load generator) as well
// as for the blocking command-line tools (which poll the same socket). Plain TCP needs no stream.
//
// The stream runs the TLS handshake (SSL_connect, retried on WANT_READ/WANT_WRITE), then the
// WebSocket upgrade, and only then accepts MQTT bytes: write() wraps them in one masked binary
// frame and queues them, flush() sends what is queued until the socket would block, read() takes
// everything the socket has and yields the MQTT bytes inside. Server pings are answered, a close
// frame ends the stream. Errors are one-line texts; after one the stream is unusable.
//
// Ownership: owns its TLS session and buffers; the caller owns the socket and closes it after the
// stream is gone. Thread-safety: none; one connection, one thread. In the steady state nothing is
// allocated: the buffers keep their capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "base/expected.hpp"
#include "transport/client_tls.hpp"
#include "transport/websocket_client.hpp"

namespace pregon::transport {

struct StreamSetup {
  const ClientTls* tls = nullptr;  // nullptr: no TLS
  bool websocket = false;
  std::string host;  // for SNI, certificate checks and the Host header
  uint16_t port = 0;
  std::string ws_path = "/mqtt";
};

class ClientStream {
 public:
  // For a socket whose connect is done or in progress; nothing is sent before flush().
  static base::Expected<std::unique_ptr<ClientStream>, std::string> start(int fd, const StreamSetup& setup);
  ~ClientStream();
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  // The handshakes are done: write() may be called.
  bool open() const { return tls_done_ && websocket_done_; }

  // Reads until the socket would block; appends the MQTT bytes received to `out`. The peer
  // closing the connection is an error.
  base::Expected<void, std::string> read(std::vector<uint8_t>& out);

  // Queues `data` as one WebSocket frame (or as is, over TLS alone). Only once open().
  void write(std::span<const uint8_t> data);

  // Sends queued bytes, handshake first, until the socket would block.
  base::Expected<void, std::string> flush();

  // Bytes queued and not yet sent.
  size_t buffered() const { return out_.size() - out_head_; }
  // The socket must be watched for writability: queued bytes, or the TLS handshake waits on it.
  bool wants_write() const { return buffered() > 0 || tls_wants_write_; }

 private:
  ClientStream(int fd, const StreamSetup& setup, SSL* ssl);

  base::Expected<void, std::string> advance_tls();
  // One read or write on the socket (through TLS when there is TLS): bytes moved, 0 when it would
  // block; an error when the connection failed or, for reads, the peer closed it.
  base::Expected<size_t, std::string> read_some(uint8_t* data, size_t size);
  base::Expected<size_t, std::string> write_some(const uint8_t* data, size_t size);
  // WebSocket: the upgrade response, then frames, out of in_.
  base::Expected<void, std::string> take_frames(std::vector<uint8_t>& out);

  int fd_;
  SSL* ssl_;
  bool websocket_;
  std::string key_;  // Sec-WebSocket-Key sent
  bool tls_done_;
  bool tls_wants_write_ = false;
  bool websocket_done_;
  FrameMasker masker_;
  std::vector<uint8_t> out_;  // wire bytes (before TLS): the upgrade request, then frames
  size_t out_head_ = 0;
  std::vector<uint8_t> in_;  // WebSocket: received bytes (after TLS) not yet taken
};

}  // namespace pregon::transport
