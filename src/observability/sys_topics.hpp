// The $SYS topics of a Snapshot: what the broker publishes, retained, every sys_interval seconds.
// Names follow mosquitto's ($SYS/broker/clients/connected, $SYS/broker/uptime "N seconds", ...).
// Clients cannot publish there (publish_in.cpp), and "#" or "+/..." do not match them
// [MQTT-4.7.2-1]: a client must subscribe to "$SYS/#" explicitly.
#pragma once

#include <string>
#include <vector>

#include "observability/metrics.hpp"

namespace pregon::observability {

struct SysMessage {
  std::string topic;
  std::string payload;
};

std::vector<SysMessage> sys_messages(const Snapshot& snapshot);

// mosquitto's $SYS/broker/load/<what>/{1min,5min,15min}: the per-minute rate of a counter,
// averaged exponentially over one, five and fifteen minutes (as load averages are), shown with two
// decimals. Fed one Snapshot per $SYS interval.
class LoadAverages {
 public:
  // Folds in `s`, taken `elapsed_seconds` after the previous one; the first call only records.
  void update(const Snapshot& s, double elapsed_seconds);
  // Nothing before the second update.
  std::vector<SysMessage> messages() const;

 private:
  struct Series {
    uint64_t previous = 0;
    double average[3] = {0, 0, 0};  // 1, 5, 15 minutes
  };
  static constexpr size_t kSeries = 9;
  Series series_[kSeries];
  bool started_ = false;
  bool ready_ = false;
};

}  // namespace pregon::observability
