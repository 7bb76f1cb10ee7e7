// Framing, decoding and encoding of MQTT packets. Pure: no I/O, clock, logging or globals.
//
// A byte stream is cut into frames with read_frame(); each frame is decoded with decode(). Every
// failure is a DecodeError carrying the reason code the spec assigns to it (MalformedPacket,
// ProtocolError, UnsupportedProtocolVersion, PacketTooLarge, TopicNameInvalid, ...), so the caller
// can answer on the wire without further interpretation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/expected.hpp"
#include "protocol/packets.hpp"

namespace pregon::protocol {

struct DecodeError {
  ReasonCode code = ReasonCode::MalformedPacket;
  std::string_view what;  // static text for logs and reason strings, e.g. "remaining length too long"
};

template <class T>
using DecodeResult = base::Expected<T, DecodeError>;

struct Frame {
  PacketType type;
  uint8_t flags;                 // low nibble of the first byte
  std::span<const uint8_t> body; // variable header and payload (remaining length bytes)
  size_t size;                   // bytes of the whole packet, fixed header included
};

// The largest value a variable byte integer can hold, and so the largest remaining length.
inline constexpr uint32_t kMaxVariableByteInteger = 268'435'455;

// Looks at the start of `data`: a Frame when a whole packet is there, std::nullopt when more bytes
// are needed, an error when the fixed header is malformed (type 0, remaining length over four bytes
// or not minimally encoded) or the packet would exceed `max_packet_size` (PacketTooLarge).
// Flag bits are not checked here; decode() does it per packet type.
DecodeResult<std::optional<Frame>> read_frame(std::span<const uint8_t> data, uint32_t max_packet_size);

// Decodes a frame for a connection speaking `version`. A CONNECT carries its own version, and
// `version` is ignored for it. Checks reserved flag bits, lengths, UTF-8 rules, property identifiers,
// types, duplicates and the packets each property is allowed in, and value ranges.
DecodeResult<Packet> decode(const Frame& frame, ProtocolVersion version);

// decode() for a PUBLISH frame, into `out`: every field is overwritten, so the hot path reuses one
// object and builds no Packet per message. `out` may hold only the properties a PUBLISH carries
// (as it does after any earlier call); its views point into `frame` as decode()'s do.
DecodeResult<void> decode_publish(const Frame& frame, ProtocolVersion version, Publish& out);

// decode() for a PUBACK, PUBREC, PUBREL or PUBCOMP frame (precondition: is_flow_packet), with
// every check decode() makes, but without building a Packet: the 5.0 properties (a reason string
// and user properties, which change nothing in the flow) are checked and not kept.
DecodeResult<FlowPacket> decode_flow_packet(const Frame& frame, ProtocolVersion version);

// Decodes one whole packet held in `data` (framing and decoding in one step; for tests and tools).
DecodeResult<Packet> decode_packet(std::span<const uint8_t> data, ProtocolVersion version);

// Appends the encoding of a packet for `version`. 5.0-only fields are left out for older versions.
void encode(const Connect& p, std::vector<uint8_t>& out);  // uses p.version
void encode(const ConnAck& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PubAck& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PubRec& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PubRel& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PubComp& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const Subscribe& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const SubAck& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const Unsubscribe& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const UnsubAck& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PingReq& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const PingResp& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const Disconnect& p, ProtocolVersion version, std::vector<uint8_t>& out);
void encode(const Auth& p, ProtocolVersion version, std::vector<uint8_t>& out);

// Where the per-receiver fields of an encoded PUBLISH sit, so that one encoding can be shared by
// many receivers and patched on the way out (the first byte for DUP, the packet identifier).
struct PublishLayout {
  size_t packet_id_offset = 0;  // from the start of the packet; 0 for QoS 0 (no identifier)
};
PublishLayout encode(const Publish& p, ProtocolVersion version, std::vector<uint8_t>& out);

// Encodes any packet (CONNECT uses its own version).
void encode_packet(const Packet& p, ProtocolVersion version, std::vector<uint8_t>& out);

// Size in bytes of the encoding of `p`, without producing it.
size_t encoded_size(const Publish& p, ProtocolVersion version);

}  // namespace pregon::protocol
