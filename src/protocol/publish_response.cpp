// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4-3.7): a packet identifier and, in 5.0, an
// optional reason code and properties. Remaining length 2 means Success and no properties.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {
namespace {

template <PacketType kType>
DecodeResult<Packet> decode_response(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  PublishResponse<kType> p;
  p.packet_id = r.u16();
  if (r.ok() && p.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "packet identifier 0");  // [MQTT-2.2.1-3]
  }
  if (is_v5(version)) read_reason_and_properties(r, kType, p.reason, p.properties);
  return finish(r, std::move(p));
}

template <PacketType kType>
void encode_response(const PublishResponse<kType>& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  // PUBREL carries flags 0b0010 [MQTT-3.6.1-1]; the others 0.
  const uint8_t flags = kType == PacketType::PubRel ? 0x02 : 0x00;
  write_packet(first_byte(kType, flags), out, [&](WireWriter& w) {
    w.u16(p.packet_id);
    if (is_v5(version)) write_reason_and_properties(w, kType, p.reason, p.properties);
  });
}

}  // namespace

DecodeResult<Packet> decode_publish_response(const Frame& frame, ProtocolVersion version) {
  switch (frame.type) {
    case PacketType::PubAck: return decode_response<PacketType::PubAck>(frame, version);
    case PacketType::PubRec: return decode_response<PacketType::PubRec>(frame, version);
    case PacketType::PubRel: return decode_response<PacketType::PubRel>(frame, version);
    default: return decode_response<PacketType::PubComp>(frame, version);
  }
}

void encode(const PubAck& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  encode_response(p, version, out);
}
void encode(const PubRec& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  encode_response(p, version, out);
}
void encode(const PubRel& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  encode_response(p, version, out);
}
void encode(const PubComp& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  encode_response(p, version, out);
}

}  // namespace pregon::protocol
