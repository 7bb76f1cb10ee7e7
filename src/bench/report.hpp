// The final numbers of a run and their two renderings: a text table for people and one JSON object
// for scripts (`make bench`). Pure: formatting only.
#pragma once

#include <cstdint>
#include <string>

#include "bench/latency_histogram.hpp"

namespace pregon::bench {

struct BenchReport {
  std::string scenario;
  std::string transport = "tcp";  // tcp, tls, ws or wss
  int protocol = 311;  // 311 or 5
  int qos = 0;
  uint32_t size = 0;
  uint32_t clients = 0;
  uint32_t threads = 1;
  double duration_s = 0;      // measurement window
  uint64_t sent = 0;          // whole run
  uint64_t received = 0;      // whole run, duplicates included
  uint64_t expected = 0;      // deliveries that should arrive: sum of sent x live subscribers
  double throughput = 0;      // received messages/s within the measurement window
  double publish_rate = 0;    // sent messages/s within the measurement window
  uint64_t loss = 0;          // expected - distinct received
  uint64_t duplicates = 0;
  uint64_t reordered = 0;
  uint64_t errors = 0;
  // --persistent: subscribers kept sessions; `stale` deliveries were stamped before the run began.
  bool persistent = false;
  uint64_t stale = 0;
  // conn only
  bool conn = false;
  uint32_t connected = 0;
  uint32_t failed = 0;
  double connect_rate = 0;       // achieved connections/s
  double time_to_connect_s = 0;  // from the first connect to the last CONNACK
  double hold_s = 0;
  // Latency in microseconds: end-to-end for pub/sub, CONNECT to CONNACK for conn.
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  uint64_t latency_samples = 0;
};

// Fills the latency fields from a histogram of nanoseconds.
void set_latency(BenchReport& r, const LatencyHistogram& h);

std::string format_json(const BenchReport& r);
std::string format_text(const BenchReport& r);

}  // namespace pregon::bench
