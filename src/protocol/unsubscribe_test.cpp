#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Unsubscribe, RoundTripEveryVersion) {
  for (ProtocolVersion v : kAllVersions) {
    Unsubscribe u{44, {}, {"a/b", "c/#"}};
    if (is_v5(v)) u.properties.user_properties = {{"k", "v"}};
    Bytes storage;
    Unsubscribe d = round_trip(u, v, storage);
    EXPECT_EQ(d.packet_id, 44);
    EXPECT_EQ(d.filters, u.filters);
    EXPECT_EQ(d.properties.user_properties.size(), u.properties.user_properties.size());
  }
}

TEST(Unsubscribe, WireFormatV311) {
  EXPECT_EQ(encoded(Unsubscribe{1, {}, {"a"}}, kV311), bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}));
}

TEST(Unsubscribe, MQTT_3_10_1_1_FlagsMustBe0010) {
  EXPECT_EQ(decode_failure(bytes({0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}), kV311), ReasonCode::MalformedPacket);
}

TEST(Unsubscribe, MQTT_3_10_3_2_NoTopicFiltersIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0xA2, 0x02, 0x00, 0x01}), kV311), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0xA2, 0x03, 0x00, 0x01, 0x00}), kV5), ReasonCode::ProtocolError);
}

TEST(Unsubscribe, MQTT_3_10_3_1_FilterMustBeUtf8) {
  EXPECT_EQ(decode_failure(bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(Unsubscribe, TruncatedFilterIsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x02, 'a'}), kV311), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
