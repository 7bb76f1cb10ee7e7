#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Utf8, WellFormedIsValid) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("sensors/temp"));
  EXPECT_TRUE(valid_utf8("\xC3\xA9t\xC3\xA9"));           // été
  EXPECT_TRUE(valid_utf8("\xE2\x82\xAC"));                // €
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));            // U+1F600
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));            // U+10FFFF
  EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));                // non-character U+FFFF: SHOULD NOT, allowed
}

TEST(Utf8, MQTT_1_5_4_2_NullCharacterIsInvalid) {
  EXPECT_FALSE(valid_utf8(std::string_view("a\0b", 3)));
}

TEST(Utf8, MQTT_1_5_4_1_SurrogatesAreInvalid) {
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(Utf8, OverlongFormsAreInvalid) {
  EXPECT_FALSE(valid_utf8("\xC0\x80"));          // overlong U+0000
  EXPECT_FALSE(valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));
}

TEST(Utf8, IllFormedSequencesAreInvalid) {
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xE2\x82"));
  EXPECT_FALSE(valid_utf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(Utf8, MQTT_1_5_4_3_ByteOrderMarkIsKept) {
  Publish p;
  p.topic = "\xEF\xBB\xBF" "a/b";
  Bytes storage;
  Publish d = round_trip(p, kV5, storage);
  EXPECT_EQ(d.topic, p.topic);
}

TEST(Utf8, MQTT_1_5_3_2_NullInTopicIsMalformed) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x30, 0x04, 0x00, 0x02, 'a', 0x00}), v), ReasonCode::MalformedPacket);
  }
}

TEST(Utf8, MQTT_1_5_3_1_SurrogateInClientIdIsMalformed) {
  const Bytes body = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x03, 0xED, 0xA0, 0x80});
  EXPECT_EQ(decode_failure(packet(0x10, body), kV311), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
