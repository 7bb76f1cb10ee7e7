#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(UnsubAck, RoundTripBefore5HasNoPayload) {
  for (ProtocolVersion v : {kV31, kV311}) {
    Bytes storage;
    UnsubAck d = round_trip(UnsubAck{9, {}, {ReasonCode::Success}}, v, storage);
    EXPECT_EQ(d.packet_id, 9);
    EXPECT_TRUE(d.reasons.empty());
    EXPECT_EQ(storage, bytes({0xB0, 0x02, 0x00, 0x09}));
  }
}

TEST(UnsubAck, RoundTripV5) {
  UnsubAck u{9, {.reason_string = "r"}, {ReasonCode::Success, ReasonCode::NoSubscriptionExisted}};
  Bytes storage;
  UnsubAck d = round_trip(u, kV5, storage);
  EXPECT_EQ(d.reasons, u.reasons);
  EXPECT_EQ(d.properties.reason_string, "r");
}

TEST(UnsubAck, TrailingBytesBefore5AreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xB0, 0x03, 0x00, 0x09, 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(UnsubAck, MQTT_3_11_3_2_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0xB0, 0x04, 0x00, 0x09, 0x00, 0x01}), kV5), ReasonCode::ProtocolError);
}

TEST(UnsubAck, NoReasonCodesV5IsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0xB0, 0x03, 0x00, 0x09, 0x00}), kV5), ReasonCode::ProtocolError);
}

}  // namespace
}  // namespace pregon::protocol
