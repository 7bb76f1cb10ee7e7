// Protocol versions and packet types. Pure data.
#pragma once

#include <cstdint>

namespace pregon::protocol {

// The protocol level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0.
enum class ProtocolVersion : uint8_t { V31 = 3, V311 = 4, V5 = 5 };

inline bool is_v5(ProtocolVersion v) { return v == ProtocolVersion::V5; }

enum class PacketType : uint8_t {
  Connect = 1,
  ConnAck = 2,
  Publish = 3,
  PubAck = 4,
  PubRec = 5,
  PubRel = 6,
  PubComp = 7,
  Subscribe = 8,
  SubAck = 9,
  Unsubscribe = 10,
  UnsubAck = 11,
  PingReq = 12,
  PingResp = 13,
  Disconnect = 14,
  Auth = 15,
};

enum class QoS : uint8_t { AtMostOnce = 0, AtLeastOnce = 1, ExactlyOnce = 2 };

}  // namespace pregon::protocol
