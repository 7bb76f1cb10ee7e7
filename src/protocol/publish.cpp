// PUBLISH (3.1.1 section 3.3, 5.0 section 3.3). The decode path allocates nothing unless the packet
// carries User Properties or Subscription Identifiers: topic, properties and payload are views.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {
namespace {

constexpr uint8_t kRetainFlag = 0x01;
constexpr uint8_t kDupFlag = 0x08;
constexpr unsigned kQoSShift = 1;

void write_body(const Publish& p, ProtocolVersion version, WireWriter& w) {
  w.string(p.topic);
  if (p.qos != QoS::AtMostOnce) w.u16(p.packet_id);
  if (is_v5(version)) write_properties(w, p.properties, context_of(PacketType::Publish));
  w.bytes(p.payload);
}

// The properties a PUBLISH may carry (3.3.2.3): the only ones read_properties() sets for it.
void clear_publish_properties(Properties& p) {
  p.payload_format_indicator.reset();
  p.message_expiry_interval.reset();
  p.topic_alias.reset();
  p.response_topic.reset();
  p.correlation_data.reset();
  p.user_properties.clear();
  p.subscription_identifiers.clear();
  p.content_type.reset();
}

}  // namespace

DecodeResult<void> decode_publish(const Frame& frame, ProtocolVersion version, Publish& p) {
  clear_publish_properties(p.properties);
  p.packet_id = 0;
  const auto qos = static_cast<uint8_t>((frame.flags >> kQoSShift) & 3u);
  if (qos == 3) return decode_error(ReasonCode::MalformedPacket, "PUBLISH QoS 3");  // [MQTT-3.3.1-4]
  p.qos = static_cast<QoS>(qos);
  p.dup = (frame.flags & kDupFlag) != 0;
  p.retain = (frame.flags & kRetainFlag) != 0;
  if (p.dup && p.qos == QoS::AtMostOnce) {
    return decode_error(ReasonCode::MalformedPacket, "DUP set on a QoS 0 PUBLISH");  // [MQTT-3.3.1-2]
  }

  WireReader r(frame.body);
  p.topic = r.string();  // [MQTT-3.3.2-1]
  if (p.qos != QoS::AtMostOnce) {
    p.packet_id = r.u16();
    if (r.ok() && p.packet_id == 0) {
      return decode_error(ReasonCode::ProtocolError, "PUBLISH packet identifier 0");  // [MQTT-2.2.1-3]
    }
  }
  const bool v5 = is_v5(version);
  if (v5) read_properties(r, context_of(PacketType::Publish), p.properties);
  if (!r.ok()) return r.failure();
  p.payload = r.rest();

  if (has_wildcard(p.topic)) {
    return decode_error(ReasonCode::TopicNameInvalid, "wildcard in topic name");  // [MQTT-3.3.2-2]
  }
  if (p.topic.empty()) {
    // 5.0 allows an empty topic with a Topic Alias, which the receiver resolves (3.3.2.3.4);
    // before 5.0 every topic has at least one character [MQTT-4.7.3-1].
    if (!v5) return decode_error(ReasonCode::TopicNameInvalid, "empty topic name");
    if (!p.properties.topic_alias) {
      return decode_error(ReasonCode::ProtocolError, "empty topic name without topic alias");
    }
  }
  return {};
}

DecodeResult<Packet> decode_publish(const Frame& frame, ProtocolVersion version) {
  Publish p;
  if (auto decoded = decode_publish(frame, version, p); !decoded) return base::unexpected(decoded.error());
  return Packet{std::move(p)};
}

PublishLayout encode(const Publish& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  uint8_t flags = static_cast<uint8_t>(static_cast<unsigned>(p.qos) << kQoSShift);
  if (p.dup) flags |= kDupFlag;
  if (p.retain) flags |= kRetainFlag;
  const size_t header = write_packet(first_byte(PacketType::Publish, flags), out,
                                     [&](WireWriter& w) { write_body(p, version, w); });
  PublishLayout layout;
  if (p.qos != QoS::AtMostOnce) layout.packet_id_offset = header + 2 + p.topic.size();
  return layout;
}

size_t encoded_size(const Publish& p, ProtocolVersion version) {
  WireWriter counter;
  write_body(p, version, counter);
  return packet_size(counter.size());
}

}  // namespace pregon::protocol
