// TcpConnection: one client socket on one loop; the broker sees it as a broker::ClientLink.
// Reads in 64 KiB chunks into the loop's scratch buffer and hands every unconsumed byte to the
// handler; keeps only the leftover (a partial packet). On a TLS listener the bytes pass through a
// TlsStream on the way in and out, in memory, so the rest is the same. On a PROXY protocol listener
// the header comes off the front first (proxy_header.hpp) and names the peer. On a websocket listener a
// WebSocketStream answers the upgrade, then unmasks incoming frames in the read buffer itself, and
// each flush puts one binary frame header in front of what was queued since the last (a sealed
// header in the OutputQueue), so framing copies nothing. Output is queued (copies and shared PUBLISH
// references) and written once per loop iteration with one gathering sendmsg, or at once when the
// queue grows large. EPOLLOUT is requested only after a write would block and dropped when the queue
// drains, so a message costs no epoll_ctl.
//
// Life cycle: open → (close() → flushing → write side shut, handler told → lingering until the peer
// closes or the deadline) → destroyed at the end of an iteration by its ConnectionSet. The peer
// closing or an error skips straight to "handler told". Lingering reads and discards, so that
// unread input does not make the kernel reset the connection and lose the last packets we sent.
//
// Ownership: owned by its ConnectionSet; owns its socket (unless moved to another loop).
// Thread-safety: none; used only on its loop's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "broker/client_link.hpp"
#include "net/event_loop.hpp"
#include "net/input_buffer.hpp"
#include "net/output_queue.hpp"
#include "net/tls_stream.hpp"
#include "net/unique_fd.hpp"
#include "net/websocket_stream.hpp"

namespace pregon::net {

class ConnectionSet;

// A connected socket on its way into a ConnectionSet, from a listener or from another loop, with
// what it carries along: its listener's policy and, on a TLS or websocket listener, that state.
struct Accepted {
  UniqueFd fd;
  std::string peer;
  broker::ListenerPolicy* listener = nullptr;
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<WebSocketStream> websocket;
  bool proxy_header = false;  // the connection starts with a PROXY protocol header
};

class TcpConnection final : public broker::ClientLink, private IoHandler {
 public:
  // `socket.listener` must be set and outlive the connection.
  TcpConnection(ConnectionSet& owner, Accepted socket);
  ~TcpConnection() override;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // broker::ClientLink
  void send(std::span<const uint8_t> bytes) override;
  void send_publish(std::shared_ptr<const broker::EncodedPublish> p, uint8_t first_byte,
                    uint16_t packet_id) override;
  size_t queued_bytes() const override {
    return (output_ ? output_->size() : 0) + (tls_ ? tls_->pending_output().size() : 0);
  }
  void notify_when_drained() override;
  void close() override;
  const std::string& peer() const override { return peer_; }
  broker::ListenerPolicy& listener() const override { return listener_; }
  std::string_view certificate_identity() const override {
    return tls_ ? std::string_view(tls_->peer_identity()) : std::string_view();
  }

  // Opaque to the net layer: the handler's per-connection object (the shard's Client).
  void* handler_state() const { return handler_state_; }
  void set_handler_state(void* s) { handler_state_ = s; }

  int fd() const { return fd_.get(); }
  bool is_open() const { return state_ == State::kOpen; }
  // Memory the output queue holds, queued or kept for reuse.
  size_t output_reserved_bytes() const { return output_ ? sizeof(OutputQueue) + output_->reserved_bytes() : 0; }

 private:
  friend class ConnectionSet;

  enum class State : uint8_t {
    kOpen,       // reading and writing
    kClosing,    // close() called: flushing; input discarded
    kLingering,  // flushed, write side shut, handler told; waiting for the peer's FIN
    kDone,       // to be destroyed at the end of the iteration
  };

  // For ConnectionSet.
  base::Expected<void, SysError> start();  // registers with the loop
  void opened() { opened_ = true; }
  void deliver(std::span<const uint8_t> data);
  void service(TimePoint now);  // end-of-iteration work: flush, finish closing, report
  void force_close();           // deadline passed: stop waiting for the socket
  // Frees the output queue (and an empty input buffer) when the connection was not serviced since
  // the last call (nothing queued, nothing written): most connections are idle most of the time,
  // and need no buffers then. Returns whether it freed them.
  bool trim_if_idle();
  bool closing() const { return state_ == State::kClosing || state_ == State::kLingering; }
  TimePoint deadline() const { return deadline_; }
  void cap_deadline(TimePoint t) {
    if (t < deadline_) deadline_ = t;
  }

  void on_io(uint32_t events) override;
  void read_some();
  // Before anything else on a PROXY protocol listener: the bytes after the header, or none while
  // the header is incomplete (kept in input_) or invalid (then the connection fails).
  std::span<uint8_t> take_proxy_header(std::span<uint8_t> data);
  void take_tls_input(std::span<const uint8_t> cipher);
  void pump_tls();  // decrypts what the TLS stream holds and delivers it
  void receive(std::span<uint8_t> bytes);  // what the socket (or TLS) gave: to WebSocket or straight on
  // WebSocket: the handshake, then frames, whose data is unmasked in `raw` and delivered.
  void take_websocket_input(std::span<uint8_t> raw);
  void take_carried_websocket_input();  // after a move: what the previous loop read but did not decode
  void answer_control(FrameDecoder::Control control);
  void send_frame(std::span<const uint8_t> frame);  // a whole frame, after the data queued before it
  void seal_websocket_data();  // frames what was queued since the last flush
  OutputQueue& output();  // made on first use
  bool output_empty() const { return !output_ || output_->empty(); }
  bool has_output() const { return !output_empty() || (tls_ && !tls_->pending_output().empty()); }
  void flush();
  void flush_tls();
  bool send_now(std::span<const uint8_t> bytes);  // false: blocked or failed (then handled)
  void flush_plain();
  void set_write_interest(bool on);
  void set_reading_paused(bool paused);
  uint32_t interest() const;  // the epoll events wanted now
  void fail(int error);  // error 0: the peer closed
  void move_to(int target, std::span<const uint8_t> unconsumed);
  void report_closed(TimePoint now);
  void mark_dirty();

  ConnectionSet& owner_;
  UniqueFd fd_;
  uint32_t slot_ = 0;  // index in the owner's connections_
  std::string peer_;  // the socket's peer, or the client a PROXY header names
  broker::ListenerPolicy& listener_;
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<WebSocketStream> ws_;
  InputBuffer input_;
  // Behind a pointer, made when something is queued and freed by trim_if_idle: an idle connection
  // holds no output memory at all.
  std::unique_ptr<OutputQueue> output_;
  void* handler_state_ = nullptr;
  TimePoint deadline_ = TimePoint::max();
  State state_ = State::kOpen;
  bool awaiting_proxy_ = false;   // the PROXY header has not been read yet
  bool opened_ = false;           // the handler knows this connection
  bool reported_ = false;         // on_closed called
  bool moved_ = false;            // handed to another loop; the handler forgot it
  bool failed_ = false;           // peer closed or socket error: report and destroy
  bool want_write_ = false;       // EPOLLOUT requested: a write would block
  bool reading_paused_ = false;   // too much unsent output: EPOLLIN withdrawn until it drains
  bool drained_pending_ = false;  // on_output_drained to be called
  bool drain_wanted_ = false;     // notify_when_drained: on_output_drained once the output is written
  bool dirty_ = false;            // in the owner's list for end-of-iteration service
  bool serviced_ = false;         // serviced since the last trim_if_idle
  static constexpr uint32_t kUntracked = UINT32_MAX;
  uint32_t output_tracked_at_ = kUntracked;  // index in the owner's holding_output_
};

}  // namespace pregon::net
