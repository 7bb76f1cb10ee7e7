// The per-packet decoders behind decode(), one per packet file. Internal to the protocol layer.
// Each gets a frame whose fixed-header flags decode() has already checked (except PUBLISH, whose
// flags carry DUP, QoS and RETAIN) and checks everything else, including that no bytes are left.
#pragma once

#include <string_view>
#include <utility>

#include "protocol/codec.hpp"
#include "protocol/topic_name.hpp"
#include "protocol/wire_reader.hpp"

namespace pregon::protocol {

DecodeResult<Packet> decode_connect(const Frame& frame);
DecodeResult<Packet> decode_connack(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_publish(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_publish_response(const Frame& frame, ProtocolVersion version);
DecodeResult<FlowPacket> decode_flow_fields(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_subscribe(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_suback(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_unsubscribe(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_unsuback(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_ping(const Frame& frame);
DecodeResult<Packet> decode_disconnect(const Frame& frame, ProtocolVersion version);
DecodeResult<Packet> decode_auth(const Frame& frame, ProtocolVersion version);

// A packet whose content is fully read must not carry more bytes.
inline DecodeResult<Packet> finish(WireReader& r, Packet&& packet) {
  if (r.ok() && !r.at_end()) r.fail(ReasonCode::MalformedPacket, "bytes after the end of the packet");
  if (!r.ok()) return r.failure();
  return std::move(packet);
}

}  // namespace pregon::protocol
