// SUBSCRIBE (3.1.1 section 3.8, 5.0 section 3.8). Topic filters are checked for UTF-8 only; their
// syntax (wildcard placement, shared subscriptions, No Local on shared) is routing's to judge, so a
// bad filter fails one subscription rather than the connection.
#include "protocol/packet_decoders.hpp"
#include "protocol/properties_codec.hpp"

namespace pregon::protocol {
namespace {

constexpr uint8_t kQoSMask = 0x03;
constexpr uint8_t kNoLocal = 0x04;
constexpr uint8_t kRetainAsPublished = 0x08;
constexpr unsigned kRetainHandlingShift = 4;
constexpr uint8_t kReservedV5 = 0xC0;
constexpr uint8_t kReservedV3 = 0xFC;

}  // namespace

DecodeResult<Packet> decode_subscribe(const Frame& frame, ProtocolVersion version) {
  WireReader r(frame.body);
  Subscribe s;
  s.packet_id = r.u16();
  if (r.ok() && s.packet_id == 0) {
    return decode_error(ReasonCode::ProtocolError, "SUBSCRIBE packet identifier 0");  // [MQTT-2.2.1-3]
  }
  const bool v5 = is_v5(version);
  if (v5) read_properties(r, context_of(PacketType::Subscribe), s.properties);
  while (r.ok() && !r.at_end()) {
    TopicSubscription sub;
    sub.filter = r.string();  // [MQTT-3.8.3-1]
    const uint8_t options = r.u8();
    if (!r.ok()) break;
    const uint8_t qos = options & kQoSMask;
    if (v5) {
      if (options & kReservedV5) {
        return decode_error(ReasonCode::MalformedPacket, "subscription options reserved bits");  // [MQTT-3.8.3-5]
      }
      const auto retain_handling = static_cast<uint8_t>(options >> kRetainHandlingShift);
      // "It is a Protocol Error if the Maximum QoS field has the value 3" and "It is a Protocol
      // Error to send a Retain Handling value of 3" (3.8.3.1).
      if (qos == 3) return decode_error(ReasonCode::ProtocolError, "subscription QoS 3");
      if (retain_handling == 3) return decode_error(ReasonCode::ProtocolError, "retain handling 3");
      sub.options.no_local = (options & kNoLocal) != 0;
      sub.options.retain_as_published = (options & kRetainAsPublished) != 0;
      sub.options.retain_handling = static_cast<RetainHandling>(retain_handling);
    } else if ((options & kReservedV3) || qos == 3) {
      // 3.1.1 [MQTT-3.8.3-4]: reserved bits set or QoS not 0, 1 or 2 is malformed.
      return decode_error(ReasonCode::MalformedPacket, "requested QoS byte invalid");
    }
    sub.options.max_qos = static_cast<QoS>(qos);
    s.subscriptions.push_back(sub);
  }
  if (r.ok() && s.subscriptions.empty()) {
    // 5.0 [MQTT-3.8.3-2]; 3.1.1 [MQTT-3.8.3-3]
    return decode_error(ReasonCode::ProtocolError, "SUBSCRIBE without topic filters");
  }
  return finish(r, std::move(s));
}

void encode(const Subscribe& p, ProtocolVersion version, std::vector<uint8_t>& out) {
  const bool v5 = is_v5(version);
  // Flags 0b0010 [MQTT-3.8.1-1].
  write_packet(first_byte(PacketType::Subscribe, 0x02), out, [&](WireWriter& w) {
    w.u16(p.packet_id);
    if (v5) write_properties(w, p.properties, context_of(PacketType::Subscribe));
    for (const TopicSubscription& sub : p.subscriptions) {
      w.string(sub.filter);
      auto options = static_cast<uint8_t>(sub.options.max_qos);
      if (v5) {
        if (sub.options.no_local) options |= kNoLocal;
        if (sub.options.retain_as_published) options |= kRetainAsPublished;
        options |= static_cast<uint8_t>(static_cast<unsigned>(sub.options.retain_handling)
                                        << kRetainHandlingShift);
      }
      w.u8(options);
    }
  });
}

}  // namespace pregon::protocol
