#include "client/common_options.hpp"

#include <gtest/gtest.h>

namespace pregon::client {
namespace {

using protocol::ProtocolVersion;

TEST(ParseProtocolVersion, AcceptsShortAndLongNames) {
  EXPECT_EQ(parse_protocol_version("31"), ProtocolVersion::V31);
  EXPECT_EQ(parse_protocol_version("mqttv31"), ProtocolVersion::V31);
  EXPECT_EQ(parse_protocol_version("311"), ProtocolVersion::V311);
  EXPECT_EQ(parse_protocol_version("mqttv311"), ProtocolVersion::V311);
  EXPECT_EQ(parse_protocol_version("5"), ProtocolVersion::V5);
  EXPECT_EQ(parse_protocol_version("mqttv5"), ProtocolVersion::V5);
  EXPECT_FALSE(parse_protocol_version("4"));
  EXPECT_FALSE(parse_protocol_version(""));
}

TEST(ParseSessionExpiry, SecondsOrNever) {
  EXPECT_EQ(parse_session_expiry("0"), 0u);
  EXPECT_EQ(parse_session_expiry("3600"), 3600u);
  EXPECT_EQ(parse_session_expiry("4294967295"), kSessionNeverExpires);
  EXPECT_EQ(parse_session_expiry("-1"), kSessionNeverExpires);
  EXPECT_EQ(parse_session_expiry("∞"), kSessionNeverExpires);
  EXPECT_FALSE(parse_session_expiry("4294967296"));
  EXPECT_FALSE(parse_session_expiry("-2"));
  EXPECT_FALSE(parse_session_expiry("10s"));
  EXPECT_FALSE(parse_session_expiry(""));
}

TEST(ValidateCommon, DefaultsMatchTheUsualClients) {
  auto s = validate_common(CommonOptions{}, "pub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.host, "localhost");
  EXPECT_EQ(s->connect.port, 1883);
  EXPECT_EQ(s->connect.version, ProtocolVersion::V311);
  EXPECT_EQ(s->connect.keep_alive, 60);
  EXPECT_TRUE(s->connect.clean_start);
  EXPECT_FALSE(s->connect.session_expiry_interval);
  EXPECT_FALSE(s->connect.will);
  EXPECT_EQ(s->qos, protocol::QoS::AtMostOnce);
  // A generated id fits MQTT 3.1's 23 bytes.
  EXPECT_TRUE(s->connect.client_id.starts_with("pregon-pub-"));
  EXPECT_LE(s->connect.client_id.size(), 23u);
}

TEST(ValidateCommon, IdPrefixGetsTheProcessId) {
  CommonOptions o;
  o.id_prefix = "probe-";
  auto s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->connect.client_id.starts_with("probe-"));
  EXPECT_GT(s->connect.client_id.size(), 6u);
  o.client_id = "x";
  EXPECT_FALSE(validate_common(o, "sub"));
}

TEST(ValidateCommon, PersistentSessionNeedsAClientId) {
  CommonOptions o;
  o.disable_clean_session = true;
  EXPECT_FALSE(validate_common(o, "sub"));
  o.client_id = "keeper";
  auto s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->connect.clean_start);
  EXPECT_FALSE(s->connect.session_expiry_interval);  // 3.1.1: the flag alone says it
}

TEST(ValidateCommon, PersistentSessionIn5NeverExpiresUnlessToldOtherwise) {
  CommonOptions o;
  o.version_text = "5";
  o.client_id = "keeper";
  o.disable_clean_session = true;
  auto s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.session_expiry_interval, kSessionNeverExpires);
  o.session_expiry_text = "30";
  s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.session_expiry_interval, 30u);
}

TEST(ValidateCommon, SessionExpiryIs5Only) {
  CommonOptions o;
  o.session_expiry_text = "30";
  EXPECT_FALSE(validate_common(o, "sub"));
  o.version_text = "5";
  EXPECT_TRUE(validate_common(o, "sub"));
  o.session_expiry_text = "-1";
  EXPECT_FALSE(validate_common(o, "sub"));  // never expires, but no id to come back with
  o.session_expiry_text = "soon";
  EXPECT_FALSE(validate_common(o, "sub"));
}

TEST(ValidateCommon, TlsDefaultsToPort8883) {
  CommonOptions o;
  o.transport.tls = true;
  o.transport.insecure = true;
  auto s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.port, 8883);
  o.port = 1884;
  s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.port, 1884);
}

TEST(ValidateCommon, Ranges) {
  CommonOptions o;
  o.qos = 3;
  EXPECT_FALSE(validate_common(o, "pub"));
  o.qos = 2;
  EXPECT_TRUE(validate_common(o, "pub"));
  o.port = -1;
  EXPECT_FALSE(validate_common(o, "pub"));
  o.port = 65536;
  EXPECT_FALSE(validate_common(o, "pub"));
  o.port = 1883;
  o.keep_alive = 65536;
  EXPECT_FALSE(validate_common(o, "pub"));
  o.keep_alive = 0;
  EXPECT_TRUE(validate_common(o, "pub"));
  o.version_text = "6";
  auto s = validate_common(o, "pub");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "Invalid protocol version '6' (use 31, 311 or 5)");
}

TEST(ValidateCommon, WillOptionsNeedAWillTopic) {
  CommonOptions o;
  o.will_payload = "bye";
  EXPECT_FALSE(validate_common(o, "sub"));
  o.will_topic = "status/me";
  o.will_qos = 1;
  o.will_retain = true;
  auto s = validate_common(o, "sub");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->connect.will);
  EXPECT_EQ(s->connect.will->topic, "status/me");
  EXPECT_EQ(s->connect.will->payload, "bye");
  EXPECT_EQ(s->connect.will->qos, protocol::QoS::AtLeastOnce);
  EXPECT_TRUE(s->connect.will->retain);
  o.will_qos = 3;
  EXPECT_FALSE(validate_common(o, "sub"));
}

TEST(ValidateCommon, PasswordWithoutUserNameOnlyIn5) {
  CommonOptions o;
  o.password = "secret";
  EXPECT_FALSE(validate_common(o, "pub"));
  o.version_text = "5";
  EXPECT_TRUE(validate_common(o, "pub"));
  o.version_text = "311";
  o.username = "me";
  auto s = validate_common(o, "pub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connect.username, "me");
  EXPECT_EQ(s->connect.password, "secret");
}

TEST(ValidateCommon, UserPropertiesAre5Only) {
  CommonOptions o;
  o.user_properties = {{"a", "b"}};
  EXPECT_FALSE(validate_common(o, "pub"));
  o.version_text = "mqttv5";
  auto s = validate_common(o, "pub");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user_properties.size(), 1u);
}

}  // namespace
}  // namespace pregon::client
