#include "routing/retained_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "routing/random_topics_for_tests.hpp"
#include "routing/topic.hpp"

namespace pregon::routing {
namespace {

using Store = RetainedStore<std::string>;
using Topics = std::vector<std::string>;

Topics matching(const Store& store, std::string_view filter) {
  Topics out;
  store.match(filter, [&](std::string_view topic, const std::string& value) {
    EXPECT_EQ(value, "v:" + std::string(topic));  // each value names its own topic
    out.emplace_back(topic);
  });
  std::sort(out.begin(), out.end());
  return out;
}

void put(Store& store, std::string_view topic) { store.set(topic, "v:" + std::string(topic)); }

TEST(RetainedStore, SetReplacesFindAndErase) {
  Store store;
  EXPECT_EQ(store.find("a/b"), nullptr);
  store.set("a/b", "one");
  store.set("a/b", "two");
  EXPECT_EQ(store.size(), 1u);
  ASSERT_NE(store.find("a/b"), nullptr);
  EXPECT_EQ(*store.find("a/b"), "two");
  EXPECT_EQ(store.find("a"), nullptr);  // an interior node holds no message
  EXPECT_EQ(store.find("a/b/c"), nullptr);
  EXPECT_FALSE(store.erase("a"));
  EXPECT_TRUE(store.erase("a/b"));
  EXPECT_FALSE(store.erase("a/b"));
  EXPECT_EQ(store.find("a/b"), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

TEST(RetainedStore, EraseKeepsAncestorsWithMessagesAndPrunesTheRest) {
  Store store;
  put(store, "a");
  put(store, "a/b/c/d");
  put(store, "a/x");
  EXPECT_EQ(store.node_count(), 5u);  // a, b, c, d, x
  EXPECT_TRUE(store.erase("a/b/c/d"));
  EXPECT_EQ(store.node_count(), 2u);  // a, x
  EXPECT_TRUE(store.erase("a"));
  EXPECT_EQ(store.node_count(), 2u);  // a stays as the parent of x
  EXPECT_EQ(matching(store, "#"), Topics({"a/x"}));
  EXPECT_TRUE(store.erase("a/x"));
  EXPECT_EQ(store.node_count(), 0u);
  EXPECT_TRUE(matching(store, "#").empty());
}

TEST(RetainedStore, MatchFollowsTheFilter) {
  Store store;
  for (const char* t : {"sport/tennis/player1", "sport/tennis/player1/ranking",
                        "sport/tennis/player2", "sport/football", "sport", "news", "/finance",
                        "sport/"}) {
    put(store, t);
  }
  EXPECT_EQ(matching(store, "sport/tennis/player1"), Topics({"sport/tennis/player1"}));
  EXPECT_EQ(matching(store, "sport/tennis/+"),
            Topics({"sport/tennis/player1", "sport/tennis/player2"}));
  EXPECT_EQ(matching(store, "sport/+"), Topics({"sport/", "sport/football"}));
  EXPECT_EQ(matching(store, "+"), Topics({"news", "sport"}));
  EXPECT_EQ(matching(store, "+/+"), Topics({"/finance", "sport/", "sport/football"}));
  EXPECT_EQ(matching(store, "/+"), Topics({"/finance"}));
  EXPECT_EQ(matching(store, "+/tennis/#"),
            Topics({"sport/tennis/player1", "sport/tennis/player1/ranking",
                    "sport/tennis/player2"}));
  EXPECT_EQ(matching(store, "nothing/+"), Topics({}));
  EXPECT_EQ(matching(store, "#").size(), 8u);
}

TEST(RetainedStore, MQTT_4_7_1_2_MultiLevelWildcardMatchesParentLevel) {
  Store store;
  put(store, "sport");
  put(store, "sport/tennis");
  put(store, "sport/tennis/player1");
  put(store, "sports");
  EXPECT_EQ(matching(store, "sport/#"),
            Topics({"sport", "sport/tennis", "sport/tennis/player1"}));
  EXPECT_EQ(matching(store, "sport/tennis/player1/#"), Topics({"sport/tennis/player1"}));
}

TEST(RetainedStore, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  Store store;
  put(store, "$SYS/broker/uptime");
  put(store, "$SYS");
  put(store, "a/$b");
  put(store, "a");
  EXPECT_EQ(matching(store, "#"), Topics({"a", "a/$b"}));
  EXPECT_EQ(matching(store, "+"), Topics({"a"}));
  EXPECT_EQ(matching(store, "+/broker/uptime"), Topics({}));
  EXPECT_EQ(matching(store, "$SYS/#"), Topics({"$SYS", "$SYS/broker/uptime"}));
  EXPECT_EQ(matching(store, "$SYS/+/uptime"), Topics({"$SYS/broker/uptime"}));
  EXPECT_EQ(matching(store, "a/+"), Topics({"a/$b"}));
}

TEST(RetainedStore, MQTT_4_7_3_4_LevelsComparedWithoutNormalisation) {
  Store store;
  put(store, "Caf\xC3\xA9");
  EXPECT_EQ(matching(store, "caf\xC3\xA9"), Topics({}));
  EXPECT_EQ(matching(store, "Cafe\xCC\x81"), Topics({}));
  EXPECT_EQ(store.find("Caf\xC3\xA9")->size(), 7u);
}

TEST(RetainedStore, EmptyLevelsArePartOfTheTopic) {
  Store store;
  put(store, "/");
  put(store, "a//b");
  put(store, "a/");
  EXPECT_EQ(matching(store, "+/+"), Topics({"/", "a/"}));
  EXPECT_EQ(matching(store, "a/+/b"), Topics({"a//b"}));
  EXPECT_EQ(matching(store, "#"), Topics({"/", "a/", "a//b"}));
}

TEST(RetainedStore, ForEachVisitsEverythingIncludingDollarTopics) {
  Store store;
  put(store, "$SYS/x");
  put(store, "a/b");
  put(store, "a");
  Topics seen;
  store.for_each([&](std::string_view topic, const std::string&) { seen.emplace_back(topic); });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, Topics({"$SYS/x", "a", "a/b"}));
}

TEST(RetainedStore, VeryDeepTopicsNeedNoRecursion) {
  std::string topic = "a";
  while (topic.size() + 2 <= kMaxTopicLength) topic += "/a";
  {
    Store store;
    put(store, topic);
    EXPECT_EQ(matching(store, "#"), Topics({topic}));
    EXPECT_EQ(matching(store, "a/#"), Topics({topic}));
    std::string wild = topic;
    wild.back() = '+';
    EXPECT_EQ(matching(store, wild), Topics({topic}));
  }  // destruction of the deep chain
  Store store;
  put(store, topic);
  EXPECT_TRUE(store.erase(topic));
  EXPECT_EQ(store.node_count(), 0u);
}

TEST(RetainedStore, MovedFromStoreIsEmptyAndUsable) {
  Store a;
  put(a, "x");
  Store b(std::move(a));
  EXPECT_EQ(matching(b, "x"), Topics({"x"}));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  put(a, "y");
  b = std::move(a);
  EXPECT_EQ(matching(b, "#"), Topics({"y"}));
}

TEST(RetainedStore, RandomizedAgreesWithTopicMatches) {
  RandomTopics random(99);
  Store store;
  std::map<std::string, std::string> live;
  for (int i = 0; i < 600; ++i) {
    const std::string t = random.topic();
    if (t.empty()) continue;
    if (random.pick(4) == 0) {
      EXPECT_EQ(store.erase(t), live.erase(t) == 1);
    } else {
      put(store, t);
      live[t] = "v:" + t;
    }
  }
  ASSERT_EQ(store.size(), live.size());
  for (int i = 0; i < 1000; ++i) {
    const std::string f = random.filter();
    if (f.empty()) continue;
    ASSERT_TRUE(valid_topic_filter(f)) << f;
    Topics want;
    for (const auto& [topic, value] : live) {
      if (topic_matches(f, topic)) want.push_back(topic);
    }
    ASSERT_EQ(matching(store, f), want) << "filter " << f;
  }
}

// The order match() and match_after() promise: level by level, a topic before those below it.
std::vector<std::string> levels_of(std::string_view topic) {
  std::vector<std::string> levels;
  for (const std::string_view level : TopicLevels(topic)) levels.emplace_back(level);
  return levels;
}

bool topic_order(const std::string& a, const std::string& b) { return levels_of(a) < levels_of(b); }

// The topics match_after visits from `after`, at most `limit` of them, in the order visited.
Topics matching_after(const Store& store, std::string_view filter, std::string_view after, std::size_t limit) {
  Topics out;
  store.match_after(filter, after, [&](std::string_view topic, const std::string& value) {
    EXPECT_EQ(value, "v:" + std::string(topic));
    out.emplace_back(topic);
    return out.size() < limit;
  });
  return out;
}

// Walks `filter` in steps of `step` topics, each resumed after the last one visited.
Topics matching_in_steps(const Store& store, std::string_view filter, std::size_t step) {
  Topics all;
  std::string after;
  for (;;) {
    const Topics part = matching_after(store, filter, after, step);
    all.insert(all.end(), part.begin(), part.end());
    if (part.size() < step) return all;
    after = part.back();
  }
}

TEST(RetainedStore, MatchVisitsInTopicOrder) {
  Store store;
  for (const char* t : {"b", "a/c", "a", "a/b/z", "a/b", "/x", "a//", "ab", "a/\xC3\xA9", "a/~"}) put(store, t);
  Topics seen;
  store.match("#", [&](std::string_view topic, const std::string&) { seen.emplace_back(topic); });
  // Level by level: "a" and everything below it before "ab"; bytes compared as unsigned.
  EXPECT_EQ(seen, Topics({"/x", "a", "a//", "a/b", "a/b/z", "a/c", "a/~", "a/\xC3\xA9", "ab", "b"}));
}

TEST(RetainedStore, MatchAfterResumesAfterTheGivenTopic) {
  Store store;
  for (const char* t : {"a", "a/b", "a/b/c", "a/d", "b", "b/x", "$SYS/y"}) put(store, t);
  EXPECT_EQ(matching_after(store, "#", "a/b", 100), Topics({"a/b/c", "a/d", "b", "b/x"}));
  EXPECT_EQ(matching_after(store, "#", "a/b", 2), Topics({"a/b/c", "a/d"}));
  EXPECT_EQ(matching_after(store, "a/+", "a/b", 100), Topics({"a/d"}));
  EXPECT_EQ(matching_after(store, "a/b", "a/b", 100), Topics({}));
  EXPECT_EQ(matching_after(store, "+/x", "a/b/c", 100), Topics({"b/x"}));
  EXPECT_EQ(matching_after(store, "#", "b/x", 100), Topics({}));
  // A topic that is not (or no longer) stored is a position all the same.
  EXPECT_EQ(matching_after(store, "#", "a/c", 100), Topics({"a/d", "b", "b/x"}));
  EXPECT_EQ(matching_after(store, "#", "0", 100), Topics({"a", "a/b", "a/b/c", "a/d", "b", "b/x"}));
  EXPECT_EQ(matching_after(store, "$SYS/#", "$SYS", 100), Topics({"$SYS/y"}));
}

TEST(RetainedStore, AllAfterPagesThroughEveryTopicDollarOnesIncluded) {
  Store store;
  for (const char* t : {"a", "a/b", "$SYS/y", "b", "$SYS"}) put(store, t);
  Topics seen;
  std::string after;
  for (;;) {  // pages of two, each resumed after the last topic of the one before
    Topics page;
    store.all_after(after, [&](std::string_view topic, const std::string&) {
      page.emplace_back(topic);
      return page.size() < 2;
    });
    seen.insert(seen.end(), page.begin(), page.end());
    if (page.size() < 2) break;
    after = page.back();
  }
  EXPECT_EQ(seen, Topics({"$SYS", "$SYS/y", "a", "a/b", "b"}));
}

TEST(RetainedStore, MatchAfterInStepsVisitsEachTopicOnceAndInOrder) {
  RandomTopics random(7);
  Store store;
  std::map<std::string, std::string> live;
  for (int i = 0; i < 400; ++i) {
    const std::string t = random.topic();
    if (t.empty()) continue;
    put(store, t);
    live[t] = "v:" + t;
  }
  for (int i = 0; i < 300; ++i) {
    const std::string f = random.filter();
    if (f.empty()) continue;
    Topics want;
    for (const auto& [topic, value] : live) {
      if (topic_matches(f, topic)) want.push_back(topic);
    }
    std::sort(want.begin(), want.end(), topic_order);
    ASSERT_EQ(matching_in_steps(store, f, 1 + random.pick(5)), want) << "filter " << f;
  }
}

TEST(RetainedStore, MatchAfterSeesChangesMadeBetweenSteps) {
  Store store;
  for (int i = 10; i < 40; ++i) put(store, "t/" + std::to_string(i));
  Topics seen = matching_after(store, "t/#", "", 10);  // t/10 .. t/19
  ASSERT_EQ(seen.back(), "t/19");
  put(store, "t/15/late");  // before the position: not visited
  put(store, "t/25/late");  // after it: visited in its place
  EXPECT_TRUE(store.erase("t/19"));  // the position itself goes away
  EXPECT_TRUE(store.erase("t/30"));
  Topics rest;
  std::string after = seen.back();
  for (Topics part; !(part = matching_after(store, "t/#", after, 4)).empty(); after = part.back()) {
    rest.insert(rest.end(), part.begin(), part.end());
  }
  Topics want;
  for (int i = 20; i < 40; ++i) {
    if (i == 30) continue;
    want.push_back("t/" + std::to_string(i));
    if (i == 25) want.push_back("t/25/late");
  }
  EXPECT_EQ(rest, want);
}

}  // namespace
}  // namespace pregon::routing
