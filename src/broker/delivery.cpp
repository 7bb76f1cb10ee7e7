// Fan-out: a message is matched on every shard against that shard's own subscriptions (and the
// shared groups it owns), merged per session, and handed to each session's in-flight window or queue.
// Messages for other shards are batched per target and handed over once per loop iteration.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "broker/shard_impl.hpp"

namespace pregon::broker {

using protocol::QoS;

namespace {
QoS min_qos(QoS a, QoS b) { return a < b ? a : b; }
QoS max_qos(QoS a, QoS b) { return a < b ? b : a; }
constexpr size_t kPrefetchAhead = 4;
}  // namespace

void ShardImpl::publish(const MessagePtr& m, TimePoint now, const std::shared_ptr<DurableAck>& ack) {
  // Only to the shards where it may match; one that gets nothing does not report to `ack` either.
  unsigned skipped = 0;
  const size_t slot = ShardInterest::slot_of(m->topic_hash());
  for (unsigned k = 0; k < outbox.size(); ++k) {
    if (k == index) continue;
    if (state.interest().may_match(k, slot)) {
      outbox[k].push_back({m, ack});
    } else {
      ++skipped;
    }
  }
  if (ack && skipped != 0) ack->remaining.fetch_sub(skipped, std::memory_order_acq_rel);
  route_local(m, now);
  if (ack) persister.hold(*m, ack);
}

void ShardImpl::flush_outbox() {
  for (unsigned k = 0; k < outbox.size(); ++k) {
    if (!outbox[k].empty() && state.inbox(k).put(outbox[k])) router.notify_inbox(k);
  }
}

void ShardImpl::drain_inbox(TimePoint now) {
  state.inbox(index).take(arrived);
  for (size_t i = 0; i < arrived.size(); ++i) {
    // Built on another thread, so not in this core's caches: fetch a few ahead of their use.
    if (i + 2 * kPrefetchAhead < arrived.size()) __builtin_prefetch(arrived[i + 2 * kPrefetchAhead].message.get());
    if (i + kPrefetchAhead < arrived.size()) arrived[i + kPrefetchAhead].message->prefetch();
    Routed& r = arrived[i];
    route_local(r.message, now);
    if (r.ack) persister.hold(*r.message, std::move(r.ack));
  }
  arrived.clear();  // keeps the capacity for the next swap
}

void ShardImpl::route_local(const MessagePtr& m, TimePoint now) {
  merge.clear();
  const uint64_t epoch = ++fanout_epoch;
  tree.match(
      m->topic(), m->topic_hash(),
      [&](const SessionRef& ref, const session::Subscription& sub) {
        // [MQTT-3.8.3-3] No Local: not back to the publishing session.
        if (sub.options.no_local && ref.session_id == m->origin_session()) return;
        Session* s = find_session(ref.session_id);
        if (s == nullptr) return;
        const QoS qos = min_qos(m->qos(), sub.options.max_qos);
        const bool retain = sub.options.retain_as_published && m->retain();  // [MQTT-3.3.1-12/13]
        if (s->fanout_epoch != epoch) {
          s->fanout_epoch = epoch;
          s->fanout_slot = static_cast<uint32_t>(merge.size());
          merge.emplace_back(s, Delivery{.message = m, .qos = qos, .retain = retain});
        }
        // [MQTT-3.3.4-2/3] overlapping subscriptions: one message with the highest QoS and every
        // matching subscription identifier.
        Delivery& d = merge[s->fanout_slot].second;
        d.qos = max_qos(d.qos, qos);
        d.retain = d.retain || retain;
        if (sub.subscription_id != 0) d.subscription_ids.push_back(sub.subscription_id);
      },
      [&](const auto& group) {
        if (group.size() == 0) return;
        const auto& member = group.pick_next();
        dispatch_shared(m, session::SharedOrigin{std::string(group.name()), std::string(group.filter())},
                        member.key, member.value, now, group.size(), 0);
      });
  for (auto& [s, d] : merge) deliver(*s, std::move(d), now);
}

void ShardImpl::dispatch_shared(const MessagePtr& m, session::SharedOrigin origin, SessionRef member,
                                session::Subscription sub, TimePoint now, size_t group_size,
                                unsigned attempts) {
  auto task = [m, origin = std::move(origin), member, sub, group_size, attempts](ShardImpl& target, TimePoint t) {
    target.deliver_to_member(m, origin, member, sub, t, group_size, attempts);
  };
  if (member.shard == index) {
    task(*this, now);
  } else {
    router.post(member.shard, [task = std::move(task)](Shard& s) { task(s.impl(), Clock::now()); });
  }
}

void ShardImpl::deliver_to_member(const MessagePtr& m, const session::SharedOrigin& origin, SessionRef member,
                                  const session::Subscription& sub, TimePoint now, size_t group_size,
                                  unsigned attempts) {
  Session* s = find_session(member.session_id);
  const bool subscribed = s != nullptr && s->subscriptions.contains(shared_filter_key(origin));
  const bool online = subscribed && s->connection != nullptr;
  // Prefer a connected member: try the others before queueing for an offline one.
  if (!subscribed || (!online && attempts + 1 < group_size)) {
    regroup(m, origin, now, attempts + 1);
    return;
  }
  Delivery d{.message = m,
             .qos = min_qos(m->qos(), sub.options.max_qos),
             .shared = std::make_unique<const session::SharedOrigin>(origin)};
  if (sub.subscription_id != 0) d.subscription_ids.push_back(sub.subscription_id);
  deliver(*s, std::move(d), now);
}

void ShardImpl::regroup(const MessagePtr& m, const session::SharedOrigin& origin, TimePoint now,
                        unsigned attempts) {
  const unsigned owner = shard_of_group(origin.group, origin.filter, router.shard_count());
  if (owner != index) {
    router.post(owner, [m, origin, attempts](Shard& s) { s.impl().regroup(m, origin, Clock::now(), attempts); });
    return;
  }
  tree.match(
      m->topic(), [](const SessionRef&, const session::Subscription&) {},
      [&](const auto& group) {
        if (group.name() != origin.group || group.filter() != origin.filter) return;
        if (group.size() == 0 || attempts > 2 * group.size() + 2) return;  // every member is gone
        const auto& member = group.pick_next();
        dispatch_shared(m, origin, member.key, member.value, now, group.size(), attempts);
      });
}

size_t ShardImpl::window(const Client& c) const {
  return std::min<size_t>(c.receive_maximum, config.limits.max_inflight_messages);
}

void ShardImpl::deliver(Session& s, Delivery d, TimePoint now) {
  // Read access is checked per receiver, so retained messages and wills are covered too.
  if (const auto& acl = (*access).acl; acl && !acl->may_receive(identity_of(s), d.message->topic())) return;
  Client* c = attached_client(s);
  if (d.qos == QoS::AtMostOnce) {
    // QoS 0 is not kept for offline sessions, and is dropped for a client that cannot keep up.
    if (c == nullptr || c->link.queued_bytes() > config.limits.output_buffer_bytes) {
      ++drops.qos0_slow;
      return;
    }
    send_publish(*c, d, 0, false, now);
    return;
  }
  if (c != nullptr && s.queue().empty() && s.spilled == 0 && has_room(*c, s)) {
    persister.track(s, d);
    send_in_window(*c, s, std::move(d), now, false);
    return;
  }
  if (s.spilled != 0 || over_budget(s, d.message->footprint())) {
    // Past the in-memory budgets a persistent session's queue goes on on disk, in order; only
    // past max_spilled_messages (or without persistence) does queue_overflow apply, and while some
    // are on disk, a newer message cannot take a place in memory ahead of them.
    if (persister.enabled() && Persister::persistent(s) && s.spilled < config.limits.max_spilled_messages) {
      persister.spill(s, d);
      ++counters.messages_spilled;
      return;
    }
    if (s.spilled != 0 || !make_room(s, d.message->footprint())) {
      ++drops.queue_budget;
      return;
    }
  }
  persister.track(s, d);
  persister.write_queued(s, d);
  enqueue(s, std::move(d));
}

void ShardImpl::enqueue(Session& s, Delivery d) {
  state.queued_bytes().fetch_add(static_cast<int64_t>(d.message->footprint()), std::memory_order_relaxed);
  if (const auto& deadline = d.message->expiry_deadline()) schedule_expiry_check(s, *deadline);
  s.enqueue(std::move(d));
}

void ShardImpl::schedule_expiry_check(Session& s, TimePoint deadline) {
  const TimePoint at = std::chrono::ceil<std::chrono::seconds>(deadline);
  if (s.expiry_check != TimePoint{} && s.expiry_check <= at) return;  // an earlier check will do
  s.expiry_check = at;
  message_expiry_order.emplace(at, s.id());
}

void ShardImpl::drop_expired_messages(TimePoint now) {
  while (!message_expiry_order.empty() && message_expiry_order.top().first <= now) {
    const auto [due, id] = message_expiry_order.top();
    message_expiry_order.pop();
    Session* s = find_session(id);
    if (s == nullptr || s->expiry_check != due) continue;  // gone, or rescheduled earlier
    s->expiry_check = {};
    std::vector<Delivery> expired;
    s->take_queued_if([&](const Delivery& d) { return d.message->expired(now); }, expired);
    for (const auto& d : expired) {
      state.queued_bytes().fetch_sub(static_cast<int64_t>(d.message->footprint()), std::memory_order_relaxed);
      persister.finish(*s, d, std::nullopt);  // [MQTT-3.3.2-5] never sent once expired
    }
    drops.expired += expired.size();
    for (const auto& d : s->queue()) {
      if (const auto& deadline = d.message->expiry_deadline()) schedule_expiry_check(*s, *deadline);
    }
  }
}

Delivery ShardImpl::dequeue(Session& s) {
  Delivery d = s.pop_queued();
  state.queued_bytes().fetch_sub(static_cast<int64_t>(d.message->footprint()), std::memory_order_relaxed);
  return d;
}

bool ShardImpl::over_budget(const Session& s, size_t bytes) const {
  const auto& limits = config.limits;
  return s.queue().size() >= limits.max_queued_messages || s.queued_bytes() + bytes > limits.max_queued_bytes ||
         static_cast<uint64_t>(state.queued_bytes().load(std::memory_order_relaxed)) + bytes >
             limits.max_total_queued_bytes;
}

bool ShardImpl::make_room(Session& s, size_t bytes) {
  if (!over_budget(s, bytes)) return true;
  if (config.limits.queue_overflow != "drop_oldest") return false;  // drop_newest, refuse: the new one goes
  while (!s.queue().empty() && over_budget(s, bytes)) {
    persister.finish(s, dequeue(s), std::nullopt);
    ++drops.queue_budget;
  }
  return !over_budget(s, bytes);
}

bool ShardImpl::refill(Session& s) {
  // A batch at a time, so that one session's backlog does not hold up the loop for long.
  constexpr size_t kMaxBatch = 1024;
  const auto& limits = config.limits;
  const auto room = [](uint64_t limit, uint64_t used) { return limit > used ? limit - used : 0; };
  const size_t count = std::clamp<size_t>(room(limits.max_queued_messages, s.queue().size()), 1, kMaxBatch);
  const uint64_t total = static_cast<uint64_t>(std::max<int64_t>(0, state.queued_bytes().load(std::memory_order_relaxed)));
  // At least one message, whatever the budgets say: the queue is empty, and its client waits for it.
  const size_t bytes = std::max<uint64_t>(
      1, std::min(room(limits.max_queued_bytes, s.queued_bytes()), room(limits.max_total_queued_bytes, total)));
  refilled.clear();
  while (refilled.empty() && s.spilled != 0) {
    uint64_t expired = 0;
    const size_t taken = persister.unspill(s, count, bytes, refilled, expired);
    drops.expired += expired;
    if (taken == 0) break;
  }
  counters.spilled_read += refilled.size();
  for (auto& d : refilled) enqueue(s, std::move(d));
  if (!refilled.empty()) return true;
  if (s.spilled != 0) awaiting_spilled.push_back(s.id());
  return false;
}

void ShardImpl::store_committed() {
  persister.committed(router);
  if (awaiting_spilled.empty()) return;
  const auto now = Clock::now();
  for (const uint64_t id : std::exchange(awaiting_spilled, {})) {
    if (Session* s = find_session(id)) pump(*s, now);
  }
}

bool ShardImpl::has_room(const Client& c, const Session& s) const {
  return s.inflight().size() < window(c) && c.link.queued_bytes() <= config.limits.output_buffer_bytes;
}

void ShardImpl::send_in_window(Client& c, Session& s, Delivery d, TimePoint now, bool was_queued) {
  const uint16_t id = s.next_packet_id();
  // A QoS 2 message of a stored session goes out once its in-flight record is durable. Sent before,
  // a crash could leave only its queued record, and after the restart it would go out anew, under
  // another identifier, to a client that already has it: twice, where exactly once was promised. Held,
  // it is resent with this identifier, which the client recognises [MQTT-4.4.0-1].
  const bool hold = d.qos == QoS::ExactlyOnce && d.stored_sequence != 0 && this->state.durable_acks();
  if (hold ? !may_send(c, d, false, now) : !send_publish(c, d, id, false, now)) {
    persister.finish(s, d, std::nullopt);  // expired, or too large for this client
    return;
  }
  const auto state = d.qos == QoS::AtLeastOnce ? session::Inflight::State::AwaitPubAck
                                               : session::Inflight::State::AwaitPubRec;
  session::Inflight f{id, state, std::move(d)};
  persister.write_inflight(s, f, was_queued);
  s.add_inflight(std::move(f));
  if (hold) {
    persister.hold(std::make_shared<DurableAck>(1, index, s.id(), c.serial, id, AckKind::Publish));
    acknowledge(c, id, AckKind::Publish, protocol::ReasonCode::Success, true);
  }
}

void ShardImpl::send_held_publish(Client& c, uint16_t packet_id) {
  const auto* f = c.session != nullptr ? c.session->find_inflight(packet_id) : nullptr;
  // Acknowledged or dropped meanwhile: nothing to send.
  if (f == nullptr || f->state != session::Inflight::State::AwaitPubRec || !f->delivery.message) return;
  write_publish(c, f->delivery, packet_id, false, Clock::now());
}

void ShardImpl::pump(Session& s, TimePoint now) {
  Client* connected = attached_client(s);
  if (connected == nullptr) return;
  Client& c = *connected;
  while (c.state == Client::State::Connected && has_room(c, s)) {
    if (s.queue().empty() && (s.spilled == 0 || !refill(s))) break;
    send_in_window(c, s, dequeue(s), now, true);
  }
  if (c.retained_streams) send_retained(c, now);  // with the queue empty and room left
}

bool ShardImpl::send_publish(Client& c, const Delivery& d, uint16_t packet_id, bool dup, TimePoint now) {
  if (!may_send(c, d, dup, now)) return false;
  write_publish(c, d, packet_id, dup, now);
  return true;
}

bool ShardImpl::may_send(const Client& c, const Delivery& d, bool dup, TimePoint now) {
  const auto& m = *d.message;
  // [MQTT-3.3.2-5] an expired message is not sent; one already sent is completed regardless
  // [MQTT-4.3.3-7].
  if (!dup && m.expired(now)) return false;
  if (c.is_v5() && c.maximum_packet_size != std::numeric_limits<uint32_t>::max() &&
      m.encoded_size(c.version, d.qos, d.subscription_ids, 0, true, now) > c.maximum_packet_size) {
    // [MQTT-3.1.2-25] never more than the client accepts: the message is dropped for this client.
    ++drops.too_large;
    return false;
  }
  return true;
}

void ShardImpl::write_publish(Client& c, const Delivery& d, uint16_t packet_id, bool dup, TimePoint now) {
  const auto& m = *d.message;
  const bool v5 = c.is_v5();
  uint16_t alias = 0;
  bool send_topic = true;
  if (v5 && c.topic_alias_maximum > 0) {
    auto& outbound = c.aliases().outbound;
    if (auto it = outbound.find(m.topic()); it != outbound.end()) {
      alias = it->second;
      send_topic = false;
    } else if (outbound.size() < c.topic_alias_maximum) {
      // [MQTT-3.3.2-8] aliases stay within the client's Topic Alias Maximum.
      alias = static_cast<uint16_t>(outbound.size() + 1);
      outbound.emplace(std::string(m.topic()), alias);
    }
  }
  if (d.on_subscribe || (v5 && (alias != 0 || !d.subscription_ids.empty() || m.has_expiry()))) {
    m.encode(memory.scratch, c.version, d.qos, d.retain, dup, packet_id, d.subscription_ids, alias, send_topic, now);
    count_publish_sent(d.qos, m.payload().size(), memory.scratch.size());
    c.link.send(memory.scratch);
    return;
  }
  const uint8_t first = static_cast<uint8_t>(0x30 | (dup ? 0x08 : 0) | (static_cast<uint8_t>(d.qos) << 1) |
                                             (d.retain ? 0x01 : 0));
  auto encoding = m.shared_encoding(memory, c.version, d.qos, d.retain);
  count_publish_sent(d.qos, m.payload().size(), encoding->bytes.size());
  c.link.send_publish(std::move(encoding), first, packet_id);
}

}  // namespace pregon::broker
