#include "config/reload_plan.hpp"

#include <algorithm>
#include <unordered_map>

namespace pregon::config {

std::vector<SettingChange> diff_settings(const Config& before, const Config& after) {
  const std::vector<Setting> old_settings = list_settings(before);
  const std::vector<Setting> new_settings = list_settings(after);
  std::unordered_map<std::string_view, std::string_view> old_values;
  for (const Setting& s : old_settings) old_values.emplace(s.key, s.value);
  std::vector<SettingChange> changes;
  for (const Setting& s : new_settings) {
    const auto it = old_values.find(s.key);
    if (it == old_values.end()) {
      changes.push_back({s.key, "unset", s.value});
    } else {
      if (it->second != s.value) changes.push_back({s.key, std::string(it->second), s.value});
      old_values.erase(it);
    }
  }
  // What is left was removed (a [[listeners]] entry); listed in the old order.
  for (const Setting& s : old_settings) {
    if (old_values.contains(s.key)) changes.push_back({s.key, s.value, "unset"});
  }
  return changes;
}

Config take_live_settings(const Config& running, const Config& loaded) {
  Config next = running;
  next.log_level = loaded.log_level;
  next.log_format = loaded.log_format;
  next.auth = loaded.auth;  // the files and the JWT key are read again on every reload anyway
  // Limits that are checked when something happens (a packet arrives, a message is queued, a client
  // connects) and were never promised to a connected client. receive_maximum, topic_alias_maximum,
  // retain_available and maximum_qos are told to 5.0 clients in CONNACK, so they stay.
  Limits& l = next.limits;
  const Limits& n = loaded.limits;
  l.connect_timeout_ms = n.connect_timeout_ms;
  l.max_packet_size = n.max_packet_size;
  l.max_inflight_messages = n.max_inflight_messages;
  l.max_queued_messages = n.max_queued_messages;
  l.max_queued_bytes = n.max_queued_bytes;
  l.max_total_queued_bytes = n.max_total_queued_bytes;
  l.queue_overflow = n.queue_overflow;
  l.max_spilled_messages = n.max_spilled_messages;
  l.max_retained_messages = n.max_retained_messages;
  l.max_retained_bytes = n.max_retained_bytes;
  l.max_keep_alive = n.max_keep_alive;
  l.max_session_expiry_interval = n.max_session_expiry_interval;
  l.output_buffer_bytes = n.output_buffer_bytes;
  l.max_connections = n.max_connections;
  l.max_client_id_length = n.max_client_id_length;
  l.max_topic_length = n.max_topic_length;
  l.max_topic_levels = n.max_topic_levels;
  l.max_subscriptions_per_client = n.max_subscriptions_per_client;
  l.max_publish_rate = n.max_publish_rate;
  l.max_publish_bytes_rate = n.max_publish_bytes_rate;
  l.max_accept_rate = n.max_accept_rate;
  return next;
}

ReloadPlan plan_reload(const Config& running, const Config& loaded) {
  ReloadPlan plan;
  plan.next = take_live_settings(running, loaded);
  plan.applied = diff_settings(running, plan.next);
  for (SettingChange& change : diff_settings(running, loaded)) {
    const bool applied = std::any_of(plan.applied.begin(), plan.applied.end(),
                                     [&](const SettingChange& a) { return a.key == change.key; });
    if (!applied) plan.need_restart.push_back(std::move(change));
  }
  return plan;
}

}  // namespace pregon::config
