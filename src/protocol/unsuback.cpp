// UNSUBACK (3.1.1 section 3.11: packet identifier only; 5.0 section 3.11: plus properties and one
// reason code per topic filter).
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"
#include "protocol/reason_rules.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_unsuback(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  UnsubAck u;
  u.packet_id = r.u16();
  if (r.ok() && u.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "UNSUBACK packet identifier 0");
  }
  if (!is_v5(version)) return finish(r, std::move(u));
  read_properties(r, context_of(PacketType::UnsubAck), u.properties);
  while (r.ok() && !r.at_end()) {
    const auto code = static_cast<ReasonCode>(r.u8());
    if (!reason_allowed(PacketType::UnsubAck, code)) {
      return decode_error(ReasonCode::ProtocolError, "undefined UNSUBACK reason code");  // [MQTT-3.11.3-2]
    }
    u.reasons.push_back(code);
  }
  if (r.ok() && u.reasons.empty()) {
    return decode_error(ReasonCode::ProtocolError, "UNSUBACK without reason codes");
  }
  return finish(r, std::move(u));
}

void encode(const UnsubAck& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  write_packet(first_byte(PacketType::UnsubAck), out, [&](WireWriter& w) {
    w.u16(p.packet_id);
    if (!is_v5(version)) return;
    write_properties(w, p.properties, context_of(PacketType::UnsubAck));
    for (ReasonCode rc : p.reasons) w.u8(static_cast<uint8_t>(rc));
  });
}

}  // namespace pregon::protocol
