#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

template <class T>
void round_trips_in_every_version(uint8_t first_byte, ReasonCode error) {
  for (ProtocolVersion v : kAllVersions) {
    Bytes storage;
    T d = round_trip(T{0x0102, ReasonCode::Success, {}}, v, storage);
    EXPECT_EQ(d.packet_id, 0x0102);
    EXPECT_EQ(storage, bytes({first_byte, 0x02, 0x01, 0x02}));  // short form in 5.0 too
  }
  Bytes storage;
  T e = round_trip(T{7, error, {}}, kV5, storage);
  EXPECT_EQ(e.reason, error);
  EXPECT_EQ(storage, bytes({first_byte, 0x03, 0x00, 0x07, static_cast<int>(error)}));
  T p = round_trip(T{7, error, {.reason_string = "why", .user_properties = {{"k", "v"}}}}, kV5, storage);
  EXPECT_EQ(p.reason, error);
  EXPECT_EQ(p.properties.reason_string, "why");
  ASSERT_EQ(p.properties.user_properties.size(), 1u);
  // Before 5.0 the reason code and properties are left out.
  EXPECT_EQ(encoded(T{7, error, {.reason_string = "why"}}, kV311), bytes({first_byte, 0x02, 0x00, 0x07}));
}

TEST(PubAck, RoundTrip) { round_trips_in_every_version<PubAck>(0x40, ReasonCode::NoMatchingSubscribers); }
TEST(PubRec, RoundTrip) { round_trips_in_every_version<PubRec>(0x50, ReasonCode::QuotaExceeded); }
TEST(PubRel, RoundTrip) { round_trips_in_every_version<PubRel>(0x62, ReasonCode::PacketIdentifierNotFound); }
TEST(PubComp, RoundTrip) { round_trips_in_every_version<PubComp>(0x70, ReasonCode::PacketIdentifierNotFound); }

TEST(PubAck, ReasonWithPropertyLengthZeroDecodes) {
  auto d = decode_packet(bytes({0x40, 0x04, 0x00, 0x01, 0x10, 0x00}), kV5);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<PubAck>(*d).reason, ReasonCode::NoMatchingSubscribers);
}

TEST(PubAck, MQTT_3_4_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x03, 0x00, 0x01, 0x92}), kV5), ReasonCode::ProtocolError);
}

TEST(PubRel, MQTT_3_6_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x62, 0x03, 0x00, 0x01, 0x10}), kV5), ReasonCode::ProtocolError);
}

TEST(PubRel, MQTT_3_6_1_1_FlagsMustBe0010) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x60, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);
    EXPECT_EQ(decode_failure(bytes({0x63, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);
  }
}

TEST(PubAck, TrailingBytesBefore5AreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x03, 0x00, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x40, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(PubAck, PacketIdZeroIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x02, 0x00, 0x00}), kV311), ReasonCode::ProtocolError);
}

TEST(PubComp, PropertiesOverrunningAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x70, 0x04, 0x00, 0x01, 0x00, 0x05}), kV5), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
