#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Frame, WholePacketGivesFrame) {
  const Bytes b = bytes({0x30, 0x03, 0x00, 0x01, 'a', 0xC0});  // PUBLISH then a stray byte
  auto f = read_frame(b, 1000);
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->type, PacketType::Publish);
  EXPECT_EQ((*f)->flags, 0);
  EXPECT_EQ((*f)->size, 5u);
  EXPECT_EQ((*f)->body.size(), 3u);
}

TEST(Frame, PartialPacketNeedsMore) {
  const Bytes whole = bytes({0x30, 0x03, 0x00, 0x01, 'a'});
  for (size_t n = 0; n < whole.size(); ++n) {
    auto f = read_frame(std::span(whole).first(n), 1000);
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->has_value()) << n;
  }
}

TEST(Frame, PartialRemainingLengthNeedsMore) {
  auto f = read_frame(bytes({0x30, 0xFF, 0xFF}), 1000);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->has_value());
}

TEST(Frame, ReservedTypeZeroIsMalformed) {
  auto f = read_frame(bytes({0x00, 0x00}), 1000);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ReasonCode::MalformedPacket);
}

TEST(Frame, MQTT_1_5_5_1_RemainingLengthNotMinimalIsMalformed) {
  auto f = read_frame(bytes({0xC0, 0x80, 0x00}), 1000);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ReasonCode::MalformedPacket);
}

TEST(Frame, RemainingLengthOverFourBytesIsMalformed) {
  auto f = read_frame(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), kMaxVariableByteInteger);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ReasonCode::MalformedPacket);
}

TEST(Frame, PacketTooLargeKnownFromHeaderAlone) {
  auto f = read_frame(bytes({0x30, 0xE8, 0x07}), 1000);  // 1000 + 3 bytes
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ReasonCode::PacketTooLarge);
  auto ok = read_frame(bytes({0x30, 0xE5, 0x07}), 1000);  // 997 + 3 = 1000 bytes: allowed, incomplete
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->has_value());
}

TEST(Frame, DecodePacketRejectsTrailingBytes) {
  EXPECT_EQ(decode_failure(bytes({0xC0, 0x00, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0xC0}), kV311), ReasonCode::MalformedPacket);
}

TEST(Frame, RemainingLengthLongerThanContentIsMalformed) {
  // PUBACK with remaining length 3 in 3.1.1 (one byte too many).
  EXPECT_EQ(decode_failure(bytes({0x40, 0x03, 0x00, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
  // SUBSCRIBE whose remaining length cuts a topic filter short.
  EXPECT_EQ(decode_failure(bytes({0x82, 0x05, 0x00, 0x01, 0x00, 0x03, 'a'}), kV311),
            ReasonCode::MalformedPacket);
}

TEST(Frame, MQTT_2_1_3_1_ReservedFlagsMustMatch) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x41, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);  // PUBACK
    EXPECT_EQ(decode_failure(bytes({0x60, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);  // PUBREL
    EXPECT_EQ(decode_failure(bytes({0xC8, 0x00}), v), ReasonCode::MalformedPacket);              // PINGREQ
    EXPECT_EQ(decode_failure(bytes({0x20 | 0x04, 0x02, 0x00, 0x00}), v), ReasonCode::MalformedPacket);
    EXPECT_EQ(decode_failure(bytes({0xE1, 0x00}), v), ReasonCode::MalformedPacket);  // [MQTT-3.14.1-1]
  }
  EXPECT_EQ(decode_failure(bytes({0xF1, 0x00}), kV5), ReasonCode::MalformedPacket);  // [MQTT-3.15.1-1]
}

TEST(Frame, V31AcceptsDupOnPubRel) {
  EXPECT_EQ(decode_failure(bytes({0x6A, 0x02, 0x00, 0x01}), kV31), ReasonCode::Success);
  EXPECT_EQ(decode_failure(bytes({0x6A, 0x02, 0x00, 0x01}), kV311), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
