// CONNECT (3.1.1 section 3.1, 5.0 section 3.1, and MQTT 3.1's "MQIsdp" variant).
#include <string_view>

#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {
namespace {

constexpr uint8_t kReservedFlag = 0x01;
constexpr uint8_t kCleanStartFlag = 0x02;
constexpr uint8_t kWillFlag = 0x04;
constexpr uint8_t kWillRetainFlag = 0x20;
constexpr uint8_t kPasswordFlag = 0x40;
constexpr uint8_t kUserNameFlag = 0x80;
constexpr unsigned kWillQoSShift = 3;

constexpr std::string_view kNameV31 = "MQIsdp";
constexpr std::string_view kNameV311 = "MQTT";

std::string_view protocol_name(ProtocolVersion v) {
  return v == ProtocolVersion::V31 ? kNameV31 : kNameV311;
}

}  // namespace

DecodeResult<Packet> decode_connect(const Frame& frame) {
  WireReader r(frame.body);
  const std::string_view name = r.string();
  const uint8_t level = r.u8();
  if (!r.ok()) return r.failure();

  Connect c;
  if (name == kNameV311 && (level == 4 || level == 5)) {
    c.version = static_cast<ProtocolVersion>(level);
  } else if (name == kNameV31 && level == 3) {
    c.version = ProtocolVersion::V31;
  } else if (name == kNameV311 || name == kNameV31) {
    // 3.1.1: answer CONNACK 0x01 [MQTT-3.1.2-2]; 5.0: CONNACK 0x84 (3.1.2.2).
    return decode_error(ReasonCode::UnsupportedProtocolVersion, "unsupported protocol level");
  } else {
    // [MQTT-3.1.2-1]: not this protocol; the server may close without answering.
    return decode_error(ReasonCode::ProtocolError, "unknown protocol name");
  }
  const bool v5 = is_v5(c.version);

  const uint8_t flags = r.u8();
  c.keep_alive = r.u16();
  if (!r.ok()) return r.failure();
  if (flags & kReservedFlag) {
    return decode_error(ReasonCode::MalformedPacket, "CONNECT reserved flag set");  // [MQTT-3.1.2-3]
  }
  c.clean_start = (flags & kCleanStartFlag) != 0;
  const bool will = (flags & kWillFlag) != 0;
  const auto will_qos = static_cast<uint8_t>((flags >> kWillQoSShift) & 3u);
  const bool will_retain = (flags & kWillRetainFlag) != 0;
  const bool has_password = (flags & kPasswordFlag) != 0;
  const bool has_username = (flags & kUserNameFlag) != 0;
  if (!will && (will_qos != 0 || will_retain)) {
    // 5.0 [MQTT-3.1.2-11, MQTT-3.1.2-13]; 3.1.1 [MQTT-3.1.2-11, MQTT-3.1.2-13, MQTT-3.1.2-15]
    return decode_error(ReasonCode::MalformedPacket, "will QoS or retain without will flag");
  }
  if (will_qos == 3) {
    // 5.0 [MQTT-3.1.2-12]; 3.1.1 [MQTT-3.1.2-14]
    return decode_error(ReasonCode::MalformedPacket, "will QoS 3");
  }
  if (!v5 && has_password && !has_username) {
    // 3.1.1 [MQTT-3.1.2-22]; 5.0 lets a password come without a user name (3.1.2.9).
    return decode_error(ReasonCode::MalformedPacket, "password without user name");
  }

  if (v5) read_properties(r, context_of(PacketType::Connect), c.properties);
  c.client_id = r.string();  // [MQTT-3.1.3-3, MQTT-3.1.3-4]
  if (will) {
    Will w;
    w.qos = static_cast<QoS>(will_qos);
    w.retain = will_retain;
    if (v5) read_properties(r, kWillContext, w.properties);
    w.topic = r.string();  // [MQTT-3.1.3-11]
    w.payload = r.binary();
    if (r.ok() && (w.topic.empty() || has_wildcard(w.topic))) {
      r.fail(ReasonCode::TopicNameInvalid, "will topic is not a valid topic name");
    }
    c.will = w;
  }
  if (has_username) c.username = r.string();  // [MQTT-3.1.2-17, MQTT-3.1.3-12]
  if (has_password) c.password = r.binary();  // [MQTT-3.1.2-19]
  return finish(r, std::move(c));
}

void encode(const Connect& p, std::vector<uint8_t>& out) {
  const bool v5 = is_v5(p.version);
  uint8_t flags = 0;
  if (p.clean_start) flags |= kCleanStartFlag;
  if (p.will) {
    flags |= kWillFlag;
    flags |= static_cast<uint8_t>(static_cast<unsigned>(p.will->qos) << kWillQoSShift);
    if (p.will->retain) flags |= kWillRetainFlag;
  }
  if (p.password) flags |= kPasswordFlag;
  if (p.username) flags |= kUserNameFlag;
  write_packet(first_byte(PacketType::Connect), out, [&](WireWriter& w) {
    w.string(protocol_name(p.version));
    w.u8(static_cast<uint8_t>(p.version));
    w.u8(flags);
    w.u16(p.keep_alive);
    if (v5) write_properties(w, p.properties, context_of(PacketType::Connect));
    w.string(p.client_id);
    if (p.will) {
      if (v5) write_properties(w, p.will->properties, kWillContext);
      w.string(p.will->topic);
      w.binary(p.will->payload);
    }
    if (p.username) w.string(*p.username);
    if (p.password) w.binary(*p.password);
  });
}

}  // namespace pregon::protocol
