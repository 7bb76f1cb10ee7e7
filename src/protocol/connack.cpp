// CONNACK (3.1.1 section 3.2, 5.0 section 3.2; in 3.1 the first byte is unused).
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"
#include "protocol/reason_rules.hpp"

namespace pregon::protocol {
namespace {
constexpr uint8_t kSessionPresent = 0x01;
}  // namespace

DecodeResult<Packet> decode_connack(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  const uint8_t ack_flags = r.u8();
  const uint8_t code = r.u8();
  if (!r.ok()) return r.failure();
  ConnAck c;
  if (version != ProtocolVersion::V31) {
    if (ack_flags & ~kSessionPresent) {
      return decode_error(ReasonCode::MalformedPacket, "CONNACK reserved flags set");  // [MQTT-3.2.2-1]
    }
    c.session_present = (ack_flags & kSessionPresent) != 0;
  }
  if (is_v5(version)) {
    c.reason = static_cast<ReasonCode>(code);
    if (!reason_allowed(PacketType::ConnAck, c.reason)) {
      return decode_error(ReasonCode::ProtocolError, "undefined CONNACK reason code");  // [MQTT-3.2.2-8]
    }
    read_properties(r, context_of(PacketType::ConnAck), c.properties);
  } else {
    if (code > static_cast<uint8_t>(ConnectReturnCode::NotAuthorized)) {
      return decode_error(ReasonCode::ProtocolError, "undefined CONNACK return code");
    }
    c.reason = from_connect_return_code(static_cast<ConnectReturnCode>(code));
  }
  if (c.session_present && c.reason != ReasonCode::Success) {
    // 5.0 [MQTT-3.2.2-6]; 3.1.1 [MQTT-3.2.2-4]
    return decode_error(ReasonCode::ProtocolError, "session present on a refused connection");
  }
  return finish(r, std::move(c));
}

void encode(const ConnAck& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  write_packet(first_byte(PacketType::ConnAck), out, [&](WireWriter& w) {
    const bool session_present = p.session_present && version != ProtocolVersion::V31;
    w.u8(session_present ? kSessionPresent : 0);
    if (is_v5(version)) {
      w.u8(static_cast<uint8_t>(p.reason));
      write_properties(w, p.properties, context_of(PacketType::ConnAck));
    } else {
      w.u8(static_cast<uint8_t>(to_connect_return_code(p.reason)));
    }
  });
}

}  // namespace pregon::protocol
