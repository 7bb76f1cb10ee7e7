#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Subscribe, RoundTripEveryVersion) {
  for (ProtocolVersion v : kAllVersions) {
    Subscribe s;
    s.packet_id = 12;
    s.subscriptions = {{"a/+/c", {QoS::AtLeastOnce}}, {"#", {QoS::ExactlyOnce}}, {"x", {}}};
    if (is_v5(v)) s.properties.subscription_identifiers = {99};
    Bytes storage;
    Subscribe d = round_trip(s, v, storage);
    EXPECT_EQ(d.packet_id, 12);
    ASSERT_EQ(d.subscriptions.size(), 3u);
    EXPECT_EQ(d.subscriptions[0].filter, "a/+/c");
    EXPECT_EQ(d.subscriptions[0].options.max_qos, QoS::AtLeastOnce);
    EXPECT_EQ(d.subscriptions[1].options.max_qos, QoS::ExactlyOnce);
    EXPECT_EQ(d.properties.subscription_identifiers, s.properties.subscription_identifiers);
  }
}

TEST(Subscribe, V5OptionsRoundTrip) {
  Subscribe s;
  s.packet_id = 1;
  s.subscriptions = {{"a", {QoS::AtLeastOnce, true, true, RetainHandling::DoNotSend}},
                     {"b", {QoS::AtMostOnce, false, false, RetainHandling::SendIfNewSubscription}}};
  Bytes storage;
  Subscribe d = round_trip(s, kV5, storage);
  EXPECT_TRUE(d.subscriptions[0].options.no_local);
  EXPECT_TRUE(d.subscriptions[0].options.retain_as_published);
  EXPECT_EQ(d.subscriptions[0].options.retain_handling, RetainHandling::DoNotSend);
  EXPECT_EQ(d.subscriptions[1].options.retain_handling, RetainHandling::SendIfNewSubscription);
  EXPECT_EQ(storage, bytes({0x82, 0x0B, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x2D, 0x00, 0x01, 'b', 0x10}));
}

TEST(Subscribe, WireFormatV311) {
  Subscribe s{10, {}, {{"a/b", {QoS::AtLeastOnce}}}};
  EXPECT_EQ(encoded(s, kV311), bytes({0x82, 0x08, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01}));
}

TEST(Subscribe, MQTT_3_8_1_1_FlagsMustBe0010) {
  EXPECT_EQ(decode_failure(bytes({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}), kV311),
            ReasonCode::MalformedPacket);
}

TEST(Subscribe, MQTT_3_8_3_2_NoTopicFiltersIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x02, 0x00, 0x01}), kV311), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0x82, 0x03, 0x00, 0x01, 0x00}), kV5), ReasonCode::ProtocolError);
}

TEST(Subscribe, MQTT_3_8_3_4_V311ReservedBitsOrQoS3AreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x04}), kV311),
            ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x03}), kV311),
            ReasonCode::MalformedPacket);
}

TEST(Subscribe, MQTT_3_8_3_5_V5ReservedOptionBitsAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x40}), kV5),
            ReasonCode::MalformedPacket);
}

TEST(Subscribe, V5QoS3AndRetainHandling3AreProtocolErrors) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x03}), kV5),
            ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x30}), kV5),
            ReasonCode::ProtocolError);
}

TEST(Subscribe, MissingOptionsByteIsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}), kV311), ReasonCode::MalformedPacket);
}

TEST(Subscribe, MQTT_3_8_3_1_FilterMustBeUtf8) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 0xED, 0xA0, 0x00}), kV311),
            ReasonCode::MalformedPacket);
}

TEST(Subscribe, PacketIdZeroIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 'a', 0x00}), kV311),
            ReasonCode::ProtocolError);
}

TEST(Subscribe, OnlyOneSubscriptionIdentifierIsWritten) {
  Subscribe s{1, {}, {{"a", {}}}};
  s.properties.subscription_identifiers = {1, 2};
  Bytes storage;
  Subscribe d = round_trip(s, kV5, storage);
  EXPECT_EQ(d.properties.subscription_identifiers, (std::vector<uint32_t>{1}));
}

}  // namespace
}  // namespace pregon::protocol
