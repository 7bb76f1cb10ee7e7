// DISCONNECT (3.1.1 section 3.14: no content; 5.0 section 3.14: reason code and properties, both
// left out when the reason is Normal disconnection and there are no properties).
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_disconnect(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  Disconnect d;
  if (is_v5(version)) read_reason_and_properties(r, PacketType::Disconnect, d.reason, d.properties);
  return finish(r, std::move(d));
}

void encode(const Disconnect& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  write_packet(first_byte(PacketType::Disconnect), out, [&](WireWriter& w) {
    if (is_v5(version)) write_reason_and_properties(w, PacketType::Disconnect, p.reason, p.properties);
  });
}

}  // namespace pregon::protocol
