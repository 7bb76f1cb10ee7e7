// Session life: creation, detaching at close (wills, expiry), ending, and shared messages handed
// back to their groups when a member can no longer take them.
#include "broker/shard_impl.hpp"
#include "broker/stored_records.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

Session* ShardImpl::find_session(uint64_t id) { return sessions->find(id); }

Session& ShardImpl::create_session(std::string client_id) {
  // Unique across shards: the shard index in the top bits.
  const uint64_t id = (static_cast<uint64_t>(index) << 48) | next_session_serial++;
  return sessions->create(std::move(client_id), id);
}

void ShardImpl::detach(Client& c, TimePoint now) {
  if (c.session == nullptr) return;
  Session& s = *c.session;
  c.session = nullptr;
  if (s.connection != nullptr) {
    s.connection = nullptr;
    state.connected_clients().remove();
  }
  const int64_t closed_at = ClockPair::now().wall_unix_ms;
  const auto level = static_cast<uint8_t>(c.version);
  bool will_waits = false;
  if (c.publish_will_on_close && s.will) {
    if (s.will->delay_interval == 0 || s.expiry_interval == 0) {
      publish_will(s.will->message, now);  // [MQTT-3.1.2-8]
    } else {
      // [MQTT-3.1.3-9] published after the delay, or when the session ends, whichever is first.
      pending_wills.push_back(
          {now + std::chrono::seconds(s.will->delay_interval), s.id(), s.will->message, level, closed_at});
      will_waits = true;
    }
  }
  if (!will_waits) s.will.reset();
  // Messages a shared group gave this member go to a connected member instead.
  return_shared(s);
  if (s.expiry_interval == 0) {
    end_session(s, now);  // [MQTT-3.1.2-6 / 4.1.0-?]
    return;
  }
  if (s.expiry_interval != std::numeric_limits<uint32_t>::max()) {
    expire_at(s.id(), now + std::chrono::seconds(s.expiry_interval));
  }
  persister.write_session(s, level, closed_at);  // with a waiting will: it survives a restart
  s.will.reset();
}

void ShardImpl::return_shared(Session& s) {
  // Taken out first, handed back after: a group may pick this very session again, and its queue
  // must not change while it is being walked.
  std::vector<Delivery> returned;
  s.take_queued_if([](const Delivery& d) { return d.shared != nullptr; }, returned);
  for (const auto& d : returned) {
    state.queued_bytes().fetch_sub(static_cast<int64_t>(d.message->footprint()), std::memory_order_relaxed);
    persister.hand_back(s, d, std::nullopt);
  }
  // QoS 1 only: a QoS 2 message already sent must be completed with this session [MQTT-4.8.2-4/5].
  const auto handed_back = [](const session::Inflight& f) {
    return f.delivery.shared != nullptr && f.state == session::Inflight::State::AwaitPubAck;
  };
  for (const auto& f : s.inflight()) {
    if (handed_back(f)) persister.hand_back(s, f.delivery, f.packet_id);
  }
  s.take_inflight_if(handed_back, returned);
  const auto now = Clock::now();
  for (const auto& d : returned) regroup(d.message, *d.shared, now, 0);
}

void ShardImpl::end_session(Session& s, TimePoint now) {
  const uint64_t id = s.id();
  fire_will(id, now);  // [MQTT-3.1.3-9] a delayed will goes out when the session ends first
  // Leave the groups before handing their messages back, so none is given to this session again.
  const SessionRef me{index, id};
  for (const auto& [filter, sub] : s.subscriptions) {
    if (const auto shared = routing::parse_shared(filter)) {
      leave_group(std::string(shared->group), std::string(shared->filter), me);
    } else {
      remove_from_tree(filter, me);
    }
  }
  return_shared(s);
  if (Persister::persistent(s)) count_persistent_subscriptions(s, -1);
  persister.erase_session(s);
  state.queued_bytes().fetch_sub(static_cast<int64_t>(s.queued_bytes()), std::memory_order_relaxed);
  expiring.erase(id);
  if (s.connection != nullptr) state.connected_clients().remove();
  sessions->erase(s);  // destroys s
}

void ShardImpl::expire_at(uint64_t session_id, TimePoint deadline) {
  expiring[session_id] = deadline;
  expiry_order.emplace(deadline, session_id);
  if (expiry_order.size() > 2 * expiring.size() + 1024) {
    // Mostly stale entries of sessions that came back: rebuild from the live deadlines.
    decltype(expiry_order) fresh;
    for (const auto& [id, at] : expiring) fresh.emplace(at, id);
    expiry_order.swap(fresh);
  }
}

void ShardImpl::end_expired_sessions(TimePoint now) {
  while (!expiry_order.empty() && expiry_order.top().first <= now) {
    const auto [due, id] = expiry_order.top();
    expiry_order.pop();
    auto it = expiring.find(id);
    if (it == expiring.end() || it->second != due) continue;  // came back, or a newer deadline
    expiring.erase(it);
    if (Session* s = find_session(id)) end_session(*s, now);
  }
}

void ShardImpl::set_expiry(Session& s, uint32_t expiry_interval) {
  const bool was = Persister::persistent(s);
  if (was && expiry_interval == 0) {
    // No longer kept across a disconnect, so no longer on disk either: what was spilled comes back
    // as far as the queue budgets allow, and the rest is dropped.
    if (s.spilled != 0) refill(s);
    drops.queue_budget += s.spilled;
    count_persistent_subscriptions(s, -1);
    persister.erase_session(s);
    s.forget_stored();
  }
  s.expiry_interval = expiry_interval;
  if (!was && expiry_interval != 0) count_persistent_subscriptions(s, +1);
}

void ShardImpl::count_persistent_subscriptions(const Session& s, int64_t sign) {
  if (!s.subscriptions.empty()) {
    state.persistent_subscriptions().fetch_add(sign * static_cast<int64_t>(s.subscriptions.size()));
  }
}

void ShardImpl::fire_will(uint64_t session_id, TimePoint now) {
  auto it = std::find_if(pending_wills.begin(), pending_wills.end(),
                         [&](const PendingWill& w) { return w.session_id == session_id; });
  if (it != pending_wills.end()) fire_pending_will(static_cast<size_t>(it - pending_wills.begin()), now);
}

void ShardImpl::fire_pending_will(size_t index, TimePoint now) {
  PendingWill w = std::move(pending_wills[index]);
  pending_wills.erase(pending_wills.begin() + static_cast<std::ptrdiff_t>(index));
  publish_will(w.message, now);
  // The stored record held the will while it waited; from now on it must not come back.
  if (Session* s = w.session_id != 0 ? sessions->find(w.session_id) : nullptr) {
    persister.write_session(*s, w.protocol_level, w.disconnected_at_unix_ms);
  }
}

void ShardImpl::publish_will(const MessagePtr& will, TimePoint now) {
  if (will->retain()) keep_retained(will);
  publish(will, now);
}

}  // namespace pregon::broker
