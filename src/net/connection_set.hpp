// ConnectionSet: the connections of one loop and the per-loop resources they share (the 64 KiB read
// buffer, the iovec array, a TLS record buffer). It is the loop's LoopHooks: at the end of every iteration it flushes the
// connections that queued output, finishes closes and reports them to the handler (never from
// inside on_input), then calls handler.end_of_iteration(); on ticks it calls handler.tick() and
// enforces close deadlines.
//
// Moving a connection: when on_input answers transfer_to >= 0, the socket leaves this loop's epoll
// set and goes, with its unconsumed bytes, to the TransferFn, which gets it to the target loop's
// adopt().
//
// Ownership: owns its TcpConnections. The loop and the handler must outlive it; on destruction
// every connection the handler still knows is reported closed, then every socket is closed.
// Thread-safety: none; used only on its loop's thread (constructed and destroyed anywhere while
// the loop is not running).
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/connection_handler.hpp"
#include "net/event_loop.hpp"
#include "net/tcp_connection.hpp"
#include "net/unique_fd.hpp"

namespace pregon::net {

// A socket on its way to another loop, with what it sent that was not consumed yet.
struct MovedConnection {
  Accepted socket;
  std::vector<uint8_t> unconsumed;
};

using TransferFn = std::function<void(unsigned target, MovedConnection connection)>;

class ConnectionSet final : public LoopHooks {
 public:
  static constexpr size_t kReadChunk = 64 * 1024;
  static constexpr size_t kEagerFlushBytes = 256 * 1024;  // flush at once past this backlog

  struct Options {
    // Unconsumed input beyond this closes the connection. The handler closes first on an
    // oversized packet; this only bounds memory if it does not.
    size_t max_input_bytes = 1'048'576 + kReadChunk;
    // A connection with more unsent output than this is not read from until half of it is sent:
    // a client that sends requests (PINGREQ, QoS 1 PUBLISH, SUBSCRIBE) and never reads the
    // answers is slowed by TCP instead of growing the broker's memory.
    size_t pause_reading_above = 4 << 20;
    // How long close() may take to flush before the socket is cut.
    std::chrono::milliseconds close_timeout{2000};
    // How long a flushed socket, its FIN sent, waits for the peer's FIN before it is closed.
    std::chrono::milliseconds linger_timeout{500};
    // Every this often (on a tick), connections with nothing to write since the last time free
    // their output buffers. A busy connection keeps them, so relaying allocates nothing.
    std::chrono::milliseconds idle_trim_period{250};
  };

  ConnectionSet(EventLoop& loop, ConnectionHandler& handler, Options options, TransferFn transfer = {});
  ~ConnectionSet();
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  // Takes a connected socket: registers it, calls handler.on_open and then, when `initial` is not
  // empty, handler.on_input with it (and with what its WebSocket and TLS streams still hold). Returns nullptr
  // (and closes the socket) when shutting down or when the loop refuses it.
  TcpConnection* adopt(Accepted socket, std::span<const uint8_t> initial = {});

  // Server shutdown: handler.shutdown(now), then close() on every open connection, all within
  // close_timeout; `on_drained` runs (once, at the end of an iteration) when none is left. New
  // connections are refused from now on.
  void begin_shutdown(std::function<void()> on_drained);

  size_t size() const { return connections_.size(); }
  // Options::max_input_bytes from now on (limits.max_packet_size changed on reload).
  void set_max_input_bytes(size_t bytes) { options_.max_input_bytes = bytes; }
  // Options::pause_reading_above from now on (limits.output_buffer_bytes changed on reload).
  void set_pause_reading_above(size_t bytes) { options_.pause_reading_above = bytes; }
  EventLoop& loop() { return loop_; }

  // LoopHooks
  void on_tick(TimePoint now) override;
  void on_iteration_end(TimePoint now) override;

 private:
  friend class TcpConnection;

  void mark_dirty(TcpConnection& c);
  void retire(TcpConnection& c);  // destroy at the end of this iteration
  // holding_output_: the connections serviced since their output buffers were last freed.
  void track_output_memory(TcpConnection& c);
  void untrack_output_memory(TcpConnection& c);
  // Frees the output buffers of the tracked connections that were idle since the last trim.
  void trim_idle_output();
  void move_connection(int target, MovedConnection m);
  void settle(TimePoint now);
  void destroy(TcpConnection& c);
  std::span<uint8_t> read_scratch() { return read_scratch_; }
  std::span<iovec> iov_scratch() { return iov_scratch_; }
  std::span<uint8_t> tls_scratch() { return tls_scratch_; }
  TimePoint close_deadline(TimePoint now) const;
  TimePoint linger_deadline(TimePoint now) const;

  EventLoop& loop_;
  ConnectionHandler& handler_;
  Options options_;
  TransferFn transfer_;

  // In no order; a connection's slot_ is its index, so removing one moves the last into its place.
  std::vector<std::unique_ptr<TcpConnection>> connections_;
  std::vector<TcpConnection*> dirty_;       // connections with end-of-iteration work
  std::vector<TcpConnection*> servicing_;   // the batch of dirty_ being serviced
  std::vector<TcpConnection*> retired_;     // to destroy once no list refers to them
  size_t closing_count_ = 0;                // connections with a deadline to watch on ticks
  // Connections that may hold output buffers: a trim looks at these, not at every (mostly idle)
  // connection.
  std::vector<TcpConnection*> holding_output_;

  std::vector<uint8_t> read_scratch_;  // shared by every read on this loop
  std::vector<iovec> iov_scratch_;     // shared by every write on this loop; IOV_MAX entries
  std::vector<uint8_t> tls_scratch_;   // one TLS record's plaintext, for every TLS write on this loop

  TimePoint last_idle_trim_{};
  bool shutting_down_ = false;
  TimePoint shutdown_deadline_ = TimePoint::max();
  std::function<void()> on_drained_;
};

}  // namespace pregon::net
