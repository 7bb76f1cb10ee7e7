// decode() and encode_packet(): dispatch on the packet type, and the fixed-header flag rules that
// are the same for every version (5.0 section 2.1.3, 3.1.1 section 2.2.2).
#include <variant>

#include "protocol/codec.hpp"
#include "protocol/packet_decoders.hpp"

namespace pregon::protocol {
namespace {

// The flags each packet type must carry; PUBLISH has its own (DUP, QoS, RETAIN).
uint8_t required_flags(PacketType t) {
  switch (t) {
    case PacketType::PubRel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return 0x02;
    default:
      return 0x00;
  }
}

bool flags_valid(const Frame& frame, ProtocolVersion version) {
  const uint8_t required = required_flags(frame.type);
  // MQTT 3.1 sent PUBREL, SUBSCRIBE and UNSUBSCRIBE as QoS 1 messages and set DUP on a resend, so
  // accept the DUP bit there for 3.1 clients.
  if (version == ProtocolVersion::V31 && required == 0x02) return (frame.flags & 0x07) == required;
  return frame.flags == required;
}

base::Unexpected<DecodeError> flags_error() {
  // 5.0 [MQTT-2.1.3-1]; 3.1.1 [MQTT-2.2.2-1, MQTT-2.2.2-2]
  return decode_error(ReasonCode::MalformedPacket, "invalid fixed header flags");
}

}  // namespace

DecodeResult<FlowPacket> decode_flow_packet(const Frame& frame, ProtocolVersion version) {
  if (!flags_valid(frame, version)) return flags_error();
  return decode_flow_fields(frame, version);
}

DecodeResult<Packet> decode(const Frame& frame, ProtocolVersion version) {
  if (frame.type == PacketType::Publish) return decode_publish(frame, version);
  // A CONNECT speaks for its own version; its flags are checked against the 3.1.1/5.0 rule.
  const ProtocolVersion flag_version = frame.type == PacketType::Connect ? ProtocolVersion::V5 : version;
  if (!flags_valid(frame, flag_version)) return flags_error();
  switch (frame.type) {
    case PacketType::Connect: return decode_connect(frame);
    case PacketType::ConnAck: return decode_connack(frame, version);
    case PacketType::PubAck:
    case PacketType::PubRec:
    case PacketType::PubRel:
    case PacketType::PubComp: return decode_publish_response(frame, version);
    case PacketType::Subscribe: return decode_subscribe(frame, version);
    case PacketType::SubAck: return decode_suback(frame, version);
    case PacketType::Unsubscribe: return decode_unsubscribe(frame, version);
    case PacketType::UnsubAck: return decode_unsuback(frame, version);
    case PacketType::PingReq:
    case PacketType::PingResp: return decode_ping(frame);
    case PacketType::Disconnect: return decode_disconnect(frame, version);
    case PacketType::Auth: return decode_auth(frame, version);
    case PacketType::Publish: break;
  }
  return decode_error(ReasonCode::MalformedPacket, "reserved packet type");
}

void encode_packet(const Packet& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  std::visit(
      [&](const auto& packet) {
        using T = std::decay_t<decltype(packet)>;
        if constexpr (std::is_same_v<T, Connect>) {
          encode(packet, out);
        } else {
          (void)encode(packet, version, out);
        }
      },
      p);
}

}  // namespace pregon::protocol
