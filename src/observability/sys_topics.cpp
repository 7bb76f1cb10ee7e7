#include "observability/sys_topics.hpp"

#include <fmt/format.h>

namespace pregon::observability {

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
