#include "broker/stored_records.hpp"

namespace pregon::broker {

using protocol::QoS;

ClockPair ClockPair::now() {
  return {session::Clock::now(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()};
}

storage::StoredMessage to_stored(const session::Message& m, const ClockPair& now) {
  storage::StoredMessage s;
  s.topic = std::string(m.topic());
  s.payload.assign(m.payload().begin(), m.payload().end());
  s.qos = static_cast<uint8_t>(m.qos());
  s.retain = m.retain();
  const auto& p = m.properties();
  s.payload_format_indicator = p.payload_format_indicator;
  s.content_type = p.content_type;
  s.response_topic = p.response_topic;
  s.correlation_data = p.correlation_data;
  for (const auto& [name, value] : p.user_properties) s.user_properties.push_back({name, value});
  if (const auto& deadline = m.expiry_deadline()) {
    s.expires_at_unix_ms =
        now.wall_unix_ms + std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now.steady).count();
  }
  return s;
}

session::MessagePtr from_stored(const storage::StoredMessage& s, const ClockPair& now) {
  std::optional<uint32_t> interval;
  if (s.expires_at_unix_ms) {
    const int64_t left_ms = *s.expires_at_unix_ms - now.wall_unix_ms;
    if (left_ms <= 0) return nullptr;
    interval = static_cast<uint32_t>((left_ms + 999) / 1000);  // what is left, rounded up
  }
  session::MessageProperties props;
  props.payload_format_indicator = s.payload_format_indicator;
  props.content_type = s.content_type;
  props.response_topic = s.response_topic;
  props.correlation_data = s.correlation_data;
  for (const auto& up : s.user_properties) props.user_properties.emplace_back(up.name, up.value);
  return session::Message::make(s.topic, s.payload, static_cast<QoS>(std::min<uint8_t>(s.qos, 2)), s.retain,
                                std::move(props), interval, 0, now.steady);
}

storage::StoredSubscription to_stored(std::string_view filter, const session::Subscription& sub) {
  const auto& o = sub.options;
  const auto options = static_cast<uint8_t>(static_cast<uint8_t>(o.max_qos) | (o.no_local ? 0x04 : 0) |
                                            (o.retain_as_published ? 0x08 : 0) |
                                            (static_cast<uint8_t>(o.retain_handling) << 4));
  return {std::string(filter), options, sub.subscription_id};
}

session::Subscription from_stored(const storage::StoredSubscription& s) {
  session::Subscription sub;
  sub.options.max_qos = static_cast<QoS>(std::min<uint8_t>(s.max_qos(), 2));
  sub.options.no_local = s.no_local();
  sub.options.retain_as_published = s.retain_as_published();
  sub.options.retain_handling = static_cast<protocol::RetainHandling>(std::min<uint8_t>(s.retain_handling(), 2));
  sub.subscription_id = s.subscription_identifier;
  return sub;
}

storage::StoredDelivery to_stored(const session::Delivery& d, uint64_t message_id) {
  storage::StoredDelivery s;
  s.message_id = message_id;
  s.qos = static_cast<uint8_t>(d.qos);
  s.retain = d.retain;
  s.subscription_identifiers = d.subscription_ids;
  if (d.shared) s.shared = storage::StoredSharedTarget{d.shared->group, d.shared->filter};
  return s;
}

session::Delivery from_stored(const storage::StoredDelivery& s) {
  session::Delivery d;
  d.qos = static_cast<QoS>(std::min<uint8_t>(s.qos, 2));
  d.retain = s.retain;
  d.subscription_ids = s.subscription_identifiers;
  if (s.shared) {
    d.shared = std::make_unique<const session::SharedOrigin>(session::SharedOrigin{s.shared->group, s.shared->filter});
  }
  return d;
}

}  // namespace pregon::broker
