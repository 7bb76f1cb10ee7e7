// UNSUBSCRIBE (3.1.1 section 3.10, 5.0 section 3.10).
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_unsubscribe(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  Unsubscribe u;
  u.packet_id = r.u16();
  if (r.ok() && u.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "UNSUBSCRIBE packet identifier 0");  // [MQTT-2.2.1-3]
  }
  if (is_v5(version)) read_properties(r, context_of(PacketType::Unsubscribe), u.properties);
  while (r.ok() && !r.at_end()) {
    const std::string_view filter = r.string();  // [MQTT-3.10.3-1]
    if (r.ok()) u.filters.push_back(filter);
  }
  if (r.ok() && u.filters.empty()) {
    // 5.0 [MQTT-3.10.3-2]; 3.1.1 [MQTT-3.10.3-2]
    return decode_error(ReasonCode::ProtocolError, "UNSUBSCRIBE without topic filters");
  }
  return finish(r, std::move(u));
}

void encode(const Unsubscribe& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  // Flags 0b0010 [MQTT-3.10.1-1].
  write_packet(first_byte(PacketType::Unsubscribe, 0x02), out, [&](WireWriter& w) {
    w.u16(p.packet_id);
    if (is_v5(version)) write_properties(w, p.properties, context_of(PacketType::Unsubscribe));
    for (std::string_view filter : p.filters) w.string(filter);
  });
}

}  // namespace pregon::protocol
