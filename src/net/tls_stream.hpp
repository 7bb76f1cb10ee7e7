// TlsStream: the TLS layer of one connection, kept in memory. Ciphertext read from the socket goes
// in with put_input(); read() gives back the plaintext. write() encrypts, and the ciphertext waits
// in pending_output() until the socket takes it. The socket itself stays with TcpConnection, so TLS
// connections are read and written, gathered and flushed like plain ones, and move between loops
// with their state.
//
// Ownership: owns its SSL session. Thread-safety: none; used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace pregon::net {

class TlsContext;

class TlsStream {
 public:
  // A server-side stream for a connection just accepted; nullptr when OpenSSL is out of memory.
  static std::unique_ptr<TlsStream> accept(const TlsContext& context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  enum class Status {
    kOk,      // read: `n` bytes of plaintext (0: more ciphertext needed)
    kClosed,  // the peer sent close_notify
    kFailed,  // handshake or protocol failure; error() says what
  };
  struct ReadResult {
    Status status;
    size_t n;
  };

  // Ciphertext from the socket.
  void put_input(std::span<const uint8_t> cipher);
  // Advances the handshake and decrypts into `out`.
  ReadResult read(std::span<uint8_t> out);
  // Encrypts `plain` whole (only once handshake_done()); false on failure (error() says why).
  bool write(std::span<const uint8_t> plain);
  // Queues close_notify (once; not before the handshake is done).
  void shut_down();
  bool shutdown_sent() const { return shutdown_sent_; }

  bool handshake_done() const { return handshake_done_; }
  std::span<const uint8_t> pending_output() const {
    return std::span<const uint8_t>(output_).subspan(output_sent_);
  }
  void consume_output(size_t n);
  const std::string& error() const { return error_; }
  // The verified client certificate's subject CN, else its first DNS, e-mail or URI alternative
  // name; empty when the client sent none.
  const std::string& peer_identity() const { return identity_; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384", for logs.
  std::string description() const;

 private:
  TlsStream(SSL* ssl, BIO* in, BIO* out) : ssl_(ssl), in_(in), out_(out) {}
  void collect_output();  // moves what OpenSSL wrote into `output_`
  void finish_handshake();
  Status fail(int ssl_error);

  SSL* ssl_;
  BIO* in_;   // owned by ssl_
  BIO* out_;  // owned by ssl_
  std::vector<uint8_t> output_;
  size_t output_sent_ = 0;
  std::string identity_;
  std::string error_;
  bool handshake_done_ = false;
  bool shutdown_sent_ = false;
};

}  // namespace pregon::net
