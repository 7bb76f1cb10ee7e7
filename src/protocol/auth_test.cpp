#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Auth, RoundTripShortForm) {
  Bytes storage;
  Auth a = round_trip(Auth{}, kV5, storage);
  EXPECT_EQ(a.reason, ReasonCode::Success);
  EXPECT_EQ(storage, bytes({0xF0, 0x00}));
}

TEST(Auth, RoundTripWithMethodAndData) {
  Auth a{ReasonCode::ContinueAuthentication,
         {.authentication_method = "SCRAM-SHA-1", .authentication_data = bin("nonce")}};
  Bytes storage;
  Auth d = round_trip(a, kV5, storage);
  EXPECT_EQ(d.reason, ReasonCode::ContinueAuthentication);
  EXPECT_EQ(d.properties.authentication_method, "SCRAM-SHA-1");
  EXPECT_EQ(str(*d.properties.authentication_data), "nonce");
}

TEST(Auth, MQTT_3_15_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0xF0, 0x01, 0x80}), kV5), ReasonCode::ProtocolError);
}

TEST(Auth, ReservedTypeBefore5IsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xF0, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0xF0, 0x00}), kV31), ReasonCode::MalformedPacket);
}

TEST(Auth, MQTT_3_15_1_1_ReservedFlagsAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xF1, 0x00}), kV5), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
