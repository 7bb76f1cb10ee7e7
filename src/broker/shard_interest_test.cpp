#include "broker/shard_interest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pregon::broker {
namespace {

size_t slot(std::string_view topic) { return ShardInterest::slot_of(std::hash<std::string_view>{}(topic)); }

TEST(ShardInterest, NothingSubscribedMatchesNothing) {
  const ShardInterest interest(2);
  EXPECT_FALSE(interest.may_match(0, slot("a/b")));
  EXPECT_FALSE(interest.may_match(1, slot("a/b")));
}

TEST(ShardInterest, AnExactFilterMatchesItsTopicOnItsShardOnly) {
  ShardInterest interest(2);
  interest.change(1, "a/b", +1);
  EXPECT_TRUE(interest.may_match(1, slot("a/b")));
  EXPECT_FALSE(interest.may_match(0, slot("a/b")));
}

TEST(ShardInterest, AWildcardFilterMakesEveryTopicPossibleOnItsShard) {
  ShardInterest interest(3);
  interest.change(2, "sensors/+/temp", +1);
  EXPECT_TRUE(interest.may_match(2, slot("anything/else")));
  EXPECT_FALSE(interest.may_match(0, slot("anything/else")));
  EXPECT_FALSE(interest.may_match(1, slot("anything/else")));
  interest.change(2, "sensors/+/temp", -1);
  EXPECT_FALSE(interest.may_match(2, slot("anything/else")));
}

TEST(ShardInterest, ATopicStaysWhileAnySubscriptionToItIsLeft) {
  ShardInterest interest(2);
  interest.change(0, "a/b", +1);  // two sessions on shard 0
  interest.change(0, "a/b", +1);
  interest.change(0, "a/b", -1);
  EXPECT_TRUE(interest.may_match(0, slot("a/b")));
  interest.change(0, "a/b", -1);
  EXPECT_FALSE(interest.may_match(0, slot("a/b")));
}

TEST(ShardInterest, ManyTopicsAreAllFoundAndMostOthersAreNot) {
  ShardInterest interest(2);
  for (int i = 0; i < 2000; ++i) interest.change(1, "t/" + std::to_string(i), +1);
  for (int i = 0; i < 2000; ++i) EXPECT_TRUE(interest.may_match(1, slot("t/" + std::to_string(i))));
  int false_positives = 0;
  for (int i = 2000; i < 4000; ++i) false_positives += interest.may_match(1, slot("t/" + std::to_string(i)));
  EXPECT_LT(false_positives, 1000) << "a counting filter, not a broadcast";
  for (int i = 0; i < 2000; ++i) interest.change(1, "t/" + std::to_string(i), -1);
  for (int i = 0; i < 4000; ++i) EXPECT_FALSE(interest.may_match(1, slot("t/" + std::to_string(i))));
}

}  // namespace
}  // namespace pregon::broker
