#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(ConnAck, RoundTripV5WithProperties) {
  ConnAck c;
  c.session_present = true;
  c.properties.assigned_client_identifier = "auto-1";
  c.properties.maximum_qos = 1;
  c.properties.topic_alias_maximum = 10;
  Bytes storage;
  ConnAck d = round_trip(c, kV5, storage);
  EXPECT_TRUE(d.session_present);
  EXPECT_EQ(d.reason, ReasonCode::Success);
  EXPECT_EQ(d.properties.assigned_client_identifier, "auto-1");
  EXPECT_EQ(d.properties.maximum_qos, 1);
  EXPECT_EQ(d.properties.topic_alias_maximum, 10);
}

TEST(ConnAck, RoundTripV5ErrorReason) {
  Bytes storage;
  ConnAck d = round_trip(ConnAck{false, ReasonCode::Banned, {}}, kV5, storage);
  EXPECT_EQ(d.reason, ReasonCode::Banned);
}

TEST(ConnAck, WireFormat) {
  EXPECT_EQ(encoded(ConnAck{true, ReasonCode::Success, {}}, kV311), bytes({0x20, 0x02, 0x01, 0x00}));
  EXPECT_EQ(encoded(ConnAck{false, ReasonCode::Success, {}}, kV5), bytes({0x20, 0x03, 0x00, 0x00, 0x00}));
  // 3.1 has no Session Present flag.
  EXPECT_EQ(encoded(ConnAck{true, ReasonCode::Success, {}}, kV31), bytes({0x20, 0x02, 0x00, 0x00}));
}

TEST(ConnAck, V311ReturnCodesMapBothWays) {
  const std::pair<uint8_t, ReasonCode> table[] = {
      {0, ReasonCode::Success},
      {1, ReasonCode::UnsupportedProtocolVersion},
      {2, ReasonCode::ClientIdentifierNotValid},
      {3, ReasonCode::ServerUnavailable},
      {4, ReasonCode::BadUserNameOrPassword},
      {5, ReasonCode::NotAuthorized},
  };
  for (ProtocolVersion v : {kV31, kV311}) {
    for (auto [code, reason] : table) {
      const Bytes wire = bytes({0x20, 0x02, 0x00, code});
      auto d = decode_packet(wire, v);
      ASSERT_TRUE(d);
      EXPECT_EQ(std::get<ConnAck>(*d).reason, reason);
      EXPECT_EQ(encoded(ConnAck{false, reason, {}}, v), wire);
    }
  }
  // A 5.0-only reason is reported with the nearest 3.1.1 code.
  EXPECT_EQ(encoded(ConnAck{false, ReasonCode::ServerBusy, {}}, kV311), bytes({0x20, 0x02, 0x00, 0x03}));
}

TEST(ConnAck, UndefinedReturnCodeIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x20, 0x02, 0x00, 0x06}), kV311), ReasonCode::ProtocolError);
}

TEST(ConnAck, MQTT_3_2_2_8_UndefinedReasonCodeIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x20, 0x03, 0x00, 0x04, 0x00}), kV5), ReasonCode::ProtocolError);
}

TEST(ConnAck, MQTT_3_2_2_1_ReservedAcknowledgeFlagsAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x20, 0x02, 0x02, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x20, 0x03, 0x80, 0x00, 0x00}), kV5), ReasonCode::MalformedPacket);
}

TEST(ConnAck, MQTT_3_2_2_6_SessionPresentWithErrorIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x20, 0x03, 0x01, 0x87, 0x00}), kV5), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0x20, 0x02, 0x01, 0x05}), kV311), ReasonCode::ProtocolError);
}

TEST(ConnAck, WrongLengthIsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x20, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x20, 0x03, 0x00, 0x00, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x20, 0x02, 0x00, 0x00}), kV5), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
