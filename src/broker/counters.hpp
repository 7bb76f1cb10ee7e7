// Counters of what a shard did: packets, PUBLISHes and bytes in and out, connections, drops. Each
// shard owns one set and bumps it on its own thread as plain integers: an increment costs what a
// local variable does, with no lock, atomic or shared cache line on the message path. Other threads
// read them only through a task posted to the shard (shard_admin.hpp), which copies them out on the
// owning thread; so a reading is consistent within a shard and a scrape never races a writer.
//
// ConnectedClients is the exception: connected now and the maximum are broker-wide values that a
// sum of per-shard readings cannot give (the maximum of a sum is not a sum of maxima). They change
// per connection, not per message, so a shared atomic costs nothing measurable there.
//
// Thread-safety: ShardCounters and Drops belong to one shard's thread; ConnectedClients is atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pregon::broker {

// Messages a shard dropped, by reason. Logged (ShardImpl::report_drops) and exported as metrics.
struct Drops {
  uint64_t qos0_slow = 0;        // QoS 0 to a connection over output_buffer_bytes, or offline
  uint64_t queue_budget = 0;     // QoS 1/2 over a queue budget (count, session or total bytes)
  uint64_t too_large = 0;        // over the receiver's Maximum Packet Size
  uint64_t retained_budget = 0;  // retained messages over max_retained_messages/bytes
  uint64_t refused_quota = 0;    // PUBLISHes answered with 0x97
  uint64_t expired = 0;          // queued messages whose Message Expiry Interval ran out
  bool operator==(const Drops&) const = default;

  uint64_t total() const { return qos0_slow + queue_budget + too_large + retained_budget + refused_quota + expired; }
};

// The limits a client ran into: the limits.* settings and a listener's max_connections, each
// exceeding counted once under the setting that caused it (exported as limits_exceeded{limit}).
enum class Limit : uint8_t {
  Connections,          // limits.max_connections
  ListenerConnections,  // a listener's max_connections
  AcceptRate,           // limits.max_accept_rate: accepted and closed before CONNECT
  ConnectTimeout,       // limits.connect_timeout_ms: no CONNECT in time
  KeepAlive,            // limits.max_keep_alive: 3.1.1 refused, 5.0 given the maximum instead
  ClientIdLength,       // limits.max_client_id_length
  PacketSize,           // limits.max_packet_size, inbound
  TopicLength,          // limits.max_topic_length (PUBLISH topic or SUBSCRIBE filter)
  TopicLevels,          // limits.max_topic_levels
  Subscriptions,        // limits.max_subscriptions_per_client
  PublishRate,          // limits.max_publish_rate
  PublishBytesRate,     // limits.max_publish_bytes_rate
};
inline constexpr size_t kLimitCount = static_cast<size_t>(Limit::PublishBytesRate) + 1;

struct ShardCounters {
  uint64_t connections_accepted = 0;  // sockets opened on (or moved to) this shard's loop
  uint64_t connects_accepted = 0;     // CONNECTs answered with success
  uint64_t packets_received = 0;      // MQTT control packets of every type
  uint64_t packets_sent = 0;
  uint64_t bytes_received = 0;        // whole packets, as framed on the wire
  uint64_t bytes_sent = 0;
  std::array<uint64_t, 3> publish_received{};  // PUBLISH packets from clients, by QoS
  std::array<uint64_t, 3> publish_sent{};      // PUBLISH packets to clients, by QoS (resends included)
  uint64_t publish_bytes_received = 0;         // application payload bytes of those PUBLISHes
  uint64_t publish_bytes_sent = 0;
  // CONNECTs refused by authentication: wrong credentials (password or token), an address over its
  // failed-login limit, no credentials where anonymous clients are not allowed.
  uint64_t auth_bad_credentials = 0;
  uint64_t auth_rate_limited = 0;
  uint64_t auth_anonymous_refused = 0;
  std::array<uint64_t, kLimitCount> limits_exceeded{};
  // QoS 1/2 messages of persistent sessions kept on disk past the queue budgets, and read back.
  uint64_t messages_spilled = 0;
  uint64_t spilled_read = 0;

  void count(Limit limit) { ++limits_exceeded[static_cast<size_t>(limit)]; }
  uint64_t exceeded(Limit limit) const { return limits_exceeded[static_cast<size_t>(limit)]; }
};

class ConnectedClients {
 public:
  // A CONNECT was accepted.
  void add() {
    const int64_t now = connected_.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t max = maximum_.load(std::memory_order_relaxed);
    while (now > max && !maximum_.compare_exchange_weak(max, now, std::memory_order_relaxed)) {
    }
  }
  // A connected client's socket closed.
  void remove() { connected_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t connected() const { return connected_.load(std::memory_order_relaxed); }
  int64_t maximum() const { return maximum_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> connected_{0};
  std::atomic<int64_t> maximum_{0};
};

}  // namespace pregon::broker
