#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Disconnect, RoundTripEveryVersionShortForm) {
  for (ProtocolVersion v : kAllVersions) {
    Bytes storage;
    Disconnect d = round_trip(Disconnect{}, v, storage);
    EXPECT_EQ(d.reason, ReasonCode::NormalDisconnection);
    EXPECT_EQ(storage, bytes({0xE0, 0x00}));
  }
}

TEST(Disconnect, RoundTripV5WithReasonAndProperties) {
  Bytes storage;
  Disconnect d = round_trip(Disconnect{ReasonCode::DisconnectWithWillMessage, {}}, kV5, storage);
  EXPECT_EQ(d.reason, ReasonCode::DisconnectWithWillMessage);
  EXPECT_EQ(storage, bytes({0xE0, 0x01, 0x04}));
  Disconnect p = round_trip(
      Disconnect{ReasonCode::ServerMoved, {.server_reference = "other:1883", .reason_string = "moved"}}, kV5,
      storage);
  EXPECT_EQ(p.reason, ReasonCode::ServerMoved);
  EXPECT_EQ(p.properties.server_reference, "other:1883");
  Disconnect s = round_trip(Disconnect{ReasonCode::NormalDisconnection, {.session_expiry_interval = 0}}, kV5,
                            storage);
  EXPECT_EQ(s.properties.session_expiry_interval, 0u);
}

TEST(Disconnect, ReasonWithZeroPropertyLengthDecodes) {
  auto d = decode_packet(bytes({0xE0, 0x02, 0x8E, 0x00}), kV5);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<Disconnect>(*d).reason, ReasonCode::SessionTakenOver);
}

TEST(Disconnect, ContentBefore5IsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xE0, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(Disconnect, MQTT_3_14_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0xE0, 0x01, 0x01}), kV5), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0xE0, 0x01, 0x84}), kV5), ReasonCode::ProtocolError);
}

TEST(Disconnect, MQTT_3_14_1_1_ReservedFlagsAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xE2, 0x00}), kV5), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
