// MQTT 5.0 properties (section 2.2.2): the identifiers, the one table that describes each property
// (wire type and the packets that may carry it), and the decoded property set.
//
// Views (string_view, span) inside a decoded Properties point into the buffer the packet was decoded
// from; a caller that keeps a value past that buffer's lifetime copies it. For encoding, the views
// point into storage owned by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/version.hpp"

namespace pregon::protocol {

enum class PropertyId : uint8_t {
  PayloadFormatIndicator = 0x01,
  MessageExpiryInterval = 0x02,
  ContentType = 0x03,
  ResponseTopic = 0x08,
  CorrelationData = 0x09,
  SubscriptionIdentifier = 0x0B,
  SessionExpiryInterval = 0x11,
  AssignedClientIdentifier = 0x12,
  ServerKeepAlive = 0x13,
  AuthenticationMethod = 0x15,
  AuthenticationData = 0x16,
  RequestProblemInformation = 0x17,
  WillDelayInterval = 0x18,
  RequestResponseInformation = 0x19,
  ResponseInformation = 0x1A,
  ServerReference = 0x1C,
  ReasonString = 0x1F,
  ReceiveMaximum = 0x21,
  TopicAliasMaximum = 0x22,
  TopicAlias = 0x23,
  MaximumQoS = 0x24,
  RetainAvailable = 0x25,
  UserProperty = 0x26,
  MaximumPacketSize = 0x27,
  WildcardSubscriptionAvailable = 0x28,
  SubscriptionIdentifierAvailable = 0x29,
  SharedSubscriptionAvailable = 0x2A,
};

enum class PropertyType : uint8_t {
  Byte,
  TwoByteInteger,
  FourByteInteger,
  VariableByteInteger,
  Utf8String,
  BinaryData,
  Utf8StringPair,
};

// Where a property may appear: a bit per packet type (1 << PacketType), plus the will properties
// of CONNECT, which have their own set.
using PropertyContexts = uint32_t;
inline constexpr PropertyContexts kWillContext = 1u << 0;  // PacketType 0 is reserved, so bit 0 is free
constexpr PropertyContexts context_of(PacketType t) { return 1u << static_cast<unsigned>(t); }

struct PropertyInfo {
  PropertyId id;
  PropertyType type;
  PropertyContexts allowed;
  std::string_view name;
};

// The table entry for a property identifier, or nullptr for an identifier the spec does not define.
const PropertyInfo* property_info(uint8_t id);

struct StringPair {
  std::string_view name;
  std::string_view value;
};

using Binary = std::span<const uint8_t>;

struct Properties {
  std::optional<uint8_t> payload_format_indicator;
  std::optional<uint32_t> message_expiry_interval;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> response_topic;
  std::optional<Binary> correlation_data;
  // PUBLISH from the server may carry several; SUBSCRIBE carries at most one.
  std::vector<uint32_t> subscription_identifiers;
  std::optional<uint32_t> session_expiry_interval;
  std::optional<std::string_view> assigned_client_identifier;
  std::optional<uint16_t> server_keep_alive;
  std::optional<std::string_view> authentication_method;
  std::optional<Binary> authentication_data;
  std::optional<uint8_t> request_problem_information;
  std::optional<uint32_t> will_delay_interval;
  std::optional<uint8_t> request_response_information;
  std::optional<std::string_view> response_information;
  std::optional<std::string_view> server_reference;
  std::optional<std::string_view> reason_string;
  std::optional<uint16_t> receive_maximum;
  std::optional<uint16_t> topic_alias_maximum;
  std::optional<uint16_t> topic_alias;
  std::optional<uint8_t> maximum_qos;
  std::optional<uint8_t> retain_available;
  std::vector<StringPair> user_properties;
  std::optional<uint32_t> maximum_packet_size;
  std::optional<uint8_t> wildcard_subscription_available;
  std::optional<uint8_t> subscription_identifier_available;
  std::optional<uint8_t> shared_subscription_available;

  bool empty() const;
};

}  // namespace pregon::protocol
