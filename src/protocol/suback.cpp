// SUBACK (3.1.1 section 3.9, 5.0 section 3.9): one reason code per topic filter, in order.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"
#include "protocol/reason_rules.hpp"

namespace pregon::protocol {
namespace {

// 3.1.1 return codes: granted QoS 0-2, or 0x80 failure (3.1.1 section 3.9.3).
bool allowed_v3(uint8_t code) { return code <= 2 || code == kSubAckFailureV3; }

}  // namespace

DecodeResult<Packet> decode_suback(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  SubAck s;
  s.packet_id = r.u16();
  if (r.ok() && s.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "SUBACK packet identifier 0");
  }
  const bool v5 = is_v5(version);
  if (v5) read_properties(r, context_of(PacketType::SubAck), s.properties);
  while (r.ok() && !r.at_end()) {
    const uint8_t code = r.u8();
    const bool allowed = v5 ? reason_allowed(PacketType::SubAck, static_cast<ReasonCode>(code))
                            : allowed_v3(code);
    if (!allowed) {
      return decode_error(ReasonCode::ProtocolError, "undefined SUBACK reason code");  // [MQTT-3.9.3-2]
    }
    s.reasons.push_back(static_cast<ReasonCode>(code));
  }
  if (r.ok() && s.reasons.empty()) {
    return decode_error(ReasonCode::ProtocolError, "SUBACK without reason codes");  // [MQTT-3.8.4-6]
  }
  return finish(r, std::move(s));
}

void encode(const SubAck& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  const bool v5 = is_v5(version);
  write_packet(first_byte(PacketType::SubAck), out, [&](WireWriter& w) {
    w.u16(p.packet_id);
    if (v5) write_properties(w, p.properties, context_of(PacketType::SubAck));
    for (ReasonCode rc : p.reasons) {
      // Before 5.0 every failure is reported as 0x80.
      w.u8(!v5 && is_error(rc) ? kSubAckFailureV3 : static_cast<uint8_t>(rc));
    }
  });
}

}  // namespace pregon::protocol
