#include "observability/sys_topics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace pregon::observability {

namespace {

struct LoadSource {
  std::string_view topic;  // under $SYS/broker/load/
  uint64_t (*value)(const Snapshot&);
};

constexpr LoadSource kLoadSources[] = {
    {"messages/received", [](const Snapshot& s) { return s.packets_received; }},
    {"messages/sent", [](const Snapshot& s) { return s.packets_sent; }},
    {"publish/received", [](const Snapshot& s) { return sum_over_qos(s.publish_received); }},
    {"publish/sent", [](const Snapshot& s) { return sum_over_qos(s.publish_sent); }},
    {"publish/dropped", [](const Snapshot& s) { return s.drops.total(); }},
    {"bytes/received", [](const Snapshot& s) { return s.bytes_received; }},
    {"bytes/sent", [](const Snapshot& s) { return s.bytes_sent; }},
    {"sockets", [](const Snapshot& s) { return s.connections_accepted; }},
    {"connections", [](const Snapshot& s) { return s.connects_accepted; }},
};

constexpr double kWindowSeconds[3] = {60, 300, 900};
constexpr std::string_view kWindowNames[3] = {"1min", "5min", "15min"};

}  // namespace

void LoadAverages::update(const Snapshot& s, double elapsed_seconds) {
  static_assert(std::size(kLoadSources) == kSeries);
  for (size_t i = 0; i < kSeries; ++i) {
    Series& series = series_[i];
    const uint64_t now = kLoadSources[i].value(s);
    if (started_ && elapsed_seconds > 0) {
      const double per_minute = static_cast<double>(now - std::min(now, series.previous)) * 60.0 / elapsed_seconds;
      for (size_t w = 0; w < 3; ++w) {
        const double keep = std::exp(-elapsed_seconds / kWindowSeconds[w]);
        series.average[w] = keep * series.average[w] + (1.0 - keep) * per_minute;
      }
    }
    series.previous = now;
  }
  ready_ = started_;
  started_ = true;
}

std::vector<SysMessage> LoadAverages::messages() const {
  std::vector<SysMessage> out;
  if (!ready_) return out;
  for (size_t i = 0; i < kSeries; ++i) {
    for (size_t w = 0; w < 3; ++w) {
      out.push_back({fmt::format("$SYS/broker/load/{}/{}", kLoadSources[i].topic, kWindowNames[w]),
                     fmt::format("{:.2f}", series_[i].average[w])});
    }
  }
  return out;
}

std::vector<SysMessage> sys_messages(const Snapshot& snapshot) {
  std::vector<SysMessage> out;
  out.push_back({"$SYS/broker/version", "pregon " + snapshot.version});
  out.push_back({"$SYS/broker/uptime", fmt::format("{} seconds", snapshot.uptime_seconds)});
  for (const Metric& m : metric_table()) {
    if ((m.outputs & kSys) != 0) out.push_back({std::string(m.sys_topic), format_metric_value(m, m.value(snapshot))});
  }
  return out;
}

}  // namespace pregon::observability
