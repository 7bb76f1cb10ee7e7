#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

Connect full_connect(ProtocolVersion v) {
  Connect c;
  c.version = v;
  c.clean_start = false;
  c.keep_alive = 60;
  c.client_id = "client-1";
  c.will = Will{"last/will", bin("gone"), QoS::ExactlyOnce, true, {}};
  c.username = "user";
  c.password = bin(std::string_view("secret\x00\xFF", 8));
  if (is_v5(v)) {
    c.properties.session_expiry_interval = 3600;
    c.properties.receive_maximum = 10;
    c.will->properties.will_delay_interval = 5;
  }
  return c;
}

// CONNECT body for 3.1.1 with the given flags and no payload beyond the client id "c".
Bytes connect_v311(uint8_t flags, const Bytes& tail = {}) {
  Bytes body = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, flags, 0x00, 0x3C, 0x00, 0x01, 'c'});
  body.insert(body.end(), tail.begin(), tail.end());
  return packet(0x10, body);
}

TEST(Connect, RoundTripEveryVersion) {
  for (ProtocolVersion v : kAllVersions) {
    SCOPED_TRACE(static_cast<int>(v));
    const Connect c = full_connect(v);
    Bytes storage;
    // decode_packet ignores the version argument for CONNECT.
    Connect d = round_trip(c, ProtocolVersion::V311, storage);
    EXPECT_EQ(d.version, v);
    EXPECT_FALSE(d.clean_start);
    EXPECT_EQ(d.keep_alive, 60);
    EXPECT_EQ(d.client_id, "client-1");
    ASSERT_TRUE(d.will);
    EXPECT_EQ(d.will->topic, "last/will");
    EXPECT_EQ(str(d.will->payload), "gone");
    EXPECT_EQ(d.will->qos, QoS::ExactlyOnce);
    EXPECT_TRUE(d.will->retain);
    EXPECT_EQ(d.username, "user");
    ASSERT_TRUE(d.password);
    EXPECT_EQ(str(*d.password), std::string_view("secret\x00\xFF", 8));
    if (is_v5(v)) {
      EXPECT_EQ(d.properties.session_expiry_interval, 3600u);
      EXPECT_EQ(d.properties.receive_maximum, 10);
      EXPECT_EQ(d.will->properties.will_delay_interval, 5u);
    }
  }
}

TEST(Connect, MinimalConnectEveryVersion) {
  for (ProtocolVersion v : kAllVersions) {
    Connect c;
    c.version = v;
    Bytes storage;
    Connect d = round_trip(c, v, storage);
    EXPECT_EQ(d.version, v);
    EXPECT_TRUE(d.clean_start);
    EXPECT_EQ(d.client_id, "");
    EXPECT_FALSE(d.will);
    EXPECT_FALSE(d.username);
    EXPECT_FALSE(d.password);
  }
}

TEST(Connect, WireFormatV311) {
  Connect c;
  c.keep_alive = 60;
  c.client_id = "c";
  EXPECT_EQ(encoded(c, kV311), connect_v311(0x02));
}

TEST(Connect, WireFormatV31UsesMQIsdp) {
  Connect c;
  c.version = kV31;
  c.client_id = "c";
  EXPECT_EQ(encoded(c, kV31), packet(0x10, bytes({0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 0, 0, 1, 'c'})));
}

TEST(Connect, WireFormatV5HasEmptyPropertyLength) {
  Connect c;
  c.version = kV5;
  c.client_id = "c";
  EXPECT_EQ(encoded(c, kV5), packet(0x10, bytes({0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0x00, 0, 1, 'c'})));
}

TEST(Connect, MQTT_3_1_2_3_ReservedFlagIsMalformed) {
  EXPECT_EQ(decode_failure(connect_v311(0x03), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, MQTT_3_1_2_11_WillQoSWithoutWillFlagIsMalformed) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x08), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, MQTT_3_1_2_13_WillRetainWithoutWillFlagIsMalformed) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x20), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, MQTT_3_1_2_12_WillQoS3IsMalformed) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x04 | 0x18, bytes({0, 1, 't', 0, 0})), kV311),
            ReasonCode::MalformedPacket);
}

TEST(Connect, MQTT_3_1_2_22_PasswordWithoutUserNameIsMalformedIn311) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x40, bytes({0, 1, 'p'})), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, PasswordWithoutUserNameAllowedIn5) {
  Connect c;
  c.version = kV5;
  c.password = bin("p");
  Bytes storage;
  Connect d = round_trip(c, kV5, storage);
  EXPECT_FALSE(d.username);
  ASSERT_TRUE(d.password);
  EXPECT_EQ(str(*d.password), "p");
}

TEST(Connect, MQTT_3_1_2_1_UnknownProtocolNameIsProtocolError) {
  Bytes b = connect_v311(0x02);
  b[4] = 'X';  // "MQXT"
  EXPECT_EQ(decode_failure(b, kV311), ReasonCode::ProtocolError);
}

TEST(Connect, MQTT_3_1_2_2_UnsupportedLevelIsUnsupportedProtocolVersion) {
  Bytes b = connect_v311(0x02);
  b[8] = 6;
  EXPECT_EQ(decode_failure(b, kV311), ReasonCode::UnsupportedProtocolVersion);
  b[8] = 3;  // level 3 belongs to "MQIsdp"
  EXPECT_EQ(decode_failure(b, kV311), ReasonCode::UnsupportedProtocolVersion);
}

TEST(Connect, MQTT_3_1_2_9_WillFlagNeedsTopicAndPayload) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x04), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x04, bytes({0, 1, 't'})), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, MQTT_3_1_2_17_UserNameFlagNeedsUserName) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x80), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, TrailingBytesAreMalformed) {
  EXPECT_EQ(decode_failure(connect_v311(0x02, bytes({0x00})), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, WillTopicWithWildcardIsTopicNameInvalid) {
  EXPECT_EQ(decode_failure(connect_v311(0x02 | 0x04, bytes({0, 1, '#', 0, 0})), kV311),
            ReasonCode::TopicNameInvalid);
}

TEST(Connect, MQTT_3_1_3_4_ClientIdMustBeUtf8) {
  Bytes body = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0xC0, 0x80});
  EXPECT_EQ(decode_failure(packet(0x10, body), kV311), ReasonCode::MalformedPacket);
}

TEST(Connect, V31LongClientIdIsLeftToTheBroker) {
  Connect c;
  c.version = kV31;
  c.client_id = "a-client-identifier-longer-than-23-bytes";
  Bytes storage;
  EXPECT_EQ(round_trip(c, kV31, storage).client_id, c.client_id);
}

TEST(Connect, FixedHeaderFlagsMustBeZero) {
  Bytes b = connect_v311(0x02);
  b[0] = 0x12;
  EXPECT_EQ(decode_failure(b, kV311), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
