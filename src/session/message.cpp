#include "session/message.hpp"

#include <cstring>
#include <new>

#include "protocol/codec.hpp"
#include "routing/topic.hpp"

namespace pregon::session {

using protocol::ProtocolVersion;
using protocol::QoS;

namespace {

std::vector<uint8_t> copy_bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

MessageProperties copy_properties(const protocol::Properties& p) {
  MessageProperties m;
  m.payload_format_indicator = p.payload_format_indicator;
  if (p.content_type) m.content_type = std::string(*p.content_type);
  if (p.response_topic) m.response_topic = std::string(*p.response_topic);
  if (p.correlation_data) m.correlation_data = copy_bytes(*p.correlation_data);
  m.user_properties.reserve(p.user_properties.size());
  for (const auto& up : p.user_properties) m.user_properties.emplace_back(up.name, up.value);
  return m;
}

}  // namespace

const MessageProperties Message::kNoProperties{};

void Message::set_properties(MessageProperties props) {
  if (!props.empty()) props_ = std::make_unique<const MessageProperties>(std::move(props));
}

namespace {

size_t variant_slot(ProtocolVersion v, QoS qos, bool retain) {
  return (protocol::is_v5(v) ? 6u : 0u) + static_cast<size_t>(qos) * 2u + (retain ? 1u : 0u);
}

}  // namespace

Message::Message(Private, base::BlockPool* pool, std::string_view topic, std::span<const uint8_t> payload)
    : storage_(base::BlockPool::allocate(pool, topic.size() + payload.size())) {
  auto* bytes = static_cast<char*>(storage_);
  if (!topic.empty()) std::memcpy(bytes, topic.data(), topic.size());
  if (!payload.empty()) std::memcpy(bytes + topic.size(), payload.data(), payload.size());
  topic_ = {bytes, topic.size()};
  payload_ = {reinterpret_cast<const uint8_t*>(bytes + topic.size()), payload.size()};
  topic_hash_ = routing::topic_hash(topic_);
}

Message::Message(Private, base::BlockPool* pool, std::span<const uint8_t> frame, std::string_view topic,
                 std::span<const uint8_t> payload, QoS qos, bool retain)
    : storage_(base::BlockPool::allocate(pool, sizeof(EncodedPublish) + frame.size())) {
  auto* bytes = reinterpret_cast<uint8_t*>(static_cast<EncodedPublish*>(storage_) + 1);
  std::memcpy(bytes, frame.data(), frame.size());
  const auto offset = [&](const void* p) { return static_cast<size_t>(static_cast<const uint8_t*>(p) - frame.data()); };
  const size_t topic_at = offset(topic.data());
  const size_t payload_at = frame.size() - payload.size();
  topic_ = {reinterpret_cast<const char*>(bytes) + topic_at, topic.size()};
  payload_ = {bytes + payload_at, payload.size()};
  topic_hash_ = routing::topic_hash(topic_);
  // A 3.x PUBLISH: the packet identifier follows the topic.
  const size_t packet_id_at = qos == QoS::AtMostOnce ? 0 : topic_at + topic.size();
  auto* encoding = new (storage_) EncodedPublish{{bytes, frame.size()}, packet_id_at};
  qos_ = qos;
  retain_ = retain;
  encodings_[variant_slot(protocol::ProtocolVersion::V311, qos, retain)].store(encoding, std::memory_order_relaxed);
}

std::shared_ptr<Message> Message::allocate(base::BlockPool* pool, std::string_view topic,
                                           std::span<const uint8_t> payload) {
  return std::allocate_shared<Message>(base::PoolAllocator<Message>(pool), Private{}, pool, topic, payload);
}

MessagePtr Message::make(std::string topic, std::vector<uint8_t> payload, QoS qos, bool retain,
                         MessageProperties props, std::optional<uint32_t> expiry_interval,
                         uint64_t origin_session, TimePoint now) {
  auto m = allocate(nullptr, topic, payload);
  m->qos_ = qos;
  m->retain_ = retain;
  m->set_properties(std::move(props));
  if (expiry_interval) m->expiry_deadline_ = now + std::chrono::seconds(*expiry_interval);
  m->origin_session_ = origin_session;
  return m;
}

MessagePtr Message::from_publish(MessageMemory& memory, const protocol::Publish& p, std::string_view topic,
                                 uint64_t origin_session, TimePoint now, std::span<const uint8_t> frame) {
  const auto inside = [&](const void* at, size_t size) {
    const auto* b = static_cast<const uint8_t*>(at);
    return b >= frame.data() && b + size <= frame.data() + frame.size();
  };
  std::shared_ptr<Message> m;
  if (!frame.empty() && inside(topic.data(), topic.size()) &&
      (p.payload.empty() || p.payload.data() + p.payload.size() == frame.data() + frame.size())) {
    m = std::allocate_shared<Message>(base::PoolAllocator<Message>(&memory.pool), Private{}, &memory.pool, frame,
                                      topic, p.payload, p.qos, p.retain);
  } else {
    m = allocate(&memory.pool, topic, p.payload);
  }
  m->qos_ = p.qos;
  m->retain_ = p.retain;
  const auto& pp = p.properties;
  if (pp.payload_format_indicator || pp.content_type || pp.response_topic || pp.correlation_data ||
      !pp.user_properties.empty()) {
    m->set_properties(copy_properties(pp));
  }
  if (auto interval = p.properties.message_expiry_interval) m->expiry_deadline_ = now + std::chrono::seconds(*interval);
  m->origin_session_ = origin_session;
  return m;
}

MessagePtr Message::from_will(const protocol::Will& w, uint64_t origin_session, TimePoint now) {
  return make(std::string(w.topic), copy_bytes(w.payload), w.qos, w.retain, copy_properties(w.properties),
              w.properties.message_expiry_interval, origin_session, now);
}

Message::~Message() {
  for (auto& slot : encodings_) {
    EncodedPublish* e = slot.load(std::memory_order_acquire);
    if (e != storage_) base::BlockPool::free(e);  // the received packet's is storage_ itself
  }
  base::BlockPool::free(storage_);
}

std::optional<uint32_t> Message::remaining_expiry(TimePoint now) const {
  if (!expiry_deadline_) return std::nullopt;
  if (now >= *expiry_deadline_) return 0u;
  auto left = std::chrono::ceil<std::chrono::seconds>(*expiry_deadline_ - now).count();
  return static_cast<uint32_t>(left < 1 ? 1 : left);
}

protocol::Publish Message::to_publish(ProtocolVersion v, QoS qos, bool retain, bool dup, uint16_t packet_id,
                                      std::span<const uint32_t> subscription_ids, uint16_t topic_alias,
                                      bool send_topic, TimePoint now) const {
  protocol::Publish p;
  p.dup = dup;
  p.qos = qos;
  p.retain = retain;
  p.topic = send_topic ? std::string_view(topic_) : std::string_view();
  p.packet_id = qos == QoS::AtMostOnce ? 0 : packet_id;
  p.payload = payload_;
  if (protocol::is_v5(v)) {
    auto& pp = p.properties;
    const MessageProperties& props = properties();
    pp.payload_format_indicator = props.payload_format_indicator;
    if (props.content_type) pp.content_type = *props.content_type;
    if (props.response_topic) pp.response_topic = *props.response_topic;
    if (props.correlation_data) pp.correlation_data = protocol::Binary(*props.correlation_data);
    pp.user_properties.reserve(props.user_properties.size());
    for (const auto& [k, val] : props.user_properties) pp.user_properties.push_back({k, val});
    // [MQTT-3.3.2-6] the forwarded interval is what is left of the publisher's.
    // Never 0: a message resent after its expiry (completing its flow) still reads as live.
    if (auto left = remaining_expiry(now)) pp.message_expiry_interval = std::max<uint32_t>(*left, 1);
    pp.subscription_identifiers.assign(subscription_ids.begin(), subscription_ids.end());
    if (topic_alias != 0) pp.topic_alias = topic_alias;
  }
  return p;
}

std::shared_ptr<const EncodedPublish> Message::shared_encoding(MessageMemory& memory, ProtocolVersion v, QoS qos,
                                                               bool retain) const {
  auto& slot = encodings_[variant_slot(v, qos, retain)];
  EncodedPublish* e = slot.load(std::memory_order_acquire);
  if (e == nullptr) {
    auto& bytes = memory.scratch;
    bytes.clear();
    auto p = to_publish(v, qos, retain, false, qos == QoS::AtMostOnce ? 0 : 1, {}, 0, true, TimePoint{});
    const size_t packet_id_offset = protocol::encode(p, v, bytes).packet_id_offset;
    // One block: the EncodedPublish, then its bytes. EncodedPublish is trivially destructible.
    void* block = base::BlockPool::allocate(&memory.pool, sizeof(EncodedPublish) + bytes.size());
    auto* copy = reinterpret_cast<uint8_t*>(static_cast<EncodedPublish*>(block) + 1);
    std::memcpy(copy, bytes.data(), bytes.size());
    auto* fresh = new (block) EncodedPublish{{copy, bytes.size()}, packet_id_offset};
    EncodedPublish* expected = nullptr;
    if (slot.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      e = fresh;
    } else {
      base::BlockPool::free(block);
      e = expected;
    }
  }
  // Aliasing constructor: the encoding lives exactly as long as the message that owns it.
  return std::shared_ptr<const EncodedPublish>(shared_from_this(), e);
}

void Message::encode(std::vector<uint8_t>& out, ProtocolVersion v, QoS qos, bool retain, bool dup,
                     uint16_t packet_id, std::span<const uint32_t> subscription_ids, uint16_t topic_alias,
                     bool send_topic, TimePoint now) const {
  out.clear();
  protocol::encode(to_publish(v, qos, retain, dup, packet_id, subscription_ids, topic_alias, send_topic, now),
                   v, out);
}

size_t Message::encoded_size(ProtocolVersion v, QoS qos, std::span<const uint32_t> subscription_ids,
                             uint16_t topic_alias, bool send_topic, TimePoint now) const {
  return protocol::encoded_size(
      to_publish(v, qos, false, false, 1, subscription_ids, topic_alias, send_topic, now), v);
}

}  // namespace pregon::session
