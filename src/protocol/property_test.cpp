// The property table and the property list codec (5.0 section 2.2.2): every property round-trips in
// every packet that may carry it, and each rejection has its reason code.
#include <gtest/gtest.h>

#include <string>

#include "protocol/codec_test_support.hpp"
#include "protocol/property_table.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

// A packet carrying `props` in `context` (a packet bit or kWillContext).
Packet carrier(PropertyContexts context, const Properties& props) {
  const auto is = [&](PacketType t) { return context == context_of(t); };
  if (context == kWillContext) {
    Connect c;
    c.version = kV5;
    c.will = Will{"will/topic", bin("bye"), QoS::AtLeastOnce, false, props};
    return c;
  }
  if (is(PacketType::Connect)) {
    Connect c;
    c.version = kV5;
    c.properties = props;
    return c;
  }
  if (is(PacketType::ConnAck)) return ConnAck{false, ReasonCode::Success, props};
  if (is(PacketType::Publish)) return Publish{false, QoS::AtLeastOnce, false, "a/b", 7, props, bin("x")};
  if (is(PacketType::PubAck)) return PubAck{7, ReasonCode::Success, props};
  if (is(PacketType::PubRec)) return PubRec{7, ReasonCode::Success, props};
  if (is(PacketType::PubRel)) return PubRel{7, ReasonCode::Success, props};
  if (is(PacketType::PubComp)) return PubComp{7, ReasonCode::Success, props};
  if (is(PacketType::Subscribe)) return Subscribe{7, props, {{"a/#", {}}}};
  if (is(PacketType::SubAck)) return SubAck{7, props, {ReasonCode::GrantedQoS1}};
  if (is(PacketType::Unsubscribe)) return Unsubscribe{7, props, {"a/#"}};
  if (is(PacketType::UnsubAck)) return UnsubAck{7, props, {ReasonCode::Success}};
  if (is(PacketType::Disconnect)) return Disconnect{ReasonCode::NormalDisconnection, props};
  return Auth{ReasonCode::ContinueAuthentication, props};
}

const Properties& carried(const Packet& p, PropertyContexts context) {
  if (context == kWillContext) return std::get<Connect>(p).will->properties;
  return std::visit(
      [](const auto& packet) -> const Properties& {
        if constexpr (requires { packet.properties; }) {
          return packet.properties;
        } else {
          static const Properties kNone;
          return kNone;
        }
      },
      p);
}

// Sets a sample value for the property of `e` in `props`.
void set_sample(const PropertyEntry& e, Properties& props) {
  std::visit(
      [&](auto member) {
        auto& field = props.*member;
        using F = std::decay_t<decltype(field)>;
        if constexpr (std::is_same_v<F, std::optional<uint8_t>>) field = static_cast<uint8_t>(e.max);
        if constexpr (std::is_same_v<F, std::optional<uint16_t>>) field = uint16_t{300};
        if constexpr (std::is_same_v<F, std::optional<uint32_t>>) field = uint32_t{70'000};
        if constexpr (std::is_same_v<F, std::vector<uint32_t>>) field.push_back(70'000);
        if constexpr (std::is_same_v<F, std::optional<std::string_view>>) field = "text/plain";
        if constexpr (std::is_same_v<F, std::optional<Binary>>) field = bin("\x01\x02\x00\xFF");
        if constexpr (std::is_same_v<F, std::vector<StringPair>>) field.push_back({"key", "value"});
      },
      e.field);
}

// The property's value as text, for comparison ("" when absent).
std::string render(const PropertyEntry& e, const Properties& props) {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& field = props.*member;
        using F = std::decay_t<decltype(field)>;
        std::string s;
        if constexpr (std::is_same_v<F, std::vector<uint32_t>>) {
          for (uint32_t v : field) s += std::to_string(v) + ",";
        } else if constexpr (std::is_same_v<F, std::vector<StringPair>>) {
          for (const auto& kv : field) s += std::string(kv.name) + "=" + std::string(kv.value) + ",";
        } else if constexpr (std::is_same_v<F, std::optional<std::string_view>>) {
          if (field) s = "s:" + std::string(*field);
        } else if constexpr (std::is_same_v<F, std::optional<Binary>>) {
          if (field) s = "b:" + std::string(str(*field));
        } else {
          if (field) s = "i:" + std::to_string(*field);
        }
        return s;
      },
      e.field);
}

TEST(Property, TableHasEverySpecProperty) {
  EXPECT_EQ(property_table().size(), 27u);
  for (uint32_t id = 0; id < 256; ++id) {
    const PropertyInfo* info = property_info(static_cast<uint8_t>(id));
    if (info) {
      EXPECT_EQ(static_cast<uint32_t>(info->id), id);
      EXPECT_FALSE(info->name.empty());
      EXPECT_NE(info->allowed, 0u);
    }
  }
  EXPECT_EQ(property_info(0x00), nullptr);
  EXPECT_EQ(property_info(0x04), nullptr);
  EXPECT_EQ(property_info(0x2B), nullptr);
  EXPECT_EQ(property_info(0x26)->type, PropertyType::Utf8StringPair);
  EXPECT_EQ(property_info(0x18)->allowed, kWillContext);
}

TEST(Property, EveryPropertyRoundTripsInEveryAllowedPacket) {
  for (const PropertyEntry& e : property_table()) {
    for (unsigned bit = 0; bit < 16; ++bit) {
      const PropertyContexts context = 1u << bit;
      if ((e.info.allowed & context) == 0) continue;
      SCOPED_TRACE(std::string(e.info.name) + " in context bit " + std::to_string(bit));
      Properties props;
      set_sample(e, props);
      EXPECT_FALSE(props.empty());
      const Packet p = carrier(context, props);
      const Bytes wire = encoded(p, kV5);
      auto d = decode_packet(wire, kV5);
      ASSERT_TRUE(d) << d.error().what;
      EXPECT_EQ(render(e, carried(*d, context)), render(e, props));
      EXPECT_NE(render(e, props), "");
      EXPECT_EQ(encoded(*d, kV5), wire);
    }
  }
}

TEST(Property, PropertyNotAllowedInContextIsLeftOutWhenEncoding) {
  Properties props;
  props.topic_alias = 5;      // PUBLISH only
  props.reason_string = "r";  // allowed in PUBACK
  Bytes storage;
  PubAck d = round_trip(PubAck{1, ReasonCode::Success, props}, kV5, storage);
  EXPECT_FALSE(d.properties.topic_alias);
  EXPECT_EQ(d.properties.reason_string, "r");
}

TEST(Property, EmptyReflectsEveryField) {
  EXPECT_TRUE(Properties{}.empty());
  for (const PropertyEntry& e : property_table()) {
    Properties props;
    set_sample(e, props);
    EXPECT_FALSE(props.empty()) << e.info.name;
  }
}

TEST(Property, UserPropertiesKeepOrderAndRepeat) {
  Properties props;
  props.user_properties = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  Bytes storage;
  Publish d = round_trip(Publish{false, QoS::AtMostOnce, false, "t", 0, props, {}}, kV5, storage);
  ASSERT_EQ(d.properties.user_properties.size(), 3u);
  EXPECT_EQ(d.properties.user_properties[2].name, "a");
  EXPECT_EQ(d.properties.user_properties[2].value, "3");
}

TEST(Property, SeveralSubscriptionIdentifiersInPublish) {
  Properties props;
  props.subscription_identifiers = {1, 268'435'455, 42};
  Bytes storage;
  Publish d = round_trip(Publish{false, QoS::AtMostOnce, false, "t", 0, props, {}}, kV5, storage);
  EXPECT_EQ(d.properties.subscription_identifiers, props.subscription_identifiers);
}

// Raw 5.0 packets around a property list.
Bytes puback_with(const Bytes& props) {
  Bytes body = bytes({0x00, 0x01, 0x00});
  body.push_back(static_cast<uint8_t>(props.size()));
  body.insert(body.end(), props.begin(), props.end());
  return packet(0x40, body);
}
Bytes connack_with(const Bytes& props) {
  Bytes body = bytes({0x00, 0x00});
  body.push_back(static_cast<uint8_t>(props.size()));
  body.insert(body.end(), props.begin(), props.end());
  return packet(0x20, body);
}
Bytes publish_with(const Bytes& props) {
  Bytes body = bytes({0x00, 0x01, 't'});
  body.push_back(static_cast<uint8_t>(props.size()));
  body.insert(body.end(), props.begin(), props.end());
  return packet(0x30, body);
}
Bytes connect_with(const Bytes& props) {
  Bytes body = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C});
  body.push_back(static_cast<uint8_t>(props.size()));
  body.insert(body.end(), props.begin(), props.end());
  body.insert(body.end(), {0x00, 0x01, 'c'});
  return packet(0x10, body);
}
Bytes subscribe_with(const Bytes& props) {
  Bytes body = bytes({0x00, 0x01});
  body.push_back(static_cast<uint8_t>(props.size()));
  body.insert(body.end(), props.begin(), props.end());
  body.insert(body.end(), {0x00, 0x01, 't', 0x00});
  return packet(0x82, body);
}

TEST(Property, RawPacketsDecodeWithoutProperties) {
  EXPECT_EQ(decode_failure(puback_with({}), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(connack_with({}), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(publish_with({}), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(connect_with({}), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(subscribe_with({}), kV5), ReasonCode::Success);
}

TEST(Property, UnknownIdentifierIsMalformed) {
  EXPECT_EQ(decode_failure(puback_with(bytes({0x05, 0x00})), kV5), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(puback_with(bytes({0x7F, 0x00})), kV5), ReasonCode::MalformedPacket);
}

TEST(Property, IdentifierAsNonMinimalVariableByteIntegerIsMalformed) {
  EXPECT_EQ(decode_failure(puback_with(bytes({0x9F, 0x00, 0x00, 0x00})), kV5), ReasonCode::MalformedPacket);
}

TEST(Property, IdentifierNotValidForPacketIsMalformed) {
  // 2.2.2.2: "A Control Packet which contains an Identifier which is not valid for its packet
  // type ... is a Malformed Packet."
  EXPECT_EQ(decode_failure(puback_with(bytes({0x23, 0x00, 0x01})), kV5), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(connect_with(bytes({0x18, 0, 0, 0, 1})), kV5), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(publish_with(bytes({0x11, 0, 0, 0, 1})), kV5), ReasonCode::MalformedPacket);
}

TEST(Property, DuplicateIsProtocolError) {
  EXPECT_EQ(decode_failure(puback_with(bytes({0x1F, 0x00, 0x01, 'a', 0x1F, 0x00, 0x01, 'b'})), kV5),
            ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(connack_with(bytes({0x24, 0x00, 0x24, 0x01})), kV5), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(publish_with(bytes({0x23, 0x00, 0x01, 0x23, 0x00, 0x02})), kV5),
            ReasonCode::ProtocolError);
}

TEST(Property, RepeatableProperties) {
  EXPECT_EQ(decode_failure(puback_with(bytes({0x26, 0, 1, 'k', 0, 1, 'v', 0x26, 0, 1, 'k', 0, 1, 'v'})), kV5),
            ReasonCode::Success);
  EXPECT_EQ(decode_failure(publish_with(bytes({0x0B, 0x01, 0x0B, 0x02})), kV5), ReasonCode::Success);
  // At most one Subscription Identifier in SUBSCRIBE (3.8.2.1.2).
  EXPECT_EQ(decode_failure(subscribe_with(bytes({0x0B, 0x01, 0x0B, 0x02})), kV5), ReasonCode::ProtocolError);
}

TEST(Property, LengthOverrunningPacketIsMalformed) {
  Bytes b = puback_with(bytes({0x1F, 0x00, 0x01, 'a'}));
  b[5] = 0x09;  // Property Length says 9, 4 bytes follow
  EXPECT_EQ(decode_failure(b, kV5), ReasonCode::MalformedPacket);
}

TEST(Property, ValueOverrunningPropertyLengthIsMalformed) {
  // A Four Byte Integer with only two bytes left inside the property list, more after it.
  Bytes body = bytes({0x00, 0x00, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00});
  EXPECT_EQ(decode_failure(packet(0x20, body), kV5), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(puback_with(bytes({0x1F, 0x00, 0x05, 'a'})), kV5), ReasonCode::MalformedPacket);
}

TEST(Property, MQTT_1_5_7_1_InvalidUtf8InUserPropertyIsMalformed) {
  EXPECT_EQ(decode_failure(puback_with(bytes({0x26, 0, 1, 'k', 0, 2, 0xC0, 0x80})), kV5),
            ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(puback_with(bytes({0x26, 0, 1, 0x00, 0, 1, 'v'})), kV5), ReasonCode::MalformedPacket);
}

TEST(Property, ValueRangesAreProtocolErrors) {
  const auto expect_error = [](const Bytes& b) { EXPECT_EQ(decode_failure(b, kV5), ReasonCode::ProtocolError); };
  expect_error(publish_with(bytes({0x01, 0x02})));              // Payload Format Indicator 2
  expect_error(connect_with(bytes({0x17, 0x02})));              // Request Problem Information 2
  expect_error(connect_with(bytes({0x19, 0x02})));              // Request Response Information 2
  expect_error(connack_with(bytes({0x24, 0x02})));              // Maximum QoS 2
  expect_error(connack_with(bytes({0x25, 0x02})));              // Retain Available 2
  expect_error(connack_with(bytes({0x28, 0x02})));              // Wildcard Subscription Available 2
  expect_error(connack_with(bytes({0x29, 0x02})));              // Subscription Identifier Available 2
  expect_error(connack_with(bytes({0x2A, 0x02})));              // Shared Subscription Available 2
  expect_error(connect_with(bytes({0x21, 0x00, 0x00})));        // Receive Maximum 0
  expect_error(connack_with(bytes({0x21, 0x00, 0x00})));
  expect_error(connect_with(bytes({0x27, 0, 0, 0, 0})));        // Maximum Packet Size 0
  expect_error(connack_with(bytes({0x27, 0, 0, 0, 0})));
  expect_error(subscribe_with(bytes({0x0B, 0x00})));            // Subscription Identifier 0
  expect_error(publish_with(bytes({0x0B, 0x00})));
}

TEST(Property, BoundaryValuesAccepted) {
  EXPECT_EQ(decode_failure(publish_with(bytes({0x01, 0x01})), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(connack_with(bytes({0x24, 0x00})), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(connect_with(bytes({0x21, 0x00, 0x01})), kV5), ReasonCode::Success);
  EXPECT_EQ(decode_failure(subscribe_with(bytes({0x0B, 0xFF, 0xFF, 0xFF, 0x7F})), kV5), ReasonCode::Success);
}

}  // namespace
}  // namespace pregon::protocol
