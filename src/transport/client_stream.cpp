#include "transport/client_stream.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "net/tls_context.hpp"

namespace pregon::transport {
namespace {

constexpr size_t kReadChunk = 16 * 1024;  // one TLS record at most

base::Unexpected<std::string> failed(std::string message) { return base::unexpected(std::move(message)); }

}  // namespace

base::Expected<std::unique_ptr<ClientStream>, std::string> ClientStream::start(int fd, const StreamSetup& setup) {
  SSL* ssl = nullptr;
  if (setup.tls != nullptr) {
    ssl = setup.tls->new_session(setup.host);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      if (ssl != nullptr) SSL_free(ssl);
      return failed("TLS: " + net::take_openssl_error());
    }
    SSL_set_connect_state(ssl);
  }
  return std::unique_ptr<ClientStream>(new ClientStream(fd, setup, ssl));
}

ClientStream::ClientStream(int fd, const StreamSetup& setup, SSL* ssl)
    : fd_(fd), ssl_(ssl), websocket_(setup.websocket), tls_done_(ssl == nullptr), websocket_done_(!setup.websocket) {
  if (websocket_) {
    key_ = make_websocket_key();
    const std::string request = websocket_request(setup.host, setup.port, setup.ws_path, key_);
    out_.assign(request.begin(), request.end());
  }
}

ClientStream::~ClientStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // the socket stays open: it is the caller's
}

base::Expected<void, std::string> ClientStream::advance_tls() {
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    tls_done_ = true;
    tls_wants_write_ = false;
    return {};
  }
  const int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    tls_wants_write_ = err == SSL_ERROR_WANT_WRITE;
    return {};
  }
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return failed(fmt::format("TLS handshake failed: certificate verify failed ({})",
                              X509_verify_cert_error_string(verify)));
  }
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return failed(rc == 0 || errno == 0 ? std::string("TLS handshake failed: the server closed the connection")
                                        : fmt::format("TLS handshake failed: {}", std::strerror(errno)));
  }
  return failed("TLS handshake failed: " + net::take_openssl_error());
}

base::Expected<size_t, std::string> ClientStream::read_some(uint8_t* data, size_t size) {
  if (ssl_ == nullptr) {
    const ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) return failed("Connection closed by the broker");
    if (errno == EAGAIN || errno == EINTR) return size_t{0};
    return failed(fmt::format("Receive failed: {}", std::strerror(errno)));
  }
  const int n = SSL_read(ssl_, data, static_cast<int>(size));
  if (n > 0) return static_cast<size_t>(n);
  const int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return size_t{0};
  if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
    return failed("Connection closed by the broker");
  }
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return failed(fmt::format("Receive failed: {}", std::strerror(errno)));
  }
  return failed("TLS receive failed: " + net::take_openssl_error());
}

base::Expected<size_t, std::string> ClientStream::write_some(const uint8_t* data, size_t size) {
  if (ssl_ == nullptr) {
    // MSG_NOSIGNAL: a broker that went away is an error to report, not a SIGPIPE to die of.
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EAGAIN || errno == EINTR) return size_t{0};
    return failed(fmt::format("Send failed: {}", std::strerror(errno)));
  }
  const int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1u << 30)));
  if (n > 0) return static_cast<size_t>(n);
  const int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return size_t{0};
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return failed(fmt::format("Send failed: {}", std::strerror(errno != 0 ? errno : EPIPE)));
  }
  return failed("TLS send failed: " + net::take_openssl_error());
}

base::Expected<void, std::string> ClientStream::flush() {
  if (!tls_done_) {
    if (auto r = advance_tls(); !r) return r;
    if (!tls_done_) return {};
  }
  while (out_head_ < out_.size()) {
    auto n = write_some(out_.data() + out_head_, out_.size() - out_head_);
    if (!n) return base::unexpected(std::move(n.error()));
    if (*n == 0) break;
    out_head_ += *n;
  }
  if (out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  }
  return {};
}

void ClientStream::write(std::span<const uint8_t> data) {
  if (data.empty()) return;
  if (websocket_) {
    append_client_frame(net::ws::kBinary, data, masker_.next_key(), out_);
  } else {
    out_.insert(out_.end(), data.begin(), data.end());
  }
}

base::Expected<void, std::string> ClientStream::read(std::vector<uint8_t>& out) {
  if (!tls_done_) {
    if (auto r = advance_tls(); !r) return r;
    if (!tls_done_) return {};
    // The handshake just ended: the upgrade request (if any) may go now.
    if (auto r = flush(); !r) return r;
  }
  // Reading straight into `out` when no framing sits in between; into in_ otherwise.
  std::vector<uint8_t>& target = websocket_ ? in_ : out;
  const size_t before = target.size();
  for (;;) {
    const size_t at = target.size();
    target.resize(at + kReadChunk);
    auto n = read_some(target.data() + at, kReadChunk);
    target.resize(at + (n ? *n : 0));
    // What came before a close is handled first (a refusal, a DISCONNECT); the socket stays
    // readable, so the next read reports the close.
    if (!n && target.size() == before) return base::unexpected(std::move(n.error()));
    if (!n || *n == 0) break;
  }
  if (!websocket_) return {};
  if (auto taken = take_frames(out); !taken) return taken;
  // Pong replies, or the first frames after the upgrade, may be waiting.
  return wants_write() ? flush() : base::Expected<void, std::string>{};
}

base::Expected<void, std::string> ClientStream::take_frames(std::vector<uint8_t>& out) {
  size_t used = 0;
  if (!websocket_done_) {
    const std::string_view received(reinterpret_cast<const char*>(in_.data()), in_.size());
    const UpgradeCheck check = check_websocket_response(received, key_);
    if (check.status == UpgradeCheck::Status::kIncomplete) return {};
    if (check.status == UpgradeCheck::Status::kRefused) return failed(check.reason);
    websocket_done_ = true;
    used = check.consumed;
  }
  while (used < in_.size()) {
    const std::span<const uint8_t> rest(in_.data() + used, in_.size() - used);
    const ServerFrame frame = read_server_frame(rest);
    if (frame.status == ServerFrame::Status::kIncomplete) break;
    if (frame.status == ServerFrame::Status::kInvalid) return failed(frame.error);
    const auto payload = rest.subspan(frame.header_size, static_cast<size_t>(frame.payload_size));
    switch (frame.opcode) {
      case net::ws::kBinary:
      case net::ws::kContinuation:
        out.insert(out.end(), payload.begin(), payload.end());
        break;
      case net::ws::kPing:
        append_client_frame(net::ws::kPong, payload, masker_.next_key(), out_);
        break;
      case net::ws::kPong:
        break;
      case net::ws::kClose: {
        const unsigned code = payload.size() >= 2 ? (unsigned{payload[0]} << 8) | payload[1] : 1005;
        return failed(fmt::format("Connection closed by the broker (WebSocket close {})", code));
      }
      default:
        return failed(fmt::format("WebSocket frame with unexpected opcode {}", frame.opcode));
    }
    used += frame.size();
  }
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(used));
  return {};
}

}  // namespace pregon::transport
