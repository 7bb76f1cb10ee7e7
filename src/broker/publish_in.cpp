// PUBLISH and PUBREL from clients: topic aliases, validation, retained updates, the inbound QoS 1/2
// flows and routing.
#include <spdlog/spdlog.h>

#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"
#include "broker/stored_records.hpp"
#include "protocol/utf8.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

using protocol::QoS;
using protocol::ReasonCode;

namespace {
bool is_sys_topic(std::string_view topic) { return topic == "$SYS" || topic.starts_with("$SYS/"); }
}  // namespace

bool ShardImpl::within_topic_limits(std::string_view topic) {
  if (topic.size() > config.limits.max_topic_length) {
    counters.count(Limit::TopicLength);
    return false;
  }
  if (static_cast<size_t>(std::count(topic.begin(), topic.end(), '/')) + 1 > config.limits.max_topic_levels) {
    counters.count(Limit::TopicLevels);
    return false;
  }
  return true;
}

void ShardImpl::on_publish(Client& c, protocol::Publish& p, TimePoint now, std::span<const uint8_t> frame) {
  Session& s = *c.session;
  std::string_view topic = p.topic;
  ++counters.publish_received[static_cast<uint8_t>(p.qos)];
  counters.publish_bytes_received += p.payload.size();

  if (auto alias = p.properties.topic_alias) {
    // [MQTT-3.3.2-9/10] an alias must be 1..our Topic Alias Maximum.
    if (*alias == 0 || *alias > config.limits.topic_alias_maximum) {
      close_client(c, ReasonCode::TopicAliasInvalid, "topic alias out of range");
      return;
    }
    auto& inbound = c.aliases().inbound;
    if (inbound.size() < config.limits.topic_alias_maximum) inbound.resize(config.limits.topic_alias_maximum);
    std::string& slot = inbound[*alias - 1];
    if (!topic.empty()) {
      slot.assign(topic);
    } else if (slot.empty()) {
      close_client(c, ReasonCode::ProtocolError, "unknown topic alias");  // [MQTT-3.3.4-?]
      return;
    } else {
      topic = slot;
    }
  } else if (topic.empty()) {
    close_client(c, ReasonCode::ProtocolError, "empty topic without a topic alias");
    return;
  }
  if (!routing::valid_topic_name(topic)) {
    close_client(c, ReasonCode::TopicNameInvalid, "invalid topic name");  // [MQTT-3.3.2-2]
    return;
  }
  const bool topic_over_limits = !within_topic_limits(topic);
  if (!p.properties.subscription_identifiers.empty()) {
    close_client(c, ReasonCode::ProtocolError, "subscription identifier in a client PUBLISH");  // [MQTT-3.3.4-6]
    return;
  }
  if (p.properties.response_topic && !routing::valid_topic_name(*p.properties.response_topic)) {
    close_client(c, ReasonCode::ProtocolError, "response topic is not a topic name");  // [MQTT-3.3.2-14]
    return;
  }
  if (static_cast<uint8_t>(p.qos) > config.limits.maximum_qos) {
    close_client(c, ReasonCode::QoSNotSupported, "QoS above the maximum");  // [MQTT-3.2.2-11]
    return;
  }
  if (p.retain && !config.limits.retain_available) {
    close_client(c, ReasonCode::RetainNotSupported, "retain not available");  // [MQTT-3.2.2-14]
    return;
  }

  ReasonCode outcome = ReasonCode::Success;
  std::shared_ptr<DurableAck> ack;
  if (p.qos == QoS::ExactlyOnce) {
    auto& pending = s.inbound_qos2();
    if (pending.contains(p.packet_id)) {
      // [MQTT-4.3.3-?] a resent QoS 2 PUBLISH before PUBREL: acknowledge again, deliver once.
      acknowledge(c, p.packet_id, AckKind::PubRec, ReasonCode::Success, false);
      return;
    }
    if (pending.size() >= config.limits.receive_maximum) {
      close_client(c, ReasonCode::ReceiveMaximumExceeded, "receive maximum exceeded");  // [MQTT-3.3.4-9]
      return;
    }
  }
  if (topic_over_limits) {
    // Well formed but beyond this broker's limits: not routed; 5.0 is told (0x90).
    if (c.is_v5()) outcome = ReasonCode::TopicNameInvalid;
  } else if (c.is_v5() && p.properties.payload_format_indicator.value_or(0) == 1 &&
      !protocol::valid_utf8({reinterpret_cast<const char*>(p.payload.data()), p.payload.size()})) {
    outcome = ReasonCode::PayloadFormatInvalid;  // [MQTT-3.3.2-?] MAY refuse
  } else if (const auto& acl = (*access).acl; acl && !acl->may_publish(identity_of(s), topic)) {
    // Not routed. 5.0 is told (0x87 Not authorized); 3.1.1 has no way to say it, so it is acknowledged.
    if (c.is_v5()) outcome = ReasonCode::NotAuthorized;
    base::log_about(log_context(c), spdlog::level::debug, "publish to {} denied by the ACL", topic);
  } else if (c.is_v5() && p.qos != QoS::AtMostOnce &&
             static_cast<uint64_t>(state.queued_bytes().load(std::memory_order_relaxed)) + topic.size() +
                     p.payload.size() >
                 config.limits.max_total_queued_bytes &&
             config.limits.queue_overflow == "refuse") {
    outcome = ReasonCode::QuotaExceeded;  // no queue has room for it: refused, not routed
    ++drops.refused_quota;
  } else if (!is_sys_topic(topic)) {
    // $SYS/ is the broker's own namespace: clients' publishes there are acknowledged and dropped.
    // A 3.1/3.1.1 PUBLISH is kept as received: it is also what a 3.x receiver of its QoS gets.
    MessagePtr m = session::Message::from_publish(memory, p, topic, s.id(), now,
                                                  c.is_v5() ? std::span<const uint8_t>() : frame);
    // The acknowledgement waits until the message is durable wherever it must survive: with
    // persistent subscribers anywhere, a retained update, or this session's QoS 2 state.
    if (p.qos != QoS::AtMostOnce && state.durable_acks() &&
        (p.retain || state.persistent_subscriptions().load() > 0 ||
         (p.qos == QoS::ExactlyOnce && Persister::persistent(s)))) {
      // From the pool: one per message, freed on whichever thread reports last.
      ack = std::allocate_shared<DurableAck>(base::PoolAllocator<DurableAck>(&memory.pool), router.shard_count(),
                                             index, s.id(), c.serial, p.packet_id,
                                             p.qos == QoS::ExactlyOnce ? AckKind::PubRec : AckKind::PubAck);
    }
    if (p.retain && !keep_retained(m, ack) && c.is_v5() && p.qos != QoS::AtMostOnce) {
      outcome = ReasonCode::QuotaExceeded;  // no room for another retained message: refused
      ++drops.refused_quota;
      ack.reset();
    } else {
      publish(m, now, ack);
    }
  }

  if (p.qos == QoS::ExactlyOnce && !protocol::is_error(outcome)) {
    s.inbound_qos2().insert(p.packet_id);
    persister.write_inbound_qos2(s, p.packet_id);  // [MQTT-4.3.3-10] exactly once across a restart
  }
  if (p.qos != QoS::AtMostOnce) {
    acknowledge(c, p.packet_id, p.qos == QoS::ExactlyOnce ? AckKind::PubRec : AckKind::PubAck, outcome,
                ack != nullptr);
  }
}

void ShardImpl::acknowledge(Client& c, uint16_t packet_id, AckKind kind, ReasonCode reason, bool wait) {
  if (!wait && !c.owes_acks()) {
    send_ack(c, packet_id, kind, reason);
    return;
  }
  // [MQTT-4.6.0-2/3/4] in the order of what they answer, even when a later one is durable sooner.
  c.owed_acks().push_back({packet_id, kind, !wait, reason});
  send_owed_acks(c);
}

void ShardImpl::send_ack(Client& c, uint16_t packet_id, AckKind kind, ReasonCode reason) {
  switch (kind) {
    case AckKind::PubAck: send(c, protocol::PubAck{packet_id, reason, {}}); break;
    case AckKind::PubRec: send(c, protocol::PubRec{packet_id, reason, {}}); break;
    case AckKind::PubRel: send(c, protocol::PubRel{packet_id, reason, {}}); break;
    case AckKind::Publish: send_held_publish(c, packet_id); break;
  }
}

void ShardImpl::send_owed_acks(Client& c) {
  if (!c.owes_acks()) return;
  auto& owed_acks = c.owed_acks();
  while (!owed_acks.empty() && owed_acks.front().ready) {
    const auto owed = owed_acks.front();
    owed_acks.pop_front();
    send_ack(c, owed.packet_id, owed.kind, owed.reason);
  }
}

void ShardImpl::send_durable_ack(const DurableAck& ack) {
  const Session* s = find_session(ack.session);
  Client* connected = s == nullptr ? nullptr : attached_client(*s);
  if (connected == nullptr || connected->serial != ack.client) return;  // gone: it will resend
  Client& c = *connected;
  if (c.state != Client::State::Connected) return;
  if (!c.owes_acks()) return;
  for (auto& owed : c.owed_acks()) {
    if (owed.packet_id != ack.packet || owed.kind != ack.kind || owed.ready) continue;
    if (ack.failed.load(std::memory_order_relaxed) && owed.kind != AckKind::Publish) {
      if (!c.is_v5()) {
        // 3.1.1 cannot carry an error in PUBACK/PUBREC: without it the client sends again.
        close_client(c, ReasonCode::UnspecifiedError, "the message could not be stored");
        return;
      }
      owed.reason = ReasonCode::UnspecifiedError;
      if (owed.kind == AckKind::PubRec) c.session->inbound_qos2().erase(owed.packet_id);
    }
    owed.ready = true;
    break;
  }
  send_owed_acks(c);
}

bool ShardImpl::keep_retained(const MessagePtr& m, const std::shared_ptr<DurableAck>& ack) {
  RetainedImpl& r = state.retained();
  std::lock_guard lock(r.mutex);
  const MessagePtr* old = r.store.find(m->topic());
  if (is_sys_topic(m->topic())) {
    // The broker's own values (clients cannot publish there), rewritten every few seconds: kept in
    // memory only, and outside the retained budgets, which are the clients'.
    if (old == nullptr) ++r.sys_topics;
    r.store.set(m->topic(), m);
    return true;
  }
  const uint64_t old_bytes = old != nullptr ? (*old)->footprint() : 0;
  storage::Batch change;
  if (m->payload().empty()) {
    if (r.store.erase(m->topic())) r.bytes -= old_bytes;  // [MQTT-3.3.1-10/11]
    change.erase_retained(m->topic());
  } else {
    const auto& limits = config.limits;
    if ((old == nullptr && r.store.size() - r.sys_topics >= limits.max_retained_messages) ||
        r.bytes - old_bytes + m->footprint() > limits.max_retained_bytes) {
      ++drops.retained_budget;
      return false;
    }
    r.store.set(m->topic(), m);  // [MQTT-3.3.1-5]
    r.bytes += m->footprint() - old_bytes;
    change.put_retained(m->topic(), to_stored(*m, ClockPair::now()));
  }
  // Committed under the lock, so that the store sees retained changes in the order memory did.
  if (auto* store = state.store()) {
    std::function<void(bool)> reported;
    if (ack) {
      // One more report to wait for; no shard reports before this loop pass ends.
      ack->remaining.fetch_add(1, std::memory_order_relaxed);
      reported = [ack, this](bool ok) { DurableAck::arrive(ack, ok, router); };
    }
    store->commit(std::move(change), std::move(reported));
  }
  return true;
}

void ShardImpl::on_pubrel(Client& c, uint16_t packet_id) {
  const bool known = c.session->inbound_qos2().erase(packet_id) > 0;
  if (known) persister.erase_inbound_qos2(*c.session, packet_id);
  send(c, protocol::PubComp{packet_id, known ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound, {}});
}

}  // namespace pregon::broker
