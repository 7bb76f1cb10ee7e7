#include "routing/topic.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pregon::routing {
namespace {

std::vector<std::string> levels_of(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view level : TopicLevels(s)) out.emplace_back(level);
  return out;
}

TEST(TopicLevels, SplitsAtSlashKeepingEmptyLevels) {
  using V = std::vector<std::string>;
  EXPECT_EQ(levels_of("a"), V({"a"}));
  EXPECT_EQ(levels_of("a/b/c"), V({"a", "b", "c"}));
  EXPECT_EQ(levels_of("/a"), V({"", "a"}));
  EXPECT_EQ(levels_of("a/"), V({"a", ""}));
  EXPECT_EQ(levels_of("/"), V({"", ""}));
  EXPECT_EQ(levels_of("a//b"), V({"a", "", "b"}));
  EXPECT_EQ(levels_of(""), V({""}));
}

TEST(TopicLevels, IteratorIsForwardAndKnowsTheLastLevel) {
  static_assert(std::forward_iterator<TopicLevels::Iterator>);
  const TopicLevels levels("x/y");
  auto it = levels.begin();
  EXPECT_FALSE(it.last());
  auto copy = it++;
  EXPECT_EQ(*copy, "x");
  EXPECT_EQ(*it, "y");
  EXPECT_TRUE(it.last());
  ++it;
  EXPECT_EQ(it, levels.end());
}

TEST(TopicName, MQTT_4_7_3_1_AtLeastOneCharacter) {
  EXPECT_FALSE(valid_topic_name(""));
  EXPECT_TRUE(valid_topic_name("a"));
  EXPECT_TRUE(valid_topic_name("/"));  // a name of two empty levels is legal
}

TEST(TopicName, MQTT_4_7_3_2_NoNullCharacter) {
  EXPECT_FALSE(valid_topic_name(std::string_view("a\0b", 3)));
  EXPECT_FALSE(valid_topic_filter(std::string_view("a/\0", 3)));
}

TEST(TopicName, MQTT_4_7_3_3_AtMost65535Bytes) {
  EXPECT_TRUE(valid_topic_name(std::string(65535, 'a')));
  EXPECT_FALSE(valid_topic_name(std::string(65536, 'a')));
  EXPECT_TRUE(valid_topic_filter(std::string(65535, 'a')));
  EXPECT_FALSE(valid_topic_filter(std::string(65536, 'a')));
}

// 5.0 numbers this one MQTT-4.7.0-1.
TEST(TopicName, MQTT_4_7_1_1_NoWildcardsInTopicName) {
  EXPECT_FALSE(valid_topic_name("a/+"));
  EXPECT_FALSE(valid_topic_name("a/#"));
  EXPECT_FALSE(valid_topic_name("a+b"));
  EXPECT_FALSE(valid_topic_name("#"));
  EXPECT_TRUE(valid_topic_name("$SYS/broker/uptime"));
  EXPECT_TRUE(valid_topic_name("sport/tennis/player1"));
}

// 5.0 numbers this one MQTT-4.7.1-1.
TEST(TopicFilter, MQTT_4_7_1_2_MultiLevelWildcardLast) {
  EXPECT_TRUE(valid_topic_filter("#"));
  EXPECT_TRUE(valid_topic_filter("sport/#"));
  EXPECT_TRUE(valid_topic_filter("sport/tennis/#"));
  EXPECT_TRUE(valid_topic_filter("/#"));
  EXPECT_FALSE(valid_topic_filter("sport/tennis#"));
  EXPECT_FALSE(valid_topic_filter("sport/tennis/#/ranking"));
  EXPECT_FALSE(valid_topic_filter("#/"));
  EXPECT_FALSE(valid_topic_filter("##"));
  EXPECT_FALSE(valid_topic_filter("a/#b"));
}

// 5.0 numbers this one MQTT-4.7.1-2.
TEST(TopicFilter, MQTT_4_7_1_3_SingleLevelWildcardWholeLevel) {
  EXPECT_TRUE(valid_topic_filter("+"));
  EXPECT_TRUE(valid_topic_filter("+/tennis/#"));
  EXPECT_TRUE(valid_topic_filter("sport/+/player1"));
  EXPECT_TRUE(valid_topic_filter("+/+"));
  EXPECT_TRUE(valid_topic_filter("/+"));
  EXPECT_TRUE(valid_topic_filter("+/"));
  EXPECT_FALSE(valid_topic_filter("sport+"));
  EXPECT_FALSE(valid_topic_filter("sport/+tennis"));
  EXPECT_FALSE(valid_topic_filter("++"));
  EXPECT_FALSE(valid_topic_filter("+#"));
}

TEST(TopicFilter, MQTT_4_7_3_1_AtLeastOneCharacter) {
  EXPECT_FALSE(valid_topic_filter(""));
  EXPECT_TRUE(valid_topic_filter("/"));
}

TEST(SharedFilter, ParsesGroupAndFilter) {
  const auto shared = parse_shared("$share/consumers/sport/+/score");
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(shared->group, "consumers");
  EXPECT_EQ(shared->filter, "sport/+/score");

  const auto all = parse_shared("$share/g/#");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->filter, "#");

  EXPECT_FALSE(parse_shared("sport/#").has_value());
  EXPECT_FALSE(parse_shared("$share").has_value());
  EXPECT_FALSE(parse_shared("$SHARE/g/a").has_value());  // the prefix is case-sensitive
}

TEST(SharedFilter, MQTT_4_8_2_1_ShareNameAtLeastOneCharacter) {
  const auto r = parse_subscription_filter("$share//a");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), FilterError::kInvalidShareName);
  EXPECT_EQ(parse_subscription_filter("$share/").error(), FilterError::kInvalidShareName);
  EXPECT_FALSE(parse_shared("$share//a").has_value());
}

TEST(SharedFilter, MQTT_4_8_2_2_ShareNameWithoutWildcardsFollowedByFilter) {
  EXPECT_EQ(parse_subscription_filter("$share/g+/a").error(), FilterError::kInvalidShareName);
  EXPECT_EQ(parse_subscription_filter("$share/#/a").error(), FilterError::kInvalidShareName);
  EXPECT_EQ(parse_subscription_filter("$share/+").error(), FilterError::kInvalidShareName);
  EXPECT_EQ(parse_subscription_filter("$share/g").error(), FilterError::kMissingSharedFilter);
  EXPECT_EQ(parse_subscription_filter("$share/g/").error(), FilterError::kInvalidFilter);
  EXPECT_EQ(parse_subscription_filter("$share/g/a/#/b").error(), FilterError::kInvalidFilter);
  EXPECT_EQ(parse_subscription_filter("$share/g/a+").error(), FilterError::kInvalidFilter);
}

TEST(SharedFilter, ClassifiesOrdinaryAndSharedFilters) {
  const auto ordinary = parse_subscription_filter("a/+/c");
  ASSERT_TRUE(ordinary.has_value());
  EXPECT_FALSE(ordinary->shared());
  EXPECT_EQ(ordinary->filter, "a/+/c");

  const auto shared = parse_subscription_filter("$share/g/a/+/c");
  ASSERT_TRUE(shared.has_value());
  EXPECT_TRUE(shared->shared());
  EXPECT_EQ(shared->group, "g");
  EXPECT_EQ(shared->filter, "a/+/c");

  // "$share" without the slash, and other '$' filters, are ordinary.
  EXPECT_FALSE(parse_subscription_filter("$share").value().shared());
  EXPECT_FALSE(parse_subscription_filter("$SYS/#").value().shared());

  EXPECT_EQ(parse_subscription_filter("a/#/b").error(), FilterError::kInvalidFilter);
  EXPECT_EQ(parse_subscription_filter("").error(), FilterError::kInvalidFilter);
  EXPECT_TRUE(is_shared_filter("$share/x/y"));
  EXPECT_FALSE(is_shared_filter("$share"));
}

TEST(SharedFilter, WholeStringLimitsApply) {
  std::string long_filter = "$share/g/" + std::string(65535, 'a');
  EXPECT_EQ(parse_subscription_filter(long_filter).error(), FilterError::kInvalidFilter);
  EXPECT_EQ(parse_subscription_filter(std::string_view("$share/g\0/a", 11)).error(),
            FilterError::kInvalidFilter);
}

TEST(TopicMatches, ExactAndSingleLevel) {
  EXPECT_TRUE(topic_matches("sport/tennis/player1", "sport/tennis/player1"));
  EXPECT_FALSE(topic_matches("sport/tennis/player1", "sport/tennis/player2"));
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topic_matches("sport/+", "sport"));
  EXPECT_TRUE(topic_matches("sport/+", "sport/"));
  EXPECT_TRUE(topic_matches("+/+", "/finance"));
  EXPECT_TRUE(topic_matches("/+", "/finance"));
  EXPECT_FALSE(topic_matches("+", "/finance"));
  EXPECT_TRUE(topic_matches("+", "finance"));
  EXPECT_FALSE(topic_matches("a/b", "a"));
  EXPECT_FALSE(topic_matches("a", "a/b"));
}

TEST(TopicMatches, MQTT_4_7_1_2_MultiLevelWildcardMatchesParent) {
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(topic_matches("sport/#", "sport"));
  EXPECT_TRUE(topic_matches("#", "sport/tennis"));
  EXPECT_TRUE(topic_matches("#", "/"));
  EXPECT_FALSE(topic_matches("sport/tennis/#", "sport/ten"));
}

TEST(TopicMatches, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("a/+", "a/$b"));  // only the first character of the topic counts
}

TEST(TopicMatches, MQTT_4_7_3_4_NoNormalisation) {
  EXPECT_FALSE(topic_matches("ACCOUNTS", "Accounts"));
  EXPECT_TRUE(topic_matches("Accounts payable", "Accounts payable"));
  EXPECT_FALSE(topic_matches("Accounts payable", "Accounts  payable"));
  // "é" precomposed vs "e" + combining acute: distinct bytes, distinct topics.
  EXPECT_FALSE(topic_matches("caf\xC3\xA9", "cafe\xCC\x81"));
  EXPECT_TRUE(topic_matches("caf\xC3\xA9/+", "caf\xC3\xA9/x"));
}

}  // namespace
}  // namespace pregon::routing
