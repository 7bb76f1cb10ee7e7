// The broker's metrics: one Snapshot summed over every shard, and one table that names each value
// once for all three ways it is shown — Prometheus (/metrics), $SYS topics and JSON
// (/api/v1/stats). Adding a metric is adding a row.
//
// Thread-safety: plain values and a constant table; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/counters.hpp"
#include "broker/shard_admin.hpp"
#include "storage/durable_store.hpp"

namespace pregon::observability {

struct Snapshot {
  std::string version;
  uint64_t uptime_seconds = 0;
  uint64_t clients_connected = 0;
  uint64_t clients_maximum = 0;
  uint64_t connections_accepted = 0;
  uint64_t connects_accepted = 0;
  uint64_t sessions = 0;
  uint64_t persistent_sessions = 0;
  uint64_t offline_sessions = 0;
  uint64_t subscriptions = 0;
  uint64_t queued_messages = 0;
  uint64_t spilled_messages = 0;
  uint64_t messages_spilled = 0;
  uint64_t spilled_read = 0;
  uint64_t inflight_messages = 0;
  uint64_t retained_messages = 0;
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  std::array<uint64_t, 3> publish_received{};
  std::array<uint64_t, 3> publish_sent{};
  uint64_t publish_bytes_received = 0;
  uint64_t publish_bytes_sent = 0;
  broker::Drops drops;
  uint64_t retained_bytes = 0;
  uint64_t auth_bad_credentials = 0;
  uint64_t auth_rate_limited = 0;
  uint64_t auth_anonymous_refused = 0;
  std::array<uint64_t, broker::kLimitCount> limits_exceeded{};
  storage::StoreCounters store;          // all zero when persistence is off
  uint64_t process_cpu_us = 0;           // user + system CPU time of the whole process
  uint64_t process_resident_bytes = 0;
  std::vector<uint64_t> loop_lag_us;     // per event loop, in shard order
};

// What a Snapshot holds besides the shards' readings.
struct BrokerWide {
  std::string version;
  uint64_t uptime_seconds = 0;
  uint64_t clients_maximum = 0;
  uint64_t retained_messages = 0;
  uint64_t retained_bytes = 0;
  storage::StoreCounters store;
  uint64_t process_cpu_us = 0;
  uint64_t process_resident_bytes = 0;
};

// Sums the shards' readings. The maximum is never below the connected count summed here (the two
// are read at slightly different moments).
Snapshot aggregate(std::span<const broker::ShardStats> shards, BrokerWide wide);

enum class MetricKind { Counter, Gauge };

// Where a metric is shown.
enum MetricOutput : unsigned { kPrometheus = 1, kSys = 2, kJson = 4 };

// How a value is shown: as the integer it is, or (kMicro) an integer count of millionths shown in
// whole units, for seconds measured in microseconds.
enum class MetricScale { kUnit, kMicro };

struct Metric {
  std::string_view name;  // Prometheus: "pregon_" + name (+ "_total" for a counter); JSON key
  MetricKind kind;
  unsigned outputs;       // MetricOutput bits
  std::string_view help;
  std::string_view label_name;   // a labelled row is one series of `name`; JSON: name_by_<label>
  std::string_view label_value;
  std::string_view sys_topic;    // "$SYS/broker/..." when outputs has kSys
  uint64_t (*value)(const Snapshot&);
  MetricScale scale = MetricScale::kUnit;
  // Set: one series per event loop, labelled loop="<index>", from this Snapshot member (JSON: an
  // array); `value` is not used.
  std::vector<uint64_t> Snapshot::*per_loop = nullptr;
};

std::span<const Metric> metric_table();

// A per-QoS counter's total.
uint64_t sum_over_qos(const std::array<uint64_t, 3>& by_qos);

// A value as Prometheus text and $SYS payloads show it: "12", or "0.0025" for a kMicro metric.
std::string format_metric_value(const Metric& m, uint64_t raw);
// The same as a JSON number.
nlohmann::json metric_json_value(const Metric& m, uint64_t raw);

}  // namespace pregon::observability
