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

}  // namespace pregon::observability
