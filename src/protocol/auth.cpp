// AUTH (5.0 section 3.15; packet type 15 is reserved before 5.0). Reason code and properties are
// left out when the reason is Success and there are no properties.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_auth(const Frame& frame, ProtocolVersion version) {
  if (!is_v5(version)) return decode_error(ReasonCode::MalformedPacket, "reserved packet type 15");
  WireReader r(frame.body);
  Auth a;
  read_reason_and_properties(r, PacketType::Auth, a.reason, a.properties);
  return finish(r, std::move(a));
}

// AUTH exists only in 5.0; it is written in the 5.0 form whatever `version` says.
void encode(const Auth& p, ProtocolVersion, std::vector<uint8_t>& out) {
  write_packet(first_byte(PacketType::Auth), out, [&](WireWriter& w) {
    write_reason_and_properties(w, PacketType::Auth, p.reason, p.properties);
  });
}

}  // namespace pregon::protocol
