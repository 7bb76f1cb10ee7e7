#include "observability/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pregon::observability {

Snapshot aggregate(std::span<const broker::ShardStats> shards, BrokerWide wide) {
  Snapshot s;
  s.version = std::move(wide.version);
  s.uptime_seconds = wide.uptime_seconds;
  s.retained_messages = wide.retained_messages;
  s.retained_bytes = wide.retained_bytes;
  s.store = wide.store;
  s.process_cpu_us = wide.process_cpu_us;
  s.process_resident_bytes = wide.process_resident_bytes;
  for (const broker::ShardStats& shard : shards) {
    const broker::ShardCounters& c = shard.counters;
    s.clients_connected += shard.clients_connected;
    s.connections_accepted += c.connections_accepted;
    s.connects_accepted += c.connects_accepted;
    s.sessions += shard.sessions;
    s.persistent_sessions += shard.persistent_sessions;
    s.offline_sessions += shard.offline_sessions;
    s.subscriptions += shard.subscriptions;
    s.queued_messages += shard.queued_messages;
    s.spilled_messages += shard.spilled_messages;
    s.messages_spilled += c.messages_spilled;
    s.spilled_read += c.spilled_read;
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
    s.auth_bad_credentials += c.auth_bad_credentials;
    s.auth_rate_limited += c.auth_rate_limited;
    s.auth_anonymous_refused += c.auth_anonymous_refused;
    for (size_t i = 0; i < broker::kLimitCount; ++i) s.limits_exceeded[i] += c.limits_exceeded[i];
    s.loop_lag_us.push_back(static_cast<uint64_t>(shard.loop_lag.count()));
  }
  s.clients_maximum = std::max(wide.clients_maximum, s.clients_connected);
  return s;
}

namespace {

using enum MetricKind;
constexpr unsigned kAll = kPrometheus | kSys | kJson;

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
    {"connects_accepted", Counter, kPrometheus | kJson, "CONNECTs accepted: sessions started or resumed.", {}, {}, {},
     [](const Snapshot& s) { return s.connects_accepted; }},
    {"packets_received", Counter, kAll, "MQTT packets of every type received.", {}, {},
     "$SYS/broker/messages/received", [](const Snapshot& s) { return s.packets_received; }},
    {"packets_sent", Counter, kAll, "MQTT packets of every type sent.", {}, {}, "$SYS/broker/messages/sent",
     [](const Snapshot& s) { return s.packets_sent; }},
    {"bytes_received", Counter, kAll, "Bytes of MQTT packets received.", {}, {}, "$SYS/broker/bytes/received",
     [](const Snapshot& s) { return s.bytes_received; }},
    {"bytes_sent", Counter, kAll, "Bytes of MQTT packets sent.", {}, {}, "$SYS/broker/bytes/sent",
     [](const Snapshot& s) { return s.bytes_sent; }},
    {"publish_messages_received", Counter, kSys | kJson, {}, {}, {}, "$SYS/broker/publish/messages/received",
     [](const Snapshot& s) { return sum_over_qos(s.publish_received); }},
    {"publish_messages_received", Counter, kPrometheus | kJson, "PUBLISH packets received from clients.", "qos",
     "0", {}, [](const Snapshot& s) { return s.publish_received[0]; }},
    {"publish_messages_received", Counter, kPrometheus | kJson, {}, "qos", "1", {},
     [](const Snapshot& s) { return s.publish_received[1]; }},
    {"publish_messages_received", Counter, kPrometheus | kJson, {}, "qos", "2", {},
     [](const Snapshot& s) { return s.publish_received[2]; }},
    {"publish_messages_sent", Counter, kSys | kJson, {}, {}, {}, "$SYS/broker/publish/messages/sent",
     [](const Snapshot& s) { return sum_over_qos(s.publish_sent); }},
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
    {"spilled_messages", Gauge, kPrometheus | kJson,
     "Of the queued messages, those kept on disk only, past the queue budgets (limits.max_spilled_messages).", {},
     {}, {}, [](const Snapshot& s) { return s.spilled_messages; }},
    {"messages_spilled", Counter, kPrometheus | kJson,
     "QoS 1/2 messages of persistent sessions written to disk instead of the queue, past its budgets.", {}, {}, {},
     [](const Snapshot& s) { return s.messages_spilled; }},
    {"spilled_messages_read", Counter, kPrometheus | kJson,
     "Spilled messages read back into their queues.", {}, {}, {}, [](const Snapshot& s) { return s.spilled_read; }},
    {"inflight_messages", Gauge, kPrometheus | kJson, "QoS 1/2 messages sent and not yet acknowledged.", {}, {},
     {}, [](const Snapshot& s) { return s.inflight_messages; }},
    {"stored_messages", Gauge, kSys, {}, {}, {}, "$SYS/broker/store/messages/count",
     [](const Snapshot& s) { return s.queued_messages + s.inflight_messages; }},
    {"retained_bytes", Gauge, kPrometheus | kJson,
     "Bytes held by retained messages (topic, payload and properties), as limits.max_retained_bytes counts them.",
     {}, {}, {}, [](const Snapshot& s) { return s.retained_bytes; }},
    {"auth_failures", Counter, kPrometheus | kJson, "CONNECTs refused by authentication, by reason.", "reason",
     "bad_credentials", {}, [](const Snapshot& s) { return s.auth_bad_credentials; }},
    {"auth_failures", Counter, kPrometheus | kJson, {}, "reason", "rate_limited", {},
     [](const Snapshot& s) { return s.auth_rate_limited; }},
    {"auth_failures", Counter, kPrometheus | kJson, {}, "reason", "anonymous", {},
     [](const Snapshot& s) { return s.auth_anonymous_refused; }},
    {"limits_exceeded", Counter, kPrometheus | kJson,
     "Times a client ran into a limit, by setting (limits.*; listener_max_connections: a listener's own).", "limit",
     "max_connections", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::Connections)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "listener_max_connections", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::ListenerConnections)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_accept_rate", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::AcceptRate)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "connect_timeout_ms", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::ConnectTimeout)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_keep_alive", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::KeepAlive)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_client_id_length", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::ClientIdLength)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_packet_size", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::PacketSize)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_topic_length", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::TopicLength)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_topic_levels", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::TopicLevels)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_subscriptions_per_client", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::Subscriptions)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_publish_rate", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::PublishRate)]; }},
    {"limits_exceeded", Counter, kPrometheus | kJson, {}, "limit", "max_publish_bytes_rate", {},
     [](const Snapshot& s) { return s.limits_exceeded[static_cast<size_t>(broker::Limit::PublishBytesRate)]; }},
    {"persistence_commits", Counter, kPrometheus | kJson,
     "Batches of changes handed to the durable store (one per loop pass that changed persistent state).", {}, {},
     {}, [](const Snapshot& s) { return s.store.commits; }},
    {"persistence_writes", Counter, kPrometheus | kJson,
     "Writes to the durable store; with sync = batch one write holds many commits.", {}, {}, {},
     [](const Snapshot& s) { return s.store.write_batches; }},
    {"persistence_fsyncs", Counter, kPrometheus | kJson, "Synced writes of the durable store.", {}, {}, {},
     [](const Snapshot& s) { return s.store.fsyncs; }},
    {"persistence_write_failures", Counter, kPrometheus | kJson,
     "Writes of the durable store that failed (their acknowledgements were not sent).", {}, {}, {},
     [](const Snapshot& s) { return s.store.failed_writes; }},
    {"persistence_written_bytes", Counter, kPrometheus | kJson, "Bytes written to the durable store.", {}, {}, {},
     [](const Snapshot& s) { return s.store.bytes_written; }},
    {"persistence_write_seconds", Counter, kPrometheus | kJson,
     "Time spent in durable store writes, fsync included; divided by persistence_writes_total: the mean latency.",
     {}, {}, {}, [](const Snapshot& s) { return static_cast<uint64_t>(s.store.write_latency_total.count()); },
     MetricScale::kMicro},
    {"persistence_last_write_seconds", Gauge, kPrometheus | kJson,
     "Latency of the latest durable store write, fsync included.", {}, {}, {},
     [](const Snapshot& s) { return static_cast<uint64_t>(s.store.last_write_latency.count()); }, MetricScale::kMicro},
    {"process_cpu_seconds", Counter, kPrometheus | kJson, "User and system CPU time of the broker process.", {}, {},
     {}, [](const Snapshot& s) { return s.process_cpu_us; }, MetricScale::kMicro},
    {"process_resident_memory_bytes", Gauge, kPrometheus | kJson, "Resident memory of the broker process.", {}, {},
     {}, [](const Snapshot& s) { return s.process_resident_bytes; }},
    {"event_loop_lag_seconds", Gauge, kPrometheus | kJson,
     "How long a task posted to each event loop waited before it ran, at this reading: near 0 when the loop has "
     "time to spare.",
     "loop", {}, {}, nullptr, MetricScale::kMicro, &Snapshot::loop_lag_us},
};

}  // namespace

std::span<const Metric> metric_table() { return kMetrics; }

uint64_t sum_over_qos(const std::array<uint64_t, 3>& by_qos) { return by_qos[0] + by_qos[1] + by_qos[2]; }

std::string format_metric_value(const Metric& m, uint64_t raw) {
  if (m.scale == MetricScale::kMicro) return fmt::format("{}", static_cast<double>(raw) / 1e6);
  return fmt::format("{}", raw);
}

nlohmann::json metric_json_value(const Metric& m, uint64_t raw) {
  if (m.scale == MetricScale::kMicro) return static_cast<double>(raw) / 1e6;
  return raw;
}

}  // namespace pregon::observability
