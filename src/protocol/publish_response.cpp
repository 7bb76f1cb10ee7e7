// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4-3.7): a packet identifier and, in 5.0, an
// optional reason code and properties. Remaining length 2 means Success and no properties.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {
namespace {

// The body the four share. With `props` null the properties are checked and dropped (and nothing
// is built for them when there are none, as in nearly every acknowledgement).
DecodeResult<void> read_body(const Frame& frame, ProtocolVersion version, FlowPacket& out, Properties* props) {
  WireReader r(frame.body);
  out.type = frame.type;
  out.packet_id = r.u16();
  if (r.ok() && out.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "packet identifier 0");  // [MQTT-2.2.1-3]
  }
  out.reason = ReasonCode::Success;
  if (is_v5(version) && r.ok() && !r.at_end()) {
    if (props != nullptr) {
      read_reason_and_properties(r, frame.type, out.reason, *props);
    } else {
      Properties dropped;
      read_reason_and_properties(r, frame.type, out.reason, dropped);
    }
  }
  if (r.ok() && !r.at_end()) r.fail(ReasonCode::MalformedPacket, "bytes after the end of the packet");
  if (!r.ok()) return r.failure();
  return {};
}

template <PacketType kType>
DecodeResult<Packet> decode_response(const Frame& frame, ProtocolVersion version) {
  PublishResponse<kType> p;
  FlowPacket fields;
  if (auto body = read_body(frame, version, fields, &p.properties); !body) return base::unexpected(body.error());
  p.packet_id = fields.packet_id;
  p.reason = fields.reason;
  return Packet{std::move(p)};
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

DecodeResult<FlowPacket> decode_flow_fields(const Frame& frame, ProtocolVersion version) {
  FlowPacket fields;
  if (auto body = read_body(frame, version, fields, nullptr); !body) return base::unexpected(body.error());
  return fields;
}

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
