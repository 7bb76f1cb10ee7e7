// Shard: the broker state owned by one event-loop thread — its clients, the sessions whose client
// identifiers hash to this thread, their subscriptions, and the shared-subscription groups it owns.
// The net layer drives it: bytes in, close events, timer ticks, end of a loop iteration.
//
// Thread-safety: not thread-safe; every call is made on the owning thread. Other threads reach it
// only through ShardRouter::post.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>

#include "broker/client_link.hpp"
#include "broker/counters.hpp"
#include "broker/shard_router.hpp"
#include "config/config.hpp"

namespace pregon::broker {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

class Client;
class BrokerState;
struct ShardImpl;
struct Access;

// What the broker did with the bytes it was given.
struct InputResult {
  size_t consumed = 0;        // bytes used; the rest stays in the read buffer for the next call
  // When >= 0: this connection belongs on another thread (its client identifier hashes there).
  // The Client is already forgotten; the net layer moves the socket and the unconsumed bytes
  // (which start with the CONNECT) to that thread, where they are fed to open() and on_input().
  int transfer_to = -1;
};

class Shard {
 public:
  Shard(unsigned index, BrokerState& state, ShardRouter& router);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  unsigned index() const;

  // A connection accepted on (or moved to) this thread. The returned Client lives until on_closed.
  Client* open(ClientLink& link, TimePoint now);

  // Bytes arrived for `client`. May call link methods, including close().
  InputResult on_input(Client& client, std::span<const uint8_t> data, TimePoint now);

  // The socket is gone (peer closed, error, or after ClientLink::close()). `client` is destroyed.
  void on_closed(Client& client, TimePoint now);

  // The connection's output queue drained after it had been over its limit, or after
  // ClientLink::notify_when_drained: send what waits.
  void on_output_drained(Client& client, TimePoint now);

  // Periodic work: keep-alive and connect timeouts, will delays, session and message expiry.
  // Called at least every 100 ms.
  void tick(TimePoint now);

  // Called at the end of every loop iteration: hands the batches for other threads to their inboxes.
  void end_of_iteration();
  // At the very end, the loops stopped: sends what end_of_iteration() sends, and hands the store
  // every write still waiting, without waiting for the commit in progress.
  void finish_writes();

  // Routes what other threads put in this shard's inbox; called after ShardRouter::notify_inbox.
  void drain_inbox(TimePoint now);

  // Replaces the password file, ACL and anonymous access the shard checks against (a reload).
  // Connected clients keep their sessions; the new rules apply to what they do next.
  void set_access(std::shared_ptr<const Access> access);

  // Replaces the limits (a reload). Each is checked when it next applies: to the next packet,
  // message, subscription or CONNECT; what was already admitted stays.
  void set_limits(const config::Limits& limits);

  // A connection the network layer refused on this thread for a limit (limits.max_accept_rate).
  void count_limit(Limit limit);

  // Server shutdown: 5.0 clients get DISCONNECT 0x8B, every connection is closed.
  void shutdown(TimePoint now);

  // For ShardRouter tasks.
  ShardImpl& impl() { return *impl_; }

 private:
  std::unique_ptr<ShardImpl> impl_;
};

}  // namespace pregon::broker
