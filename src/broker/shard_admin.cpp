#include "broker/shard_admin.hpp"

#include <algorithm>

#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"

namespace pregon::broker {

ShardStats shard_stats(Shard& shard) {
  ShardImpl& impl = shard.impl();
  ShardStats stats;
  stats.counters = impl.counters;
  stats.drops = impl.drops;
  stats.clients_connected = impl.attached.size();
  stats.sessions = impl.sessions->size();
  impl.sessions->for_each([&](Session& s) {
    if (s.expiry_interval > 0) ++stats.persistent_sessions;
    stats.subscriptions += s.subscriptions.size();
    stats.queued_messages += s.queue().size();
    stats.inflight_messages += s.inflight().size();
  });
  stats.offline_sessions = stats.sessions - std::min<uint64_t>(stats.sessions, stats.clients_connected);
  return stats;
}

std::vector<ClientInfo> connected_clients(Shard& shard, std::string_view only_id, TimePoint now,
                                          std::chrono::system_clock::time_point wall_now) {
  std::vector<ClientInfo> out;
  for (const auto& [session_id, c] : shard.impl().attached) {
    if (c->state != Client::State::Connected) continue;  // being closed: no longer listed
    const Session& s = *c->session;
    if (!only_id.empty() && s.client_id() != only_id) continue;
    ClientInfo info;
    info.client_id = s.client_id();
    if (s.username) info.username = *s.username;
    info.peer = c->link.peer();
    info.protocol_level = static_cast<uint8_t>(c->version);
    info.keep_alive = c->keep_alive;
    const auto since = wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(now - c->opened_at);
    info.connected_since_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();
    info.session_expiry_interval = s.expiry_interval;
    info.subscriptions = s.subscriptions.size();
    info.queued_messages = s.queue().size();
    info.inflight_messages = s.inflight().size();
    out.push_back(std::move(info));
  }
  return out;
}

bool disconnect_client(Shard& shard, std::string_view client_id) {
  ShardImpl& impl = shard.impl();
  for (const auto& [session_id, c] : impl.attached) {
    if (c->session->client_id() != client_id || c->state != Client::State::Connected) continue;
    // Said in the DISCONNECT too: clients log it, and some (paho 1.6) read the reason code only
    // when properties follow it.
    impl.close_client(*c, protocol::ReasonCode::AdministrativeAction, "disconnected by an administrator", true);
    return true;
  }
  return false;
}

std::vector<SubscriptionInfo> session_subscriptions(Shard& shard, size_t limit) {
  ShardImpl& impl = shard.impl();
  std::vector<SubscriptionInfo> out;
  impl.sessions->for_each([&](Session& s) {
    const bool online = impl.attached.contains(s.id());
    for (const auto& [filter, sub] : s.subscriptions) {
      if (out.size() >= limit) return;
      out.push_back({s.client_id(), filter, static_cast<uint8_t>(sub.options.max_qos), online});
    }
  });
  return out;
}

bool publish_from_broker(Shard& shard, std::string_view topic, std::span<const uint8_t> payload, protocol::QoS qos,
                         bool retain, TimePoint now) {
  ShardImpl& impl = shard.impl();
  MessagePtr m = session::Message::make(std::string(topic), std::vector<uint8_t>(payload.begin(), payload.end()),
                                        qos, retain, {}, {}, 0, now);
  if (retain && !impl.keep_retained(m)) return false;
  impl.publish(m, now);
  return true;
}

std::vector<RetainedInfo> retained_messages(BrokerState& state, std::string_view after, size_t limit) {
  std::vector<RetainedInfo> all;
  {
    RetainedImpl& r = state.retained();
    std::lock_guard lock(r.mutex);
    all.reserve(r.store.size());
    r.store.for_each([&](std::string_view topic, const MessagePtr& m) {
      if (topic > after || after.empty()) {
        all.push_back({std::string(topic), m->payload().size(), static_cast<uint8_t>(m->qos())});
      }
    });
  }
  const size_t n = std::min(limit, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n), all.end(),
                    [](const RetainedInfo& a, const RetainedInfo& b) { return a.topic < b.topic; });
  all.resize(n);
  return all;
}

uint64_t retained_count(BrokerState& state) {
  RetainedImpl& r = state.retained();
  std::lock_guard lock(r.mutex);
  return r.store.size();
}

uint64_t retained_bytes(BrokerState& state) {
  RetainedImpl& r = state.retained();
  std::lock_guard lock(r.mutex);
  return r.bytes;
}

}  // namespace pregon::broker
