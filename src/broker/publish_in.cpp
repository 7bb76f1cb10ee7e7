// PUBLISH and PUBREL from clients: topic aliases, validation, retained updates, the inbound QoS 1/2
// flows and routing.
#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"
#include "protocol/utf8.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

using protocol::QoS;
using protocol::ReasonCode;

namespace {
bool is_sys_topic(std::string_view topic) { return topic == "$SYS" || topic.starts_with("$SYS/"); }
}  // namespace

void ShardImpl::on_publish(Client& c, protocol::Publish& p, TimePoint now) {
  Session& s = *c.session;
  std::string_view topic = p.topic;

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
  if (p.qos == QoS::ExactlyOnce) {
    auto& pending = s.inbound_qos2();
    if (pending.contains(p.packet_id)) {
      // [MQTT-4.3.3-?] a resent QoS 2 PUBLISH before PUBREL: acknowledge again, deliver once.
      send(c, protocol::PubRec{p.packet_id, ReasonCode::Success, {}});
      return;
    }
    if (pending.size() >= config.limits.receive_maximum) {
      close_client(c, ReasonCode::ReceiveMaximumExceeded, "receive maximum exceeded");  // [MQTT-3.3.4-9]
      return;
    }
  }
  if (c.is_v5() && p.properties.payload_format_indicator.value_or(0) == 1 &&
      !protocol::valid_utf8({reinterpret_cast<const char*>(p.payload.data()), p.payload.size()})) {
    outcome = ReasonCode::PayloadFormatInvalid;  // [MQTT-3.3.2-?] MAY refuse
  } else if (!is_sys_topic(topic)) {
    // $SYS/ is the broker's own namespace: clients' publishes there are acknowledged and dropped.
    MessagePtr m = session::Message::from_publish(memory, p, topic, s.id(), now);
    if (p.retain) keep_retained(m);
    publish(m, now);
  }

  if (p.qos == QoS::AtLeastOnce) {
    send(c, protocol::PubAck{p.packet_id, outcome, {}});
  } else if (p.qos == QoS::ExactlyOnce) {
    if (!protocol::is_error(outcome)) s.inbound_qos2().insert(p.packet_id);
    send(c, protocol::PubRec{p.packet_id, outcome, {}});
  }
}

void ShardImpl::keep_retained(const MessagePtr& m) {
  RetainedImpl& r = state.retained();
  std::lock_guard lock(r.mutex);
  if (m->payload().empty()) {
    r.store.erase(m->topic());  // [MQTT-3.3.1-10/11]
  } else {
    r.store.set(m->topic(), m);  // [MQTT-3.3.1-5]
  }
}

void ShardImpl::on_pubrel(Client& c, const protocol::PubRel& p) {
  const bool known = c.session->inbound_qos2().erase(p.packet_id) > 0;
  send(c, protocol::PubComp{p.packet_id, known ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound, {}});
}

}  // namespace pregon::broker
