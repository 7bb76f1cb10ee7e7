// ConnectionHandler: what a loop's connections are for. The server adapts broker::Shard to it
// (server.cpp); tests plug in their own. Every call is made on the loop thread, and every call but
// on_open and on_input is made at the end of a loop iteration, never from inside another call.
//
// Thread-safety: one handler per loop; called only on that loop's thread.
#pragma once

#include <span>

#include "broker/shard.hpp"

namespace pregon::net {

class TcpConnection;
using TimePoint = broker::TimePoint;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;

  // A connection was accepted on, or moved to, this loop.
  virtual void on_open(TcpConnection& c, TimePoint now) = 0;
  // Every byte read and not yet consumed. May send, close, or ask to move the connection.
  virtual broker::InputResult on_input(TcpConnection& c, std::span<const uint8_t> data, TimePoint now) = 0;
  // Exactly once per opened connection that was not moved away: after close() has flushed, or the
  // peer closed, or the socket failed. `c` must not be used afterwards.
  virtual void on_closed(TcpConnection& c, TimePoint now) = 0;
  // The output queue drained after a write had blocked.
  virtual void on_output_drained(TcpConnection& c, TimePoint now) = 0;
  // About every 90 ms (at least every 100 ms).
  virtual void tick(TimePoint now) = 0;
  // The last thing in every loop iteration before the loop may block.
  virtual void end_of_iteration() = 0;
  // The server is stopping; connections still open afterwards are closed by the net layer.
  virtual void shutdown(TimePoint now) = 0;
};

}  // namespace pregon::net
