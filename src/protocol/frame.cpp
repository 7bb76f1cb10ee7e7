// Framing: cutting a byte stream into packets by their fixed header (section 2.1).
#include "protocol/codec.hpp"
#include "protocol/varint.hpp"
#include "protocol/wire_reader.hpp"

namespace pregon::protocol {

DecodeResult<std::optional<Frame>> read_frame(std::span<const uint8_t> data, uint32_t max_packet_size) {
  if (data.empty()) return std::optional<Frame>{};
  const uint8_t first = data[0];
  const auto type_bits = static_cast<uint8_t>(first >> 4);
  if (type_bits == 0) return decode_error(ReasonCode::MalformedPacket, "reserved packet type 0");

  uint32_t remaining = 0;
  size_t length_bytes = 0;
  switch (parse_varint(data.subspan(1), remaining, length_bytes)) {
    case VarintStatus::Ok:
      break;
    case VarintStatus::NeedMore:
      return std::optional<Frame>{};
    case VarintStatus::Malformed:
      // [MQTT-1.5.5-1]: over four bytes, or not the shortest encoding.
      return decode_error(ReasonCode::MalformedPacket, "remaining length malformed");
  }
  const size_t size = 1 + length_bytes + size_t{remaining};
  // Known as soon as the fixed header is in, before the body has been buffered (5.0 3.1.2.11.4).
  if (size > max_packet_size) return decode_error(ReasonCode::PacketTooLarge, "packet too large");
  if (data.size() < size) return std::optional<Frame>{};

  Frame f{static_cast<PacketType>(type_bits), static_cast<uint8_t>(first & 0x0F),
          data.subspan(1 + length_bytes, remaining), size};
  return std::optional<Frame>{f};
}

DecodeResult<Packet> decode_packet(std::span<const uint8_t> data, ProtocolVersion version) {
  auto frame = read_frame(data, kMaxVariableByteInteger + 5);
  if (!frame) return base::unexpected(frame.error());
  if (!frame->has_value()) return decode_error(ReasonCode::MalformedPacket, "packet incomplete");
  if ((*frame)->size != data.size()) {
    return decode_error(ReasonCode::MalformedPacket, "bytes after the end of the packet");
  }
  return decode(**frame, version);
}

}  // namespace pregon::protocol
