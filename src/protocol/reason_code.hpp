// MQTT reason codes (5.0 section 2.4) and the 3.1/3.1.1 CONNACK return codes, with the mapping
// between them. Pure data; used by every layer that reports an outcome on the wire.
#pragma once

#include <cstdint>
#include <string_view>

namespace pregon::protocol {

enum class ReasonCode : uint8_t {
  Success = 0x00,
  NormalDisconnection = 0x00,
  GrantedQoS0 = 0x00,
  GrantedQoS1 = 0x01,
  GrantedQoS2 = 0x02,
  DisconnectWithWillMessage = 0x04,
  NoMatchingSubscribers = 0x10,
  NoSubscriptionExisted = 0x11,
  ContinueAuthentication = 0x18,
  ReAuthenticate = 0x19,
  UnspecifiedError = 0x80,
  MalformedPacket = 0x81,
  ProtocolError = 0x82,
  ImplementationSpecificError = 0x83,
  UnsupportedProtocolVersion = 0x84,
  ClientIdentifierNotValid = 0x85,
  BadUserNameOrPassword = 0x86,
  NotAuthorized = 0x87,
  ServerUnavailable = 0x88,
  ServerBusy = 0x89,
  Banned = 0x8A,
  ServerShuttingDown = 0x8B,
  BadAuthenticationMethod = 0x8C,
  KeepAliveTimeout = 0x8D,
  SessionTakenOver = 0x8E,
  TopicFilterInvalid = 0x8F,
  TopicNameInvalid = 0x90,
  PacketIdentifierInUse = 0x91,
  PacketIdentifierNotFound = 0x92,
  ReceiveMaximumExceeded = 0x93,
  TopicAliasInvalid = 0x94,
  PacketTooLarge = 0x95,
  MessageRateTooHigh = 0x96,
  QuotaExceeded = 0x97,
  AdministrativeAction = 0x98,
  PayloadFormatInvalid = 0x99,
  RetainNotSupported = 0x9A,
  QoSNotSupported = 0x9B,
  UseAnotherServer = 0x9C,
  ServerMoved = 0x9D,
  SharedSubscriptionsNotSupported = 0x9E,
  ConnectionRateExceeded = 0x9F,
  MaximumConnectTime = 0xA0,
  SubscriptionIdentifiersNotSupported = 0xA1,
  WildcardSubscriptionsNotSupported = 0xA2,
};

// CONNACK return codes of MQTT 3.1 and 3.1.1 (3.1.1 section 3.2.2.3).
enum class ConnectReturnCode : uint8_t {
  Accepted = 0x00,
  UnacceptableProtocolVersion = 0x01,
  IdentifierRejected = 0x02,
  ServerUnavailable = 0x03,
  BadUserNameOrPassword = 0x04,
  NotAuthorized = 0x05,
};

// SUBACK failure return code of 3.1.1.
inline constexpr uint8_t kSubAckFailureV3 = 0x80;

inline bool is_error(ReasonCode rc) { return static_cast<uint8_t>(rc) >= 0x80; }

// The 3.1.1 CONNACK return code that best reports a 5.0 CONNACK reason code.
ConnectReturnCode to_connect_return_code(ReasonCode rc);

// The 5.0 reason code that a 3.1/3.1.1 CONNACK return code stands for (its inverse on 0..5):
// 1 UnsupportedProtocolVersion, 2 ClientIdentifierNotValid, 3 ServerUnavailable,
// 4 BadUserNameOrPassword, 5 NotAuthorized.
ReasonCode from_connect_return_code(ConnectReturnCode rc);

// Name of a reason code for logs, e.g. "Session taken over". Context-free: 0x00 is "Success".
std::string_view reason_name(ReasonCode rc);

}  // namespace pregon::protocol
