// What other threads may ask of a shard: its counters and sizes, its connected clients, sessions and
// their subscriptions (also those matching a topic), an administrative disconnect, and messages the
// broker itself publishes or clears ($SYS topics, the HTTP API). Each function taking a Shard runs on that shard's thread, inside a task
// posted with ShardRouter::post; the answers are plain values that may cross threads.
//
// Thread-safety: functions taking a Shard& only on its thread; those taking a BrokerState& on any
// thread (they lock the retained store).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
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
  uint64_t spilled_messages = 0;     // of those, kept on disk only
  uint64_t inflight_messages = 0;    // QoS 1/2 sent and not yet acknowledged
  // Set by whoever asked: how long the request waited in the loop's queue before it ran, a
  // measure of how busy the loop is.
  std::chrono::microseconds loop_lag{0};
};

// Walks the shard's sessions once: cost grows with their number, paid per reading, not per message.
ShardStats shard_stats(Shard& shard);

// Which clients or sessions a listing asks for, and which page of them. Pages are in client-id
// order (bytes compared), so `after` set to the last id of a page gives the next one.
struct ListFilter {
  std::string client_id;          // non-empty: only this client id
  std::string id_contains;        // non-empty: client ids containing it
  std::string username;           // non-empty: only clients (sessions) with this username
  std::optional<bool> connected;  // sessions: only connected (true) or only offline (false) ones
  std::string after;              // client ids greater than this (empty: from the first)
  size_t limit = std::numeric_limits<size_t>::max();
};

// One page of a listing.
template <class T>
struct Listing {
  std::vector<T> items;  // at most the filter's limit, in client-id order
  uint64_t matched = 0;  // every item passing the filter, on any page
  bool more = false;     // items past this page
};

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

// The shard's clients past CONNECT that pass `filter` (its `connected` is ignored). `now` and
// `wall_now` are the same instant on the steady and the system clock, to turn connection times into
// Unix times.
Listing<ClientInfo> connected_clients(Shard& shard, const ListFilter& filter, TimePoint now,
                                      std::chrono::system_clock::time_point wall_now);

struct SessionInfo {
  std::string client_id;
  std::string username;  // empty for anonymous clients
  bool connected = false;
  uint32_t expiry_interval = 0;  // seconds; 0xFFFFFFFF never expires
  std::optional<int64_t> expires_at_ms;  // offline with a finite expiry: when it ends, Unix ms
  uint64_t subscriptions = 0;
  uint64_t queued_messages = 0;
  uint64_t spilled_messages = 0;  // queued on disk only (Session::spilled)
  uint64_t inflight_messages = 0;
};

// The shard's sessions, connected or not, that pass `filter`.
Listing<SessionInfo> sessions(Shard& shard, const ListFilter& filter, TimePoint now,
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

// A subscription found by subscribers_of, named by where its session lives: a shared group's
// members may live on other shards, which alone know their client ids.
struct MatchedSubscription {
  unsigned shard = 0;
  uint64_t session_id = 0;
  std::string filter;  // as subscribed, "$share/group/filter" for shared subscriptions
  uint8_t qos = 0;
};

// The subscriptions in this shard's tree that match `topic` (precondition: a valid topic name):
// its sessions' ordinary ones and the members of the shared groups it owns. Uses the same matcher
// as routing, so it answers exactly who a PUBLISH to `topic` would be offered to.
std::vector<MatchedSubscription> subscribers_of(Shard& shard, std::string_view topic);

// Names the entries of `matched` whose session lives on this shard (others are skipped).
std::vector<SubscriptionInfo> name_subscribers(Shard& shard, std::span<const MatchedSubscription> matched);

// Publishes a message from the broker itself, as if a client had sent it, to every matching
// subscriber on every shard. A retained one replaces its topic's retained message ($SYS topics: in
// memory only, outside the retained budgets). False when the retained budget has no room for it:
// nothing was published.
bool publish_from_broker(Shard& shard, std::string_view topic, std::span<const uint8_t> payload, protocol::QoS qos,
                         bool retain, TimePoint now);

// Clears the retained message of `topic` as a zero-length retained PUBLISH would (in memory and in
// the store), without delivering anything. False when the topic had none.
bool clear_retained(Shard& shard, std::string_view topic);

struct RetainedInfo {
  std::string topic;
  uint64_t payload_bytes = 0;
  uint8_t qos = 0;
  std::string payload_start;  // the first kRetainedPayloadStart bytes of the payload
};

inline constexpr size_t kRetainedPayloadStart = 256;

// Retained messages in topic order: those matching `filter` (empty: all, '$' topics included),
// starting after `after` (empty: from the first), at most `limit`. Precondition: `filter` empty or
// a valid topic filter.
std::vector<RetainedInfo> retained_messages(BrokerState& state, std::string_view filter, std::string_view after,
                                            size_t limit);
uint64_t retained_count(BrokerState& state);
// What retained messages occupy, as limits.max_retained_bytes counts it.
uint64_t retained_bytes(BrokerState& state);

}  // namespace pregon::broker
