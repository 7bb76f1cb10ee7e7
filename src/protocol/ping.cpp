// PINGREQ and PINGRESP (section 3.12, 3.13): a fixed header and nothing else, in every version.
#include "protocol/packet_decoders.hpp"
#include "protocol/wire_writer.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_ping(const Frame& frame) {
  WireReader r(frame.body);
  if (frame.type == PacketType::PingReq) return finish(r, PingReq{});
  return finish(r, PingResp{});
}

void encode(const PingReq&, ProtocolVersion, std::vector<uint8_t>& out) {
  out.push_back(first_byte(PacketType::PingReq));
  out.push_back(0);
}

void encode(const PingResp&, ProtocolVersion, std::vector<uint8_t>& out) {
  out.push_back(first_byte(PacketType::PingResp));
  out.push_back(0);
}

}  // namespace pregon::protocol
