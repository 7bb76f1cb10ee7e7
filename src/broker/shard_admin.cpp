#include "broker/shard_admin.hpp"

#include <algorithm>

#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"

namespace pregon::broker {

namespace {

bool passes(const ListFilter& f, std::string_view client_id, const std::string* username) {
  if (!f.client_id.empty() && client_id != f.client_id) return false;
  if (!f.id_contains.empty() && client_id.find(f.id_contains) == std::string_view::npos) return false;
  return f.username.empty() || (username != nullptr && *username == f.username);
}

// Gathers one page of a listing: counts what passes the filter, keeps what lies past `after`, and
// finish() cuts the `limit` smallest client ids out of it.
template <class T>
class PageCollector {
 public:
  explicit PageCollector(const ListFilter& filter) : filter_(filter) {}

  // Whether an item with this client id (which passed the filter) belongs on the page or after it.
  bool wants(std::string_view client_id) {
    ++out_.matched;
    return filter_.after.empty() || client_id > filter_.after;
  }
  void add(T item) { out_.items.push_back(std::move(item)); }

  Listing<T> finish() {
    auto& items = out_.items;
    const size_t n = std::min(filter_.limit, items.size());
    std::partial_sort(items.begin(), items.begin() + static_cast<ptrdiff_t>(n), items.end(),
                      [](const T& a, const T& b) { return a.client_id < b.client_id; });
    out_.more = items.size() > n;
    items.resize(n);
    return std::move(out_);
  }

 private:
  const ListFilter& filter_;
  Listing<T> out_;
};

int64_t unix_ms(TimePoint t, TimePoint now, std::chrono::system_clock::time_point wall_now) {
  const auto wall = wall_now + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - now);
  return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
}

}  // namespace

ShardStats shard_stats(Shard& shard) {
  ShardImpl& impl = shard.impl();
  ShardStats stats;
  stats.counters = impl.counters;
  stats.drops = impl.drops;
  stats.sessions = impl.sessions->size();
  impl.sessions->for_each([&](Session& s) {
    if (s.connection != nullptr) ++stats.clients_connected;
    if (s.expiry_interval > 0) ++stats.persistent_sessions;
    stats.subscriptions += s.subscriptions.size();
    stats.queued_messages += s.queue().size() + s.spilled;
    stats.spilled_messages += s.spilled;
    stats.inflight_messages += s.inflight().size();
  });
  stats.offline_sessions = stats.sessions - std::min<uint64_t>(stats.sessions, stats.clients_connected);
  return stats;
}

Listing<ClientInfo> connected_clients(Shard& shard, const ListFilter& filter, TimePoint now,
                                      std::chrono::system_clock::time_point wall_now) {
  PageCollector<ClientInfo> page(filter);
  for (const Client* c : shard.impl().clients) {
    // Not yet connected, or being closed: not listed.
    if (c->state != Client::State::Connected || c->session == nullptr) continue;
    const Session& s = *c->session;
    if (!passes(filter, s.client_id(), s.username.get()) || !page.wants(s.client_id())) continue;
    ClientInfo info;
    info.client_id = s.client_id();
    if (s.username) info.username = *s.username;
    info.peer = c->link.peer();
    info.protocol_level = static_cast<uint8_t>(c->version);
    info.keep_alive = c->keep_alive;
    info.connected_since_ms = unix_ms(c->opened_at, now, wall_now);
    info.session_expiry_interval = s.expiry_interval;
    info.subscriptions = s.subscriptions.size();
    info.queued_messages = s.queue().size();
    info.inflight_messages = s.inflight().size();
    page.add(std::move(info));
  }
  return page.finish();
}

Listing<SessionInfo> sessions(Shard& shard, const ListFilter& filter, TimePoint now,
                              std::chrono::system_clock::time_point wall_now) {
  ShardImpl& impl = shard.impl();
  PageCollector<SessionInfo> page(filter);
  impl.sessions->for_each([&](Session& s) {
    const bool connected = s.connection != nullptr;
    if (filter.connected && *filter.connected != connected) return;
    if (!passes(filter, s.client_id(), s.username.get()) || !page.wants(s.client_id())) return;
    SessionInfo info;
    info.client_id = s.client_id();
    if (s.username) info.username = *s.username;
    info.connected = connected;
    info.expiry_interval = s.expiry_interval;
    if (const auto deadline = impl.expiring.find(s.id()); !connected && deadline != impl.expiring.end()) {
      info.expires_at_ms = unix_ms(deadline->second, now, wall_now);
    }
    info.subscriptions = s.subscriptions.size();
    info.queued_messages = s.queue().size() + s.spilled;
    info.spilled_messages = s.spilled;
    info.inflight_messages = s.inflight().size();
    page.add(std::move(info));
  });
  return page.finish();
}

bool disconnect_client(Shard& shard, std::string_view client_id) {
  ShardImpl& impl = shard.impl();
  const Session* s = impl.sessions->find(client_id);
  Client* c = s == nullptr ? nullptr : attached_client(*s);
  if (c == nullptr || c->state != Client::State::Connected) return false;
  // Said in the DISCONNECT too: clients log it, and some (paho 1.6) read the reason code only
  // when properties follow it.
  impl.close_client(*c, protocol::ReasonCode::AdministrativeAction, "disconnected by an administrator", true);
  return true;
}

std::vector<SubscriptionInfo> session_subscriptions(Shard& shard, size_t limit) {
  ShardImpl& impl = shard.impl();
  std::vector<SubscriptionInfo> out;
  impl.sessions->for_each([&](Session& s) {
    const bool online = s.connection != nullptr;
    for (const auto& [filter, sub] : s.subscriptions) {
      if (out.size() >= limit) return;
      out.push_back({s.client_id(), filter, static_cast<uint8_t>(sub.options.max_qos), online});
    }
  });
  return out;
}

std::vector<MatchedSubscription> subscribers_of(Shard& shard, std::string_view topic) {
  std::vector<MatchedSubscription> out;
  shard.impl().tree.for_each_match(topic, [&](std::string_view filter, const SessionRef& who,
                                              const session::Subscription& sub) {
    out.push_back({who.shard, who.session_id, std::string(filter), static_cast<uint8_t>(sub.options.max_qos)});
  });
  return out;
}

std::vector<SubscriptionInfo> name_subscribers(Shard& shard, std::span<const MatchedSubscription> matched) {
  ShardImpl& impl = shard.impl();
  std::vector<SubscriptionInfo> out;
  for (const auto& m : matched) {
    if (m.shard != impl.index) continue;
    const Session* s = impl.find_session(m.session_id);
    if (s == nullptr) continue;
    out.push_back({s->client_id(), m.filter, m.qos, s->connection != nullptr});
  }
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

bool clear_retained(Shard& shard, std::string_view topic) {
  ShardImpl& impl = shard.impl();
  {
    RetainedImpl& r = impl.state.retained();
    std::lock_guard lock(r.mutex);
    if (r.store.find(topic) == nullptr) return false;
  }
  // An empty retained message is what clears a topic [MQTT-3.3.1-10/11]; keep_retained also erases
  // it from the store.
  impl.keep_retained(session::Message::make(std::string(topic), {}, protocol::QoS::AtMostOnce, true));
  return true;
}

std::vector<RetainedInfo> retained_messages(BrokerState& state, std::string_view filter, std::string_view after,
                                            size_t limit) {
  // A page is a walk of the store in topic order from `after`, stopped at `limit`: the cost is
  // the page, not the number of retained topics.
  std::vector<RetainedInfo> page;
  if (limit == 0) return page;
  RetainedImpl& r = state.retained();
  std::lock_guard lock(r.mutex);
  const auto take = [&](std::string_view topic, const MessagePtr& m) {
    const auto payload = m->payload();
    const auto start = payload.first(std::min(payload.size(), kRetainedPayloadStart));
    page.push_back({std::string(topic), payload.size(), static_cast<uint8_t>(m->qos()),
                    std::string(start.begin(), start.end())});
    return page.size() < limit;
  };
  if (filter.empty()) {
    r.store.all_after(after, take);
  } else {
    r.store.match_after(filter, after, take);
  }
  return page;
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
