#include "client/pub_options.hpp"

#include <gtest/gtest.h>

namespace pregon::client {
namespace {

ParseResult<PubSettings> parse(std::vector<std::string> args) { return parse_pub_options(args); }

TEST(PubOptions, MessageAndConnectionOptions) {
  auto s =
      parse({"-h", "broker.example", "-p", "1884", "-t", "a/b", "-m", "hello", "-q", "2", "-r", "-i", "me", "-k", "30",
             "-V", "mqttv5",         "-u", "user", "-P", "pw"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->common.connect.host, "broker.example");
  EXPECT_EQ(s->common.connect.port, 1884);
  EXPECT_EQ(s->common.connect.client_id, "me");
  EXPECT_EQ(s->common.connect.keep_alive, 30);
  EXPECT_EQ(s->common.connect.version, protocol::ProtocolVersion::V5);
  EXPECT_EQ(s->common.connect.username, "user");
  EXPECT_EQ(s->common.connect.password, "pw");
  EXPECT_EQ(s->common.qos, protocol::QoS::ExactlyOnce);
  EXPECT_EQ(s->topic, "a/b");
  EXPECT_EQ(s->source, PayloadSource::Message);
  EXPECT_EQ(s->message, "hello");
  EXPECT_TRUE(s->retain);
  EXPECT_EQ(s->repeat, 1);
}

TEST(PubOptions, EmptyMessageIsAMessage) {
  auto s = parse({"-t", "a", "-m", ""});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->source, PayloadSource::Message);
  EXPECT_EQ(s->message, "");
}

TEST(PubOptions, ExactlyOnePayloadSource) {
  EXPECT_EQ(parse({"-t", "a", "-f", "x"})->source, PayloadSource::File);
  EXPECT_EQ(parse({"-t", "a", "-l"})->source, PayloadSource::StdinLines);
  EXPECT_EQ(parse({"-t", "a", "-s"})->source, PayloadSource::StdinWhole);
  EXPECT_EQ(parse({"-t", "a", "-n"})->source, PayloadSource::Null);
  auto none = parse({"-t", "a"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().exit_code, kExitFailure);
  EXPECT_EQ(none.error().text, "Give exactly one of -m, -f, -l, -s or -n");
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "-l"}));
  EXPECT_FALSE(parse({"-t", "a", "-n", "-s"}));
}

TEST(PubOptions, TopicIsRequiredAndHasNoWildcards) {
  EXPECT_FALSE(parse({"-m", "x"}));
  EXPECT_FALSE(parse({"-t", "", "-m", "x"}));
  EXPECT_FALSE(parse({"-t", "a/+", "-m", "x"}));
  EXPECT_FALSE(parse({"-t", "a/#", "-m", "x"}));
  EXPECT_TRUE(parse({"-t", "$SYS/x", "-m", "x"}));
}

TEST(PubOptions, Repeat) {
  auto s = parse({"-t", "a", "-m", "x", "--repeat", "3", "--repeat-delay", "0.5"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->repeat, 3);
  EXPECT_DOUBLE_EQ(s->repeat_delay, 0.5);
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "--repeat", "0"}));
  EXPECT_FALSE(parse({"-t", "a", "-l", "--repeat", "2"}));
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "--repeat-delay", "-1"}));
}

TEST(PubOptions, UserPropertiesTakeTwoValuesAndRepeat) {
  auto s = parse({"-V", "5", "-t", "a", "-m", "x", "--user-property", "k1", "v1", "--user-property", "k2", "v2"});
  ASSERT_TRUE(s) << s.error().text;
  ASSERT_EQ(s->common.user_properties.size(), 2u);
  EXPECT_EQ(s->common.user_properties[0], (std::pair<std::string, std::string>{"k1", "v1"}));
  EXPECT_EQ(s->common.user_properties[1], (std::pair<std::string, std::string>{"k2", "v2"}));
  EXPECT_FALSE(parse({"-V", "5", "-t", "a", "-m", "x", "--user-property", "lonely"}));
}

TEST(PubOptions, PublishPropertiesAre5Only) {
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "-e", "reply"}));
  auto s = parse({"-V", "5", "-t", "a", "-m", "x", "-e", "reply", "--correlation-data", "c", "--content-type", "ct",
                  "--message-expiry", "60"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->response_topic, "reply");
  EXPECT_EQ(s->correlation_data, "c");
  EXPECT_EQ(s->content_type, "ct");
  EXPECT_EQ(s->message_expiry_interval, 60u);
  EXPECT_FALSE(parse({"-V", "5", "-t", "a", "-m", "x", "-e", "reply/#"}));
  EXPECT_FALSE(parse({"-V", "5", "-t", "a", "-m", "x", "--message-expiry", "4294967296"}));
}

TEST(PubOptions, SessionExpiryAcceptsMinusOne) {
  auto s = parse({"-V", "5", "-i", "me", "-x", "-1", "-t", "a", "-m", "x"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->common.connect.session_expiry_interval, kSessionNeverExpires);
}

TEST(PubOptions, HelpIsNotAnError) {
  auto s = parse({"--help"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().exit_code, kExitSuccess);
  EXPECT_NE(s.error().text.find("--topic"), std::string::npos);
}

TEST(PubOptions, UnknownOptionsAndStrayArgumentsAreErrors) {
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "--nonsense"}));
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "stray"}));
  EXPECT_FALSE(parse({"-t", "a", "-m", "x", "-q", "one"}));
}

}  // namespace
}  // namespace pregon::client
