#include "protocol/reason_rules.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>

namespace pregon::protocol {
namespace {

// One 256-bit set of allowed codes per packet type, built at compile time from the spec's lists.
struct CodeSet {
  std::array<uint64_t, 4> bits{};
  constexpr CodeSet(std::initializer_list<uint8_t> codes) {
    for (uint8_t c : codes) bits[c >> 6] |= uint64_t{1} << (c & 63);
  }
  constexpr bool has(uint8_t c) const { return (bits[c >> 6] >> (c & 63)) & 1u; }
};

constexpr CodeSet kConnAck{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                           0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr CodeSet kPubAckPubRec{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr CodeSet kPubRelPubComp{0x00, 0x92};
constexpr CodeSet kSubAck{0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr CodeSet kUnsubAck{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr CodeSet kDisconnect{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                              0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                              0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr CodeSet kAuth{0x00, 0x18, 0x19};

}  // namespace

bool reason_allowed(PacketType type, ReasonCode rc) {
  const auto c = static_cast<uint8_t>(rc);
  switch (type) {
    case PacketType::ConnAck: return kConnAck.has(c);
    case PacketType::PubAck:
    case PacketType::PubRec: return kPubAckPubRec.has(c);
    case PacketType::PubRel:
    case PacketType::PubComp: return kPubRelPubComp.has(c);
    case PacketType::SubAck: return kSubAck.has(c);
    case PacketType::UnsubAck: return kUnsubAck.has(c);
    case PacketType::Disconnect: return kDisconnect.has(c);
    case PacketType::Auth: return kAuth.has(c);
    default: return false;
  }
}

}  // namespace pregon::protocol
