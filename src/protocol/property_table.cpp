#include "protocol/property_table.hpp"

#include <array>

namespace pregon::protocol {
namespace {

constexpr PropertyContexts ctx(PacketType t) { return context_of(t); }
constexpr PropertyContexts kConnect = ctx(PacketType::Connect);
constexpr PropertyContexts kConnAck = ctx(PacketType::ConnAck);
constexpr PropertyContexts kPublish = ctx(PacketType::Publish);
constexpr PropertyContexts kPubAck = ctx(PacketType::PubAck);
constexpr PropertyContexts kPubRec = ctx(PacketType::PubRec);
constexpr PropertyContexts kPubRel = ctx(PacketType::PubRel);
constexpr PropertyContexts kPubComp = ctx(PacketType::PubComp);
constexpr PropertyContexts kSubscribe = ctx(PacketType::Subscribe);
constexpr PropertyContexts kSubAck = ctx(PacketType::SubAck);
constexpr PropertyContexts kUnsubscribe = ctx(PacketType::Unsubscribe);
constexpr PropertyContexts kUnsubAck = ctx(PacketType::UnsubAck);
constexpr PropertyContexts kDisconnect = ctx(PacketType::Disconnect);
constexpr PropertyContexts kAuth = ctx(PacketType::Auth);
constexpr PropertyContexts kWill = kWillContext;
constexpr PropertyContexts kNone = 0;
constexpr PropertyContexts kAll = ~PropertyContexts{0};

constexpr uint32_t kU16 = 0xFFFF;
constexpr uint32_t kU32 = 0xFFFFFFFF;
constexpr uint32_t kVbi = 268'435'455;

using P = Properties;
using T = PropertyType;
using I = PropertyId;

// 5.0 Table 2-4, with the value ranges the property sections give: a Byte that is a flag is 0 or 1
// (3.1.2.11.6, 3.1.2.11.7, 3.2.2.3.4, 3.2.2.3.5, 3.2.2.3.11-13, 3.3.2.3.2); Receive Maximum,
// Maximum Packet Size, Topic Alias and Subscription Identifier may not be 0 (3.1.2.11.3,
// 3.1.2.11.4, 3.2.2.3.3, 3.3.2.3.4, 3.3.2.3.8, 3.8.2.1.2).
const std::array<PropertyEntry, 27> kTable{{
    {{I::PayloadFormatIndicator, T::Byte, kPublish | kWill, "Payload Format Indicator"},
     &P::payload_format_indicator, kNone, 0, 1},
    {{I::MessageExpiryInterval, T::FourByteInteger, kPublish | kWill, "Message Expiry Interval"},
     &P::message_expiry_interval, kNone, 0, kU32},
    {{I::ContentType, T::Utf8String, kPublish | kWill, "Content Type"}, &P::content_type, kNone, 0, 0},
    {{I::ResponseTopic, T::Utf8String, kPublish | kWill, "Response Topic"}, &P::response_topic,
     kNone, 0, 0},
    {{I::CorrelationData, T::BinaryData, kPublish | kWill, "Correlation Data"},
     &P::correlation_data, kNone, 0, 0},
    // Several in a PUBLISH from the server [MQTT-3.3.4-4]; one at most in SUBSCRIBE (3.8.2.1.2).
    {{I::SubscriptionIdentifier, T::VariableByteInteger, kPublish | kSubscribe,
      "Subscription Identifier"},
     &P::subscription_identifiers, kPublish, 1, kVbi},
    {{I::SessionExpiryInterval, T::FourByteInteger, kConnect | kConnAck | kDisconnect,
      "Session Expiry Interval"},
     &P::session_expiry_interval, kNone, 0, kU32},
    {{I::AssignedClientIdentifier, T::Utf8String, kConnAck, "Assigned Client Identifier"},
     &P::assigned_client_identifier, kNone, 0, 0},
    {{I::ServerKeepAlive, T::TwoByteInteger, kConnAck, "Server Keep Alive"}, &P::server_keep_alive,
     kNone, 0, kU16},
    {{I::AuthenticationMethod, T::Utf8String, kConnect | kConnAck | kAuth, "Authentication Method"},
     &P::authentication_method, kNone, 0, 0},
    {{I::AuthenticationData, T::BinaryData, kConnect | kConnAck | kAuth, "Authentication Data"},
     &P::authentication_data, kNone, 0, 0},
    {{I::RequestProblemInformation, T::Byte, kConnect, "Request Problem Information"},
     &P::request_problem_information, kNone, 0, 1},
    {{I::WillDelayInterval, T::FourByteInteger, kWill, "Will Delay Interval"},
     &P::will_delay_interval, kNone, 0, kU32},
    {{I::RequestResponseInformation, T::Byte, kConnect, "Request Response Information"},
     &P::request_response_information, kNone, 0, 1},
    {{I::ResponseInformation, T::Utf8String, kConnAck, "Response Information"},
     &P::response_information, kNone, 0, 0},
    {{I::ServerReference, T::Utf8String, kConnAck | kDisconnect, "Server Reference"},
     &P::server_reference, kNone, 0, 0},
    {{I::ReasonString, T::Utf8String,
      kConnAck | kPubAck | kPubRec | kPubRel | kPubComp | kSubAck | kUnsubAck | kDisconnect | kAuth,
      "Reason String"},
     &P::reason_string, kNone, 0, 0},
    {{I::ReceiveMaximum, T::TwoByteInteger, kConnect | kConnAck, "Receive Maximum"},
     &P::receive_maximum, kNone, 1, kU16},
    {{I::TopicAliasMaximum, T::TwoByteInteger, kConnect | kConnAck, "Topic Alias Maximum"},
     &P::topic_alias_maximum, kNone, 0, kU16},
    // 0 decodes: the receiver answers it as an invalid alias (0x94) [MQTT-3.3.2-8].
    {{I::TopicAlias, T::TwoByteInteger, kPublish, "Topic Alias"}, &P::topic_alias, kNone, 0, kU16},
    {{I::MaximumQoS, T::Byte, kConnAck, "Maximum QoS"}, &P::maximum_qos, kNone, 0, 1},
    {{I::RetainAvailable, T::Byte, kConnAck, "Retain Available"}, &P::retain_available, kNone, 0, 1},
    {{I::UserProperty, T::Utf8StringPair,
      kConnect | kConnAck | kPublish | kWill | kPubAck | kPubRec | kPubRel | kPubComp | kSubscribe |
          kSubAck | kUnsubscribe | kUnsubAck | kDisconnect | kAuth,
      "User Property"},
     &P::user_properties, kAll, 0, 0},
    {{I::MaximumPacketSize, T::FourByteInteger, kConnect | kConnAck, "Maximum Packet Size"},
     &P::maximum_packet_size, kNone, 1, kU32},
    {{I::WildcardSubscriptionAvailable, T::Byte, kConnAck, "Wildcard Subscription Available"},
     &P::wildcard_subscription_available, kNone, 0, 1},
    {{I::SubscriptionIdentifierAvailable, T::Byte, kConnAck, "Subscription Identifier Available"},
     &P::subscription_identifier_available, kNone, 0, 1},
    {{I::SharedSubscriptionAvailable, T::Byte, kConnAck, "Shared Subscription Available"},
     &P::shared_subscription_available, kNone, 0, 1},
}};

// Identifier → index into kTable (+1; 0 = undefined). Identifiers are below 0x30.
constexpr size_t kIndexSize = 0x30;
const std::array<uint8_t, kIndexSize> kIndex = [] {
  std::array<uint8_t, kIndexSize> index{};
  for (size_t i = 0; i < kTable.size(); ++i) {
    index[static_cast<uint8_t>(kTable[i].info.id)] = static_cast<uint8_t>(i + 1);
  }
  return index;
}();

}  // namespace

std::span<const PropertyEntry> property_table() { return kTable; }

const PropertyEntry* property_entry(uint32_t id) {
  if (id >= kIndexSize || kIndex[id] == 0) return nullptr;
  return &kTable[kIndex[id] - 1];
}

const PropertyInfo* property_info(uint8_t id) {
  const PropertyEntry* e = property_entry(id);
  return e ? &e->info : nullptr;
}

bool Properties::empty() const {
  for (const PropertyEntry& e : kTable) {
    const bool present = std::visit(
        [this](auto member) {
          const auto& value = this->*member;
          if constexpr (requires { value.has_value(); }) {
            return value.has_value();
          } else {
            return !value.empty();
          }
        },
        e.field);
    if (present) return false;
  }
  return true;
}

}  // namespace pregon::protocol
