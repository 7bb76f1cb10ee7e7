#include "net/tcp_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "base/log_context.hpp"
#include "net/connection_set.hpp"
#include "net/proxy_header.hpp"

namespace pregon::net {

namespace {

// Reads per readiness event before yielding to other connections; epoll is level-triggered, so
// whatever is left is reported again in the next iteration.
constexpr int kMaxReadsPerEvent = 4;

}  // namespace

TcpConnection::TcpConnection(ConnectionSet& owner, Accepted socket)
    : owner_(owner),
      fd_(std::move(socket.fd)),
      peer_(std::move(socket.peer)),
      listener_(*socket.listener),
      tls_(std::move(socket.tls)),
      ws_(std::move(socket.websocket)),
      awaiting_proxy_(socket.proxy_header) {}

TcpConnection::~TcpConnection() {
  if (fd_) owner_.loop().remove(fd_.get());
}

base::Expected<void, SysError> TcpConnection::start() {
  return owner_.loop().add(fd_.get(), EPOLLIN, this);
}

void TcpConnection::mark_dirty() {
  if (dirty_ || state_ == State::kDone) return;
  dirty_ = true;
  owner_.mark_dirty(*this);
}

// --- ClientLink -------------------------------------------------------------------------------

void TcpConnection::send(std::span<const uint8_t> bytes) {
  if (state_ != State::kOpen) return;  // after close(): nothing more is written
  if (ws_ && !ws_->upgraded()) return;  // no MQTT before the upgrade; nothing could frame it
  output().append(bytes);
  if (output_->size() >= ConnectionSet::kEagerFlushBytes && !want_write_ && !failed_) flush();
  mark_dirty();
}

void TcpConnection::notify_when_drained() {
  drain_wanted_ = true;
  mark_dirty();  // service() tells once a flush has written everything
}

void TcpConnection::send_publish(std::shared_ptr<const broker::EncodedPublish> p, uint8_t first_byte,
                                 uint16_t packet_id) {
  if (state_ != State::kOpen) return;
  if (ws_ && !ws_->upgraded()) return;
  output().append_publish(std::move(p), first_byte, packet_id);
  if (output_->size() >= ConnectionSet::kEagerFlushBytes && !want_write_ && !failed_) flush();
  mark_dirty();
}

void TcpConnection::close() {
  if (state_ != State::kOpen) return;
  if (ws_ && ws_->upgraded() && !ws_->close_sent()) {
    send_frame(ws::encode_close_frame(ws::kNormalClosure).view());  // after the DISCONNECT, if any
    ws_->set_close_sent();
  }
  state_ = State::kClosing;
  deadline_ = owner_.close_deadline(owner_.loop().now());
  ++owner_.closing_count_;
  input_.clear();
  mark_dirty();
}

// --- reading ----------------------------------------------------------------------------------

void TcpConnection::on_io(uint32_t events) {
  if (state_ == State::kDone) return;
  if ((events & EPOLLOUT) != 0 && want_write_) flush();
  // A hang-up or error is reported even while reading is paused: reading is how it is handled.
  if ((events & (EPOLLHUP | EPOLLERR)) != 0 || ((events & EPOLLIN) != 0 && !reading_paused_)) read_some();
}

void TcpConnection::read_some() {
  for (int i = 0; i < kMaxReadsPerEvent && !failed_; ++i) {
    if (state_ == State::kOpen && queued_bytes() > owner_.options_.pause_reading_above) {
      set_reading_paused(true);
      return;
    }
    std::span<uint8_t> buf = owner_.read_scratch();
    const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n > 0) {
      // Once closing, input is read only to be discarded.
      std::span<uint8_t> data = buf.first(static_cast<size_t>(n));
      if (state_ == State::kOpen && awaiting_proxy_) data = take_proxy_header(data);
      if (state_ == State::kOpen && !data.empty() && !failed_) {
        if (tls_) {
          take_tls_input(data);
        } else {
          receive(data);
        }
      }
      if (state_ == State::kDone) return;  // moved to another loop
      if (static_cast<size_t>(n) < buf.size()) return;
      continue;
    }
    if (n == 0) {
      fail(0);
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    fail(errno);
    return;
  }
}

std::span<uint8_t> TcpConnection::take_proxy_header(std::span<uint8_t> data) {
  std::span<const uint8_t> in = data;
  if (!input_.empty()) {
    input_.append(data);
    in = input_.data();
  }
  const ProxyParse parsed = parse_proxy_header(in);
  if (const auto* header = std::get_if<ProxyHeader>(&parsed)) {
    awaiting_proxy_ = false;
    if (!header->source.empty()) {
      base::log_about({{}, peer_}, spdlog::level::debug, "PROXY header names the client {}", header->source);
      peer_ = header->source;
    }
    // What follows the header lies within `data`: the bytes kept from earlier reads were all header.
    const size_t rest = in.size() - header->length;
    input_.clear();
    return data.last(rest);
  }
  if (const auto* invalid = std::get_if<ProxyInvalid>(&parsed)) {
    base::log_about({{}, peer_}, spdlog::level::info, "{}; closing", invalid->reason);
    input_.clear();
    fail(EPROTO);
    return {};
  }
  if (input_.empty()) input_.append(data);
  return {};
}

void TcpConnection::take_tls_input(std::span<const uint8_t> cipher) {
  tls_->put_input(cipher);  // copied: the read buffer is free again for the plaintext
  pump_tls();
}

void TcpConnection::pump_tls() {
  const bool was_established = tls_->handshake_done();
  std::span<uint8_t> plain = owner_.read_scratch();
  for (;;) {
    const TlsStream::ReadResult r = tls_->read(plain);
    if (r.status == TlsStream::Status::kFailed) {
      base::log_about({{}, peer_}, spdlog::level::info, "TLS refused: {}", tls_->error());
      send_now(tls_->pending_output());  // the alert, if the socket takes it at once
      fail(EPROTO);
      return;
    }
    if (r.status == TlsStream::Status::kClosed) {
      fail(0);
      return;
    }
    if (r.n == 0) break;
    receive(plain.first(r.n));
    if (state_ != State::kOpen || failed_) return;  // closed, failed, or moved with the stream
  }
  if (!was_established && tls_->handshake_done()) {
    base::log_about({{}, peer_}, spdlog::level::debug, "{}{}{}", tls_->description(),
                    tls_->peer_identity().empty() ? "" : ", certificate of ", tls_->peer_identity());
  }
  if (!tls_->pending_output().empty()) mark_dirty();
}

void TcpConnection::receive(std::span<uint8_t> bytes) {
  if (ws_) {
    take_websocket_input(bytes);
  } else {
    deliver(bytes);
  }
}

void TcpConnection::take_websocket_input(std::span<uint8_t> raw) {
  if (!ws_->upgraded()) {
    const HandshakeAnswer a = ws_->take_request(raw);
    if (a.status == HandshakeAnswer::Status::kIncomplete) return;
    output().append(std::span(reinterpret_cast<const uint8_t*>(a.response.data()), a.response.size()));
    output_->seal({});  // the HTTP response is not framed
    mark_dirty();
    if (a.status == HandshakeAnswer::Status::kRefused) {
      base::log_about({{}, peer_}, spdlog::level::info, "WebSocket handshake refused: {}", a.reason);
      close();
      return;
    }
    raw = raw.subspan(a.consumed);
  }
  FrameDecoder& decoder = ws_->decoder();
  while (!raw.empty() && state_ == State::kOpen && !failed_) {
    const FrameDecoder::Step step = decoder.decode(raw);
    if (step.produced > 0) {
      ws_->undecoded = raw.subspan(step.consumed);  // what a move to another loop must take along
      deliver(raw.first(step.produced));
      if (ws_) ws_->undecoded = {};
      if (state_ != State::kOpen || failed_) return;  // closed, failed, or moved
    }
    raw = raw.subspan(step.consumed);
    if (step.error != 0) {
      base::log_about({{}, peer_}, spdlog::level::info, "WebSocket: {}, closing",
                      step.error == ws::kUnsupportedData ? "a text frame (MQTT needs binary frames)" : "protocol error");
      send_frame(ws::encode_close_frame(step.error).view());
      ws_->set_close_sent();
      close();
      return;
    }
    answer_control(step.control);
  }
}

void TcpConnection::take_carried_websocket_input() {
  std::vector<uint8_t> rest = ws_->take_carried();
  if (!rest.empty()) take_websocket_input(rest);
}

void TcpConnection::answer_control(FrameDecoder::Control control) {
  const std::span<const uint8_t> payload = ws_->decoder().control_payload();
  switch (control) {
    case FrameDecoder::Control::kPing: {
      uint8_t pong[2 + ws::kMaxControlPayload];
      pong[0] = 0x80 | ws::kPong;
      pong[1] = static_cast<uint8_t>(payload.size());
      std::copy(payload.begin(), payload.end(), pong + 2);
      send_frame(std::span<const uint8_t>(pong, 2 + payload.size()));
      break;
    }
    case FrameDecoder::Control::kClose: {
      // Echo the peer's status code (RFC 6455 section 5.5.1), then close as after a lost
      // connection: no DISCONNECT came, so the will is published.
      uint8_t reply[4] = {0x80 | ws::kClose, 0, 0, 0};
      if (payload.size() >= 2) {
        reply[1] = 2;
        reply[2] = payload[0];
        reply[3] = payload[1];
      }
      send_frame(std::span<const uint8_t>(reply, 2 + reply[1]));
      ws_->set_close_sent();
      close();
      break;
    }
    case FrameDecoder::Control::kPong:
    case FrameDecoder::Control::kNone:
      break;
  }
}

void TcpConnection::send_frame(std::span<const uint8_t> frame) {
  seal_websocket_data();
  output().append(frame);
  output_->seal({});
  mark_dirty();
}

void TcpConnection::seal_websocket_data() {
  if (!ws_ || !output_ || output_->unsealed_size() == 0) return;
  uint8_t header[ws::kMaxServerHeader];
  const size_t n = ws::encode_frame_header(ws::kBinary, output_->unsealed_size(), header);
  output_->seal(std::span<const uint8_t>(header, n));
}

void TcpConnection::deliver(std::span<const uint8_t> data) {
  std::span<const uint8_t> in = data;
  if (!input_.empty()) {
    input_.append(data);
    in = input_.data();
  }
  const broker::InputResult r = owner_.handler_.on_input(*this, in, owner_.loop().now());
  const size_t consumed = std::min(r.consumed, in.size());
  if (r.transfer_to >= 0) {
    move_to(r.transfer_to, in.subspan(consumed));
    return;
  }
  if (state_ != State::kOpen) {  // closed from inside on_input
    input_.clear();
    return;
  }
  if (input_.empty()) {
    input_.append(in.subspan(consumed));  // `in` is the shared scratch: keep a copy of the rest
  } else {
    input_.consume(consumed);
  }
  if (input_.size() > owner_.options_.max_input_bytes) {
    base::log_about({{}, peer_}, spdlog::level::warn, "{} bytes of input not consumed, closing", input_.size());
    fail(EMSGSIZE);
    return;
  }
  input_.shrink_if_idle(ConnectionSet::kReadChunk);
}

void TcpConnection::move_to(int target, std::span<const uint8_t> unconsumed) {
  base::log_about({{}, peer_}, spdlog::level::debug, "moving to loop {} with {} unconsumed bytes", target,
                  unconsumed.size());
  MovedConnection m;
  m.unconsumed.assign(unconsumed.begin(), unconsumed.end());
  m.socket.peer = peer_;
  m.socket.listener = &listener_;
  m.socket.tls = std::move(tls_);  // with any ciphertext it has not sent or not decrypted yet
  if (ws_) ws_->carry();
  m.socket.websocket = std::move(ws_);
  owner_.loop().remove(fd_.get());
  m.socket.fd = std::move(fd_);
  if (!output_empty()) {
    // The broker forgets the client before moving it, so nothing should be queued.
    base::log_about({{}, peer_}, spdlog::level::warn, "{} queued bytes dropped when moving the connection",
                    output_->size());
    output_->clear();
  }
  moved_ = true;
  state_ = State::kDone;
  owner_.retire(*this);
  owner_.move_connection(target, std::move(m));
}

// --- writing ----------------------------------------------------------------------------------

void TcpConnection::flush() {
  seal_websocket_data();
  if (tls_) {
    flush_tls();
  } else {
    flush_plain();
  }
  // Level-triggered: input that waited while reading was paused is reported at once.
  if (reading_paused_ && queued_bytes() <= owner_.options_.pause_reading_above / 2) set_reading_paused(false);
}

void TcpConnection::flush_plain() {
  std::span<iovec> iov = owner_.iov_scratch();
  while (!output_empty()) {
    const size_t count = output_->gather(iov);
    size_t total = 0;
    for (size_t i = 0; i < count; ++i) total += iov[i].iov_len;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    // sendmsg rather than writev for MSG_NOSIGNAL: a peer that reset must not raise SIGPIPE.
    const ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        set_write_interest(true);
        return;
      }
      fail(errno);
      return;
    }
    output_->consume(static_cast<size_t>(n));
    if (static_cast<size_t>(n) < total) {  // the socket buffer is full: wait for EPOLLOUT
      set_write_interest(true);
      return;
    }
  }
  if (want_write_) {
    set_write_interest(false);
    drained_pending_ = true;
    mark_dirty();
  }
}

bool TcpConnection::send_now(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        set_write_interest(true);
      } else {
        fail(errno);
      }
      return false;
    }
    if (tls_) tls_->consume_output(static_cast<size_t>(n));
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

void TcpConnection::flush_tls() {
  // Queued output is copied into records of up to 16 KiB (TLS's largest) before it is encrypted, so
  // that a run of small packets costs one record, not one each.
  std::span<uint8_t> record = owner_.tls_scratch();
  std::span<iovec> iov = owner_.iov_scratch();
  for (;;) {
    if (!send_now(tls_->pending_output())) return;
    if (output_empty() || !tls_->handshake_done()) break;
    const size_t count = output_->gather(iov);
    size_t filled = 0;
    for (size_t i = 0; i < count && filled < record.size(); ++i) {
      const size_t take = std::min(iov[i].iov_len, record.size() - filled);
      std::memcpy(record.data() + filled, iov[i].iov_base, take);
      filled += take;
    }
    if (!tls_->write(record.first(filled))) {
      base::log_about({{}, peer_}, spdlog::level::info, "TLS: {}", tls_->error());
      fail(EPROTO);
      return;
    }
    output_->consume(filled);
  }
  if (want_write_) {
    set_write_interest(false);
    drained_pending_ = true;
    mark_dirty();
  }
}

void TcpConnection::set_write_interest(bool on) {
  if (want_write_ == on || failed_) return;
  want_write_ = on;
  if (auto r = owner_.loop().modify(fd_.get(), interest(), this); !r) {
    base::log_about({{}, peer_}, spdlog::level::err, "{}", r.error().message());
    fail(r.error().code);
  }
}

void TcpConnection::set_reading_paused(bool paused) {
  if (reading_paused_ == paused || failed_) return;
  reading_paused_ = paused;
  if (auto r = owner_.loop().modify(fd_.get(), interest(), this); !r) {
    base::log_about({{}, peer_}, spdlog::level::err, "{}", r.error().message());
    fail(r.error().code);
  }
}

uint32_t TcpConnection::interest() const { return (reading_paused_ ? 0u : EPOLLIN) | (want_write_ ? EPOLLOUT : 0u); }

// --- closing ----------------------------------------------------------------------------------

void TcpConnection::fail(int error) {
  if (failed_ || state_ == State::kDone) return;
  failed_ = true;
  if (error != 0 && error != ECONNRESET && error != EPIPE) {
    base::log_about({{}, peer_}, spdlog::level::debug, "socket error: {}", std::strerror(error));
  }
  mark_dirty();
}

void TcpConnection::force_close() {
  if (state_ == State::kLingering) {
    state_ = State::kDone;
    owner_.retire(*this);
    return;
  }
  fail(0);
}

void TcpConnection::report_closed(TimePoint now) {
  if (reported_ || moved_ || !opened_) return;
  reported_ = true;
  owner_.handler_.on_closed(*this, now);
}

OutputQueue& TcpConnection::output() {
  if (!output_) output_ = std::make_unique<OutputQueue>();
  return *output_;
}

bool TcpConnection::trim_if_idle() {
  if (serviced_ || !output_empty()) {
    serviced_ = false;
    return false;
  }
  output_.reset();
  input_.release_if_empty();
  return true;
}

void TcpConnection::service(TimePoint now) {
  dirty_ = false;
  if (state_ == State::kDone) return;
  serviced_ = true;
  if (output_tracked_at_ == kUntracked) owner_.track_output_memory(*this);
  if (failed_) {
    const bool was_lingering = state_ == State::kLingering;
    state_ = State::kDone;  // first: the handler may call back into this link while told
    owner_.retire(*this);
    if (!was_lingering) report_closed(now);
    return;
  }
  if (state_ == State::kOpen && drained_pending_) {
    drained_pending_ = false;
    owner_.handler_.on_output_drained(*this, now);
  }
  if ((state_ == State::kOpen || state_ == State::kClosing) && !want_write_ && has_output()) {
    flush();
    if (failed_) {
      service(now);
      return;
    }
  }
  if (drain_wanted_ && state_ == State::kOpen && !has_output()) {
    // Told on the next pass of this iteration's service loop, which then writes what the handler
    // sends; a peer that reads slower than that fills the socket, and the wait goes to EPOLLOUT.
    drain_wanted_ = false;
    drained_pending_ = true;
    mark_dirty();
  }
  if (state_ == State::kClosing && output_empty() && tls_ && !tls_->shutdown_sent()) {
    tls_->shut_down();  // close_notify: the peer can tell our end from a cut connection
    flush();
    if (failed_) {
      service(now);
      return;
    }
  }
  if (state_ == State::kClosing && !has_output()) {
    // Everything is with the kernel: send our FIN, tell the handler, and keep reading until the
    // peer's FIN so that the kernel does not answer unread input with a reset.
    ::shutdown(fd_.get(), SHUT_WR);
    state_ = State::kLingering;
    deadline_ = owner_.linger_deadline(now);
    report_closed(now);
  }
}

}  // namespace pregon::net
