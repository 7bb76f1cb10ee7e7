#include "bench/report.hpp"

#include <fmt/format.h>

namespace pregon::bench {

void set_latency(BenchReport& r, const LatencyHistogram& h) {
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  r.p50_us = us(h.quantile(0.50));
  r.p90_us = us(h.quantile(0.90));
  r.p99_us = us(h.quantile(0.99));
  r.p999_us = us(h.quantile(0.999));
  r.max_us = us(h.max());
  r.latency_samples = h.count();
}

std::string format_json(const BenchReport& r) {
  // Scenario names and numbers only: nothing here needs JSON string escaping.
  std::string s = fmt::format(
      "{{\"scenario\":\"{}\",\"transport\":\"{}\",\"protocol\":{},\"qos\":{},\"size\":{},\"clients\":{},\"threads\":{},"
      "\"duration_s\":{:.3f},\"sent\":{},\"received\":{},\"expected\":{},\"throughput\":{:.1f},"
      "\"publish_rate\":{:.1f},\"latency_us\":{{\"p50\":{:.1f},\"p90\":{:.1f},\"p99\":{:.1f},"
      "\"p999\":{:.1f},\"max\":{:.1f},\"samples\":{}}},\"loss\":{},\"duplicates\":{},\"reordered\":{},"
      "\"errors\":{}",
      r.scenario, r.transport, r.protocol, r.qos, r.size, r.clients, r.threads, r.duration_s, r.sent, r.received,
      r.expected, r.throughput, r.publish_rate, r.p50_us, r.p90_us, r.p99_us, r.p999_us, r.max_us, r.latency_samples,
      r.loss, r.duplicates, r.reordered, r.errors);
  if (r.persistent) s += fmt::format(",\"persistent\":true,\"stale\":{}", r.stale);
  if (r.conn) {
    s += fmt::format(",\"connected\":{},\"failed\":{},\"connect_rate\":{:.1f},\"time_to_connect_s\":{:.3f},"
                     "\"hold_s\":{:.3f}",
                     r.connected, r.failed, r.connect_rate, r.time_to_connect_s, r.hold_s);
  }
  return s + "}\n";
}

std::string format_text(const BenchReport& r) {
  std::string s = fmt::format("scenario      {}  (MQTT {} over {}, QoS {}, {} B payload, {} clients, {} thread{})\n",
                              r.scenario, r.protocol == 5 ? "5.0" : "3.1.1", r.transport, r.qos, r.size, r.clients,
                              r.threads, r.threads == 1 ? "" : "s");
  if (r.conn) {
    s += fmt::format("connected     {}   failed {}\n", r.connected, r.failed);
    s += fmt::format("connect rate  {:.0f}/s   time to connect {:.3f} s   held {:.1f} s\n", r.connect_rate,
                     r.time_to_connect_s, r.hold_s);
    s += fmt::format("connack (us)  p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}\n", r.p50_us,
                     r.p90_us, r.p99_us, r.p999_us, r.max_us);
  } else {
    s += fmt::format("measured      {:.3f} s\n", r.duration_s);
    s += fmt::format("publish rate  {:.0f} msg/s\n", r.publish_rate);
    s += fmt::format("throughput    {:.0f} msg/s received\n", r.throughput);
    s += fmt::format("messages      sent {}  expected {}  received {}\n", r.sent, r.expected, r.received);
    s += fmt::format("latency (us)  p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}  ({} samples)\n",
                     r.p50_us, r.p90_us, r.p99_us, r.p999_us, r.max_us, r.latency_samples);
    s += fmt::format("loss {}  duplicates {}  reordered {}\n", r.loss, r.duplicates, r.reordered);
    if (r.persistent) s += fmt::format("persistent    subscriber sessions kept; {} stale deliveries ignored\n", r.stale);
  }
  s += fmt::format("errors        {}\n", r.errors);
  return s;
}

}  // namespace pregon::bench
