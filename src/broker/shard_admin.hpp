// What other threads may ask of a shard: its counters and sizes, its connected clients and their
// subscriptions, an administrative disconnect, and messages the broker itself publishes ($SYS
// topics, the HTTP API). Each function taking a Shard runs on that shard's thread, inside a task
// posted with ShardRouter::post; the answers are plain values that may cross threads.
//
// Thread-safety: functions taking a Shard& only on its thread; those taking a BrokerState& on any
// thread (they lock the retained store).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/counters.hpp"
#include "broker/shard.hpp"
#include "protocol/version.hpp"

namespace pregon::broker {

class BrokerState;

struct ShardStats {
  ShardCounters counters;
  Drops drops;
  uint64_t clients_connected = 0;    // past CONNECT, on this shard
  uint64_t sessions = 0;             // connected or not
  uint64_t persistent_sessions = 0;  // Session Expiry Interval above 0 (3.1.1: clean session off)
  uint64_t offline_sessions = 0;     // kept with no connection
  uint64_t subscriptions = 0;        // filters held by sessions, shared ones included
  uint64_t queued_messages = 0;      // QoS 1/2 waiting for room in an in-flight window
  uint64_t inflight_messages = 0;    // QoS 1/2 sent and not yet acknowledged
  // Set by whoever asked: how long the request waited in the loop's queue before it ran, a
  // measure of how busy the loop is.
  std::chrono::microseconds loop_lag{0};
};

// Walks the shard's sessions once: cost grows with their number, paid per reading, not per message.
ShardStats shard_stats(Shard& shard);

struct ClientInfo {
  std::string client_id;
  std::string username;  // empty for anonymous clients
  std::string peer;      // "address:port"
  uint8_t protocol_level = 0;  // 3 (3.1), 4 (3.1.1), 5 (5.0)
  uint16_t keep_alive = 0;     // seconds, as granted
  int64_t connected_since_ms = 0;  // Unix time in milliseconds
  uint32_t session_expiry_interval = 0;
  uint64_t subscriptions = 0;
  uint64_t queued_messages = 0;
  uint64_t inflight_messages = 0;
};

// The shard's clients past CONNECT; with `only_id` non-empty, at most the one with that client id.
// `now` and `wall_now` are the same instant on the steady and the system clock, to turn connection
// times into Unix times.
std::vector<ClientInfo> connected_clients(Shard& shard, std::string_view only_id, TimePoint now,
                                          std::chrono::system_clock::time_point wall_now);

// Closes the connection of `client_id` if it is on this shard: a 5.0 client gets DISCONNECT 0x98
// (Administrative action), and its will is published as for any unrequested close. False when the
// client is not connected here.
bool disconnect_client(Shard& shard, std::string_view client_id);

struct SubscriptionInfo {
  std::string client_id;
  std::string filter;  // as subscribed, "$share/group/filter" for shared subscriptions
  uint8_t qos = 0;
  bool online = false;
};

// The subscriptions of every session on the shard, connected or not, at most `limit` of them.
std::vector<SubscriptionInfo> session_subscriptions(Shard& shard, size_t limit);

// Publishes a message from the broker itself, as if a client had sent it, to every matching
// subscriber on every shard. A retained one replaces its topic's retained message ($SYS topics: in
// memory only, outside the retained budgets). False when the retained budget has no room for it:
// nothing was published.
bool publish_from_broker(Shard& shard, std::string_view topic, std::span<const uint8_t> payload, protocol::QoS qos,
                         bool retain, TimePoint now);

struct RetainedInfo {
  std::string topic;
  uint64_t payload_bytes = 0;
  uint8_t qos = 0;
};

// Retained messages in topic order, starting after `after` (empty: from the first), at most `limit`.
std::vector<RetainedInfo> retained_messages(BrokerState& state, std::string_view after, size_t limit);
uint64_t retained_count(BrokerState& state);
// What retained messages occupy, as limits.max_retained_bytes counts it.
uint64_t retained_bytes(BrokerState& state);

}  // namespace pregon::broker
