#include "observability/metrics.hpp"

#include <algorithm>

namespace pregon::observability {

Snapshot aggregate(std::span<const broker::ShardStats> shards, BrokerWide wide) {
  Snapshot s;
  s.version = std::move(wide.version);
  s.uptime_seconds = wide.uptime_seconds;
  s.retained_messages = wide.retained_messages;
  for (const broker::ShardStats& shard : shards) {
    const broker::ShardCounters& c = shard.counters;
    s.clients_connected += shard.clients_connected;
    s.connections_accepted += c.connections_accepted;
    s.sessions += shard.sessions;
    s.persistent_sessions += shard.persistent_sessions;
    s.offline_sessions += shard.offline_sessions;
    s.subscriptions += shard.subscriptions;
    s.queued_messages += shard.queued_messages;
    s.inflight_messages += shard.inflight_messages;
    s.packets_received += c.packets_received;
    s.packets_sent += c.packets_sent;
    s.bytes_received += c.bytes_received;
    s.bytes_sent += c.bytes_sent;
    for (size_t q = 0; q < 3; ++q) {
      s.publish_received[q] += c.publish_received[q];
      s.publish_sent[q] += c.publish_sent[q];
    }
    s.publish_bytes_received += c.publish_bytes_received;
    s.publish_bytes_sent += c.publish_bytes_sent;
    const broker::Drops& d = shard.drops;
    s.drops.qos0_slow += d.qos0_slow;
    s.drops.queue_budget += d.queue_budget;
    s.drops.too_large += d.too_large;
    s.drops.retained_budget += d.retained_budget;
    s.drops.refused_quota += d.refused_quota;
    s.drops.expired += d.expired;
  }
  s.clients_maximum = std::max(wide.clients_maximum, s.clients_connected);
  return s;
}

namespace {

using enum MetricKind;
constexpr unsigned kAll = kPrometheus | kSys | kJson;

uint64_t sum(const std::array<uint64_t, 3>& by_qos) { return by_qos[0] + by_qos[1] + by_qos[2]; }

// $SYS names follow mosquitto's where it has one.
constexpr Metric kMetrics[] = {
    {"uptime_seconds", Gauge, kPrometheus | kJson, "Seconds since the broker started.", {}, {}, {},
     [](const Snapshot& s) { return s.uptime_seconds; }},
    {"clients_connected", Gauge, kAll, "Clients connected now (past CONNECT).", {}, {},
     "$SYS/broker/clients/connected", [](const Snapshot& s) { return s.clients_connected; }},
    {"clients_maximum", Gauge, kAll, "Most clients connected at once since start-up.", {}, {},
     "$SYS/broker/clients/maximum", [](const Snapshot& s) { return s.clients_maximum; }},
    {"clients_disconnected", Gauge, kAll, "Sessions kept with no client connected.", {}, {},
     "$SYS/broker/clients/disconnected", [](const Snapshot& s) { return s.offline_sessions; }},
    {"sessions", Gauge, kAll, "Sessions, connected or not.", {}, {}, "$SYS/broker/clients/total",
     [](const Snapshot& s) { return s.sessions; }},
    {"sessions_persistent", Gauge, kPrometheus | kJson, "Sessions with a Session Expiry Interval above 0.", {},
     {}, {}, [](const Snapshot& s) { return s.persistent_sessions; }},
    {"connections_accepted", Counter, kPrometheus | kJson, "Network connections accepted.", {}, {}, {},
     [](const Snapshot& s) { return s.connections_accepted; }},
    {"packets_received", Counter, kAll, "MQTT packets of every type received.", {}, {},
     "$SYS/broker/messages/received", [](const Snapshot& s) { return s.packets_received; }},
    {"packets_sent", Counter, kAll, "MQTT packets of every type sent.", {}, {}, "$SYS/broker/messages/sent",
     [](const Snapshot& s) { return s.packets_sent; }},
    {"bytes_received", Counter, kAll, "Bytes of MQTT packets received.", {}, {}, "$SYS/broker/bytes/received",
     [](const Snapshot& s) { return s.bytes_received; }},
    {"bytes_sent", Counter, kAll, "Bytes of MQTT packets sent.", {}, {}, "$SYS/broker/bytes/sent",
     [](const Snapshot& s) { return s.bytes_sent; }},
    {"publish_messages_received", Counter, kSys | kJson, {}, {}, {}, "$SYS/broker/publish/messages/received",
     [](const Snapshot& s) { return sum(s.publish_received); }},
    {"publish_messages_received", Counter, kPrometheus | kJson, "PUBLISH packets received from clients.", "qos",
     "0", {}, [](const Snapshot& s) { return s.publish_received[0]; }},
    {"publish_messages_received", Counter, kPrometheus | kJson, {}, "qos", "1", {},
     [](const Snapshot& s) { return s.publish_received[1]; }},
    {"publish_messages_received", Counter, kPrometheus | kJson, {}, "qos", "2", {},
     [](const Snapshot& s) { return s.publish_received[2]; }},
    {"publish_messages_sent", Counter, kSys | kJson, {}, {}, {}, "$SYS/broker/publish/messages/sent",
     [](const Snapshot& s) { return sum(s.publish_sent); }},
    {"publish_messages_sent", Counter, kPrometheus | kJson, "PUBLISH packets sent to clients, resends included.",
     "qos", "0", {}, [](const Snapshot& s) { return s.publish_sent[0]; }},
    {"publish_messages_sent", Counter, kPrometheus | kJson, {}, "qos", "1", {},
     [](const Snapshot& s) { return s.publish_sent[1]; }},
    {"publish_messages_sent", Counter, kPrometheus | kJson, {}, "qos", "2", {},
     [](const Snapshot& s) { return s.publish_sent[2]; }},
    {"publish_bytes_received", Counter, kAll, "Payload bytes of PUBLISH packets received.", {}, {},
     "$SYS/broker/publish/bytes/received", [](const Snapshot& s) { return s.publish_bytes_received; }},
    {"publish_bytes_sent", Counter, kAll, "Payload bytes of PUBLISH packets sent.", {}, {},
     "$SYS/broker/publish/bytes/sent", [](const Snapshot& s) { return s.publish_bytes_sent; }},
    {"messages_dropped", Counter, kSys | kJson, {}, {}, {}, "$SYS/broker/publish/messages/dropped",
     [](const Snapshot& s) { return s.drops.total(); }},
    {"messages_dropped", Counter, kPrometheus | kJson, "Messages dropped or refused, by reason.", "reason",
     "qos0_slow", {}, [](const Snapshot& s) { return s.drops.qos0_slow; }},
    {"messages_dropped", Counter, kPrometheus | kJson, {}, "reason", "queue_budget", {},
     [](const Snapshot& s) { return s.drops.queue_budget; }},
    {"messages_dropped", Counter, kPrometheus | kJson, {}, "reason", "too_large", {},
     [](const Snapshot& s) { return s.drops.too_large; }},
    {"messages_dropped", Counter, kPrometheus | kJson, {}, "reason", "retained_budget", {},
     [](const Snapshot& s) { return s.drops.retained_budget; }},
    {"messages_dropped", Counter, kPrometheus | kJson, {}, "reason", "refused_quota", {},
     [](const Snapshot& s) { return s.drops.refused_quota; }},
    {"messages_dropped", Counter, kPrometheus | kJson, {}, "reason", "expired", {},
     [](const Snapshot& s) { return s.drops.expired; }},
    {"subscriptions", Gauge, kAll, "Subscriptions held by sessions, shared ones included.", {}, {},
     "$SYS/broker/subscriptions/count", [](const Snapshot& s) { return s.subscriptions; }},
    {"retained_messages", Gauge, kAll, "Topics with a retained message.", {}, {},
     "$SYS/broker/retained messages/count", [](const Snapshot& s) { return s.retained_messages; }},
    {"queued_messages", Gauge, kPrometheus | kJson, "QoS 1/2 messages queued for sessions.", {}, {}, {},
     [](const Snapshot& s) { return s.queued_messages; }},
    {"inflight_messages", Gauge, kPrometheus | kJson, "QoS 1/2 messages sent and not yet acknowledged.", {}, {},
     {}, [](const Snapshot& s) { return s.inflight_messages; }},
    {"stored_messages", Gauge, kSys, {}, {}, {}, "$SYS/broker/store/messages/count",
     [](const Snapshot& s) { return s.queued_messages + s.inflight_messages; }},
};

}  // namespace

std::span<const Metric> metric_table() { return kMetrics; }

}  // namespace pregon::observability
