// The fifteen MQTT control packets as plain structs, one shape for all protocol versions: fields
// that a version lacks are ignored when encoding for it and left at their defaults when decoding.
//
// Views inside a decoded packet point into the bytes it was decoded from (see properties.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"
#include "protocol/version.hpp"

namespace pregon::protocol {

struct Will {
  std::string_view topic;
  Binary payload;
  QoS qos = QoS::AtMostOnce;
  bool retain = false;
  Properties properties;  // 5.0 will properties
};

struct Connect {
  ProtocolVersion version = ProtocolVersion::V311;
  bool clean_start = true;  // "clean session" before 5.0
  uint16_t keep_alive = 0;
  std::string_view client_id;
  std::optional<Will> will;
  std::optional<std::string_view> username;
  std::optional<Binary> password;
  Properties properties;
};

struct ConnAck {
  bool session_present = false;
  // 3.1/3.1.1 return codes travel as their 5.0 equivalents (see to_connect_return_code).
  ReasonCode reason = ReasonCode::Success;
  Properties properties;
};

struct Publish {
  bool dup = false;
  QoS qos = QoS::AtMostOnce;
  bool retain = false;
  std::string_view topic;
  uint16_t packet_id = 0;  // only for QoS 1 and 2
  Properties properties;
  Binary payload;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
template <PacketType kType>
struct PublishResponse {
  static constexpr PacketType type = kType;
  uint16_t packet_id = 0;
  ReasonCode reason = ReasonCode::Success;
  Properties properties;
};
using PubAck = PublishResponse<PacketType::PubAck>;
using PubRec = PublishResponse<PacketType::PubRec>;
using PubRel = PublishResponse<PacketType::PubRel>;
using PubComp = PublishResponse<PacketType::PubComp>;

// PUBACK, PUBREC, PUBREL and PUBCOMP: the steps of the QoS 1/2 flows.
constexpr bool is_flow_packet(PacketType t) {
  return t == PacketType::PubAck || t == PacketType::PubRec || t == PacketType::PubRel || t == PacketType::PubComp;
}

// What a receiver acts on in any of those four: decode_flow_packet() yields it without the
// properties, which change nothing in a flow.
struct FlowPacket {
  PacketType type = PacketType::PubAck;
  uint16_t packet_id = 0;
  ReasonCode reason = ReasonCode::Success;
};

enum class RetainHandling : uint8_t { SendOnSubscribe = 0, SendIfNewSubscription = 1, DoNotSend = 2 };

struct SubscriptionOptions {
  QoS max_qos = QoS::AtMostOnce;
  bool no_local = false;
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::SendOnSubscribe;
};

struct TopicSubscription {
  std::string_view filter;
  SubscriptionOptions options;
};

struct Subscribe {
  uint16_t packet_id = 0;
  Properties properties;
  std::vector<TopicSubscription> subscriptions;
};

struct SubAck {
  uint16_t packet_id = 0;
  Properties properties;
  // Granted QoS (0x00-0x02) or an error; 3.1.1 knows only 0x80 as its failure code.
  std::vector<ReasonCode> reasons;
};

struct Unsubscribe {
  uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::string_view> filters;
};

struct UnsubAck {
  uint16_t packet_id = 0;
  Properties properties;
  std::vector<ReasonCode> reasons;  // 5.0 only; 3.1.1 UNSUBACK has no payload
};

struct PingReq {};
struct PingResp {};

struct Disconnect {
  ReasonCode reason = ReasonCode::NormalDisconnection;
  Properties properties;
};

struct Auth {
  ReasonCode reason = ReasonCode::Success;
  Properties properties;
};

using Packet = std::variant<Connect, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe,
                            SubAck, Unsubscribe, UnsubAck, PingReq, PingResp, Disconnect, Auth>;

}  // namespace pregon::protocol
