#include "routing/subscription_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <new>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/allocation_counter.hpp"
#include "routing/random_topics_for_tests.hpp"
#include "routing/topic.hpp"

namespace pregon::routing {
namespace {

// Value as the broker would use it: granted QoS and an optional Subscription Identifier.
struct Options {
  int qos = 0;
  std::uint32_t subscription_id = 0;
  bool operator==(const Options&) const = default;
};

using Tree = SubscriptionTree<int, Options>;

// (key, qos) pairs reported for ordinary subscribers, sorted.
std::vector<std::pair<int, int>> subscribers_of(const Tree& tree, std::string_view topic) {
  std::vector<std::pair<int, int>> out;
  tree.match(
      topic, [&](int key, const Options& o) { out.emplace_back(key, o.qos); },
      [](const Tree::Group&) {});
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> keys_of(const Tree& tree, std::string_view topic) {
  std::vector<int> out;
  for (const auto& [key, qos] : subscribers_of(tree, topic)) out.push_back(key);
  return out;
}

using Keys = std::vector<int>;

TEST(SubscriptionTree, MatchesExactAndWildcardFilters) {
  Tree tree;
  EXPECT_TRUE(tree.subscribe("sport/tennis/player1", 1, {}));
  EXPECT_TRUE(tree.subscribe("sport/tennis/+", 2, {}));
  EXPECT_TRUE(tree.subscribe("sport/#", 3, {}));
  EXPECT_TRUE(tree.subscribe("+/+/player1", 4, {}));
  EXPECT_TRUE(tree.subscribe("sport/football/+", 5, {}));
  EXPECT_TRUE(tree.subscribe("#", 6, {}));
  EXPECT_EQ(tree.size(), 6u);

  EXPECT_EQ(keys_of(tree, "sport/tennis/player1"), Keys({1, 2, 3, 4, 6}));
  EXPECT_EQ(keys_of(tree, "sport/tennis/player2"), Keys({2, 3, 6}));
  EXPECT_EQ(keys_of(tree, "sport/tennis/player1/ranking"), Keys({3, 6}));
  EXPECT_EQ(keys_of(tree, "news"), Keys({6}));
  EXPECT_EQ(keys_of(tree, "sport/football/x"), Keys({3, 5, 6}));
}

TEST(SubscriptionTree, EmptyTreeMatchesNothing) {
  const Tree tree;
  EXPECT_TRUE(keys_of(tree, "a").empty());
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_FALSE(Tree().unsubscribe("a", 1));
}

TEST(SubscriptionTree, MQTT_4_7_1_2_MultiLevelWildcardMatchesParentLevel) {
  Tree tree;
  tree.subscribe("sport/tennis/player1/#", 1, {});
  tree.subscribe("sport/#", 2, {});
  EXPECT_EQ(keys_of(tree, "sport/tennis/player1"), Keys({1, 2}));
  EXPECT_EQ(keys_of(tree, "sport"), Keys({2}));
  EXPECT_EQ(keys_of(tree, "sport/"), Keys({2}));
  EXPECT_EQ(keys_of(tree, "sports"), Keys({}));
}

TEST(SubscriptionTree, MQTT_4_7_1_3_SingleLevelWildcardMatchesOneLevel) {
  Tree tree;
  tree.subscribe("sport/+", 1, {});
  tree.subscribe("+/+", 2, {});
  tree.subscribe("/+", 3, {});
  tree.subscribe("+", 4, {});
  EXPECT_EQ(keys_of(tree, "sport"), Keys({4}));
  EXPECT_EQ(keys_of(tree, "sport/"), Keys({1, 2}));  // '+' matches an empty level
  EXPECT_EQ(keys_of(tree, "/finance"), Keys({2, 3}));
  EXPECT_EQ(keys_of(tree, "sport/a/b"), Keys({}));
}

TEST(SubscriptionTree, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  Tree tree;
  tree.subscribe("#", 1, {});
  tree.subscribe("+/monitor/Clients", 2, {});
  tree.subscribe("$SYS/#", 3, {});
  tree.subscribe("$SYS/monitor/+", 4, {});
  tree.subscribe("+/#", 5, {});
  tree.subscribe_shared("g", "#", 6, {});
  EXPECT_EQ(keys_of(tree, "$SYS/monitor/Clients"), Keys({3, 4}));
  EXPECT_EQ(keys_of(tree, "x/monitor/Clients"), Keys({1, 2, 5}));
  EXPECT_EQ(keys_of(tree, "x/$SYS"), Keys({1, 5}));  // '$' counts only as the first character
  int groups = 0;
  tree.match("$SYS/x", [](int, const Options&) {}, [&](const Tree::Group&) { ++groups; });
  EXPECT_EQ(groups, 0);
  tree.match("SYS/x", [](int, const Options&) {}, [&](const Tree::Group&) { ++groups; });
  EXPECT_EQ(groups, 1);
}

TEST(SubscriptionTree, MQTT_4_7_3_4_LevelsComparedWithoutNormalisation) {
  Tree tree;
  tree.subscribe("Accounts/caf\xC3\xA9", 1, {});
  EXPECT_EQ(keys_of(tree, "accounts/caf\xC3\xA9"), Keys({}));
  EXPECT_EQ(keys_of(tree, "Accounts/cafe\xCC\x81"), Keys({}));
  EXPECT_EQ(keys_of(tree, "Accounts/caf\xC3\xA9"), Keys({1}));
}

TEST(SubscriptionTree, MQTT_3_8_4_3_SameFilterReplacesSubscription) {
  Tree tree;
  EXPECT_TRUE(tree.subscribe("a/b", 1, {1, 7}));
  EXPECT_FALSE(tree.subscribe("a/b", 1, {2, 8}));
  EXPECT_EQ(tree.size(), 1u);
  ASSERT_NE(tree.find("a/b", 1), nullptr);
  EXPECT_EQ(*tree.find("a/b", 1), (Options{2, 8}));
  EXPECT_EQ(subscribers_of(tree, "a/b"), (std::vector<std::pair<int, int>>{{1, 2}}));
  EXPECT_EQ(tree.find("a/+", 1), nullptr);
  EXPECT_EQ(tree.find("a/b", 2), nullptr);
}

// The tree reports each overlapping filter separately, with its own options, so the caller can
// apply the highest QoS and collect every Subscription Identifier.
TEST(SubscriptionTree, MQTT_3_3_4_2_OverlappingSubscriptionsReportedPerFilter) {
  Tree tree;
  tree.subscribe("a/b", 1, {0, 10});
  tree.subscribe("a/+", 1, {2, 11});
  tree.subscribe("a/#", 1, {1, 12});
  tree.subscribe("a/c", 1, {1, 13});
  std::vector<std::uint32_t> ids;
  int max_qos = -1;
  tree.match(
      "a/b",
      [&](int key, const Options& o) {
        EXPECT_EQ(key, 1);
        ids.push_back(o.subscription_id);
        max_qos = std::max(max_qos, o.qos);
      },
      [](const Tree::Group&) {});
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{10, 11, 12}));  // [MQTT-3.3.4-3]
  EXPECT_EQ(max_qos, 2);
}

TEST(SubscriptionTree, UnsubscribeRemovesOnlyThatFilterAndPrunes) {
  Tree tree;
  tree.subscribe("a/b/c", 1, {});
  tree.subscribe("a/b/c", 2, {});
  tree.subscribe("a/+/c", 1, {});
  tree.subscribe("a/#", 3, {});
  const std::size_t full = tree.node_count();  // a, b, c, +, c, #
  EXPECT_EQ(full, 6u);

  EXPECT_FALSE(tree.unsubscribe("a/b", 1));    // no such subscription
  EXPECT_FALSE(tree.unsubscribe("a/b/c", 9));  // no such key
  EXPECT_FALSE(tree.unsubscribe("x/y", 1));
  EXPECT_EQ(tree.node_count(), full);

  EXPECT_TRUE(tree.unsubscribe("a/b/c", 1));
  EXPECT_FALSE(tree.unsubscribe("a/b/c", 1));
  EXPECT_EQ(keys_of(tree, "a/b/c"), Keys({1, 2, 3}));  // 1 still via a/+/c
  EXPECT_EQ(tree.node_count(), full);

  EXPECT_TRUE(tree.unsubscribe("a/b/c", 2));
  EXPECT_EQ(tree.node_count(), 4u);  // a/b/c gone: a, +, c, #
  EXPECT_TRUE(tree.unsubscribe("a/+/c", 1));
  EXPECT_EQ(tree.node_count(), 2u);  // a, #
  EXPECT_TRUE(tree.unsubscribe("a/#", 3));
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_TRUE(keys_of(tree, "a/b/c").empty());

  // The tree is reusable after being emptied.
  EXPECT_TRUE(tree.subscribe("a/b/c", 1, {}));
  EXPECT_EQ(keys_of(tree, "a/b/c"), Keys({1}));
}

TEST(SubscriptionTree, ManySubscribersOnOneFilter) {
  Tree tree;
  constexpr int kCount = 200000;
  for (int key = 0; key < kCount; ++key) {
    ASSERT_TRUE(tree.subscribe("hot/topic", key, {key % 3, 0}));
  }
  EXPECT_EQ(tree.size(), static_cast<std::size_t>(kCount));
  EXPECT_FALSE(tree.subscribe("hot/topic", 12345, {2, 99}));
  EXPECT_EQ(tree.find("hot/topic", 12345)->subscription_id, 99u);

  // Remove all but every 1000th key, in random order: each removal is O(1), so this takes a
  // fraction of a second even in a debug build (a linear removal would take minutes).
  std::vector<int> order(kCount);
  for (int i = 0; i < kCount; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (int key : order) {
    if (key % 1000 != 0) {
      ASSERT_TRUE(tree.unsubscribe("hot/topic", key)) << key;
    }
  }
  Keys expected;
  for (int key = 0; key < kCount; key += 1000) expected.push_back(key);
  EXPECT_EQ(keys_of(tree, "hot/topic"), expected);
  for (int key : expected) {
    ASSERT_NE(tree.find("hot/topic", key), nullptr);
    EXPECT_EQ(tree.find("hot/topic", key)->qos, key % 3);
  }
  for (int key : expected) EXPECT_TRUE(tree.unsubscribe("hot/topic", key));
  EXPECT_EQ(tree.node_count(), 0u);
}

// Crosses the point where a subscriber list gains or drops its index, in both directions.
TEST(SubscriptionTree, SubscriberIndexThresholdKeepsEntriesConsistent) {
  Tree tree;
  std::set<int> live;
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    const int key = static_cast<int>(rng() % 40);
    if (rng() % 2 == 0) {
      EXPECT_EQ(tree.subscribe("t", key, {key % 3, static_cast<std::uint32_t>(key)}),
                live.insert(key).second);
    } else {
      EXPECT_EQ(tree.unsubscribe("t", key), live.erase(key) == 1);
    }
    if (step % 50 == 0) {
      EXPECT_EQ(keys_of(tree, "t"), Keys(live.begin(), live.end()));
      for (int k : live) ASSERT_NE(tree.find("t", k), nullptr);
    }
  }
}

TEST(SubscriptionTree, ForEachVisitsEveryEntryWithItsFilter) {
  Tree tree;
  tree.subscribe("a/b", 1, {1, 0});
  tree.subscribe("a/+/#", 2, {2, 0});
  tree.subscribe("/", 3, {0, 0});
  tree.subscribe("#", 4, {0, 0});
  tree.subscribe_shared("workers", "jobs/+", 5, {1, 0});
  tree.subscribe_shared("workers", "jobs/+", 6, {1, 0});
  std::set<std::pair<std::string, int>> seen;
  tree.for_each([&](std::string_view filter, int key, const Options&) {
    seen.emplace(std::string(filter), key);
  });
  const std::set<std::pair<std::string, int>> expected{
      {"a/b", 1}, {"a/+/#", 2}, {"/", 3}, {"#", 4},
      {"$share/workers/jobs/+", 5}, {"$share/workers/jobs/+", 6}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(tree.size(), 6u);
}

TEST(SubscriptionTree, ForEachMatchNamesTheFiltersThatMatchATopic) {
  Tree tree;
  tree.subscribe("a/b", 1, {1, 0});
  tree.subscribe("a/+", 2, {2, 0});
  tree.subscribe("a/#", 2, {0, 0});
  tree.subscribe("#", 3, {0, 0});
  tree.subscribe("b/#", 4, {0, 0});
  tree.subscribe_shared("workers", "a/+", 5, {1, 0});
  tree.subscribe_shared("workers", "a/+", 6, {1, 0});
  std::set<std::pair<std::string, int>> seen;
  tree.for_each_match("a/b", [&](std::string_view filter, int key, const Options&) {
    seen.emplace(std::string(filter), key);
  });
  const std::set<std::pair<std::string, int>> expected{
      {"a/b", 1}, {"a/+", 2}, {"a/#", 2}, {"#", 3}, {"$share/workers/a/+", 5}, {"$share/workers/a/+", 6}};
  EXPECT_EQ(seen, expected);

  // The same rules as match(): '$' topics are not reached by a leading wildcard [MQTT-4.7.2-1].
  seen.clear();
  tree.for_each_match("$SYS/x", [&](std::string_view filter, int key, const Options&) {
    seen.emplace(std::string(filter), key);
  });
  EXPECT_TRUE(seen.empty());
}

// ---- Shared subscriptions (5.0 section 4.8.2) ----

// Collects, per message, the groups reported and the member picked from each.
std::vector<std::pair<std::string, int>> deliver(const Tree& tree, std::string_view topic) {
  std::vector<std::pair<std::string, int>> picked;
  tree.match(
      topic, [](int, const Options&) {},
      [&](const Tree::Group& g) { picked.emplace_back(std::string(g.name()), g.pick_next().key); });
  std::sort(picked.begin(), picked.end());
  return picked;
}

TEST(SharedSubscription, OneMemberPickedPerMessageInRoundRobin) {
  Tree tree;
  EXPECT_TRUE(tree.subscribe_shared("g", "jobs/+", 1, {}));
  EXPECT_TRUE(tree.subscribe_shared("g", "jobs/+", 2, {}));
  EXPECT_TRUE(tree.subscribe_shared("g", "jobs/+", 3, {}));
  EXPECT_FALSE(tree.subscribe_shared("g", "jobs/+", 2, {1, 5}));  // replaces
  EXPECT_EQ(tree.size(), 3u);

  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    const auto picked = deliver(tree, "jobs/x");
    ASSERT_EQ(picked.size(), 1u);  // one group, one member per message
    order.push_back(picked[0].second);
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 1, 2, 3}));

  const Tree::Group* group = tree.find_shared("g", "jobs/+");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->name(), "g");
  EXPECT_EQ(group->filter(), "jobs/+");
  EXPECT_EQ(group->size(), 3u);
  EXPECT_EQ(group->find(2)->value, (Options{1, 5}));
  EXPECT_EQ(group->find(9), nullptr);
}

TEST(SharedSubscription, GroupsAreIdentifiedByNameAndFilter) {
  Tree tree;
  tree.subscribe_shared("g", "a/+", 1, {});
  tree.subscribe_shared("h", "a/+", 2, {});
  tree.subscribe_shared("g", "a/#", 3, {});
  tree.subscribe("a/+", 4, {});  // an ordinary subscription on the same filter is separate
  EXPECT_EQ(deliver(tree, "a/b"), (std::vector<std::pair<std::string, int>>{
                                      {"g", 1}, {"g", 3}, {"h", 2}}));
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({4}));
  EXPECT_EQ(tree.size(), 4u);
  // Shared and ordinary memberships do not remove one another.
  EXPECT_FALSE(tree.unsubscribe("a/+", 1));
  EXPECT_FALSE(tree.unsubscribe_shared("g", "a/+", 4));
  EXPECT_FALSE(tree.unsubscribe_shared("h", "a/#", 3));
}

TEST(SharedSubscription, MembersLeavingKeepTheRotationGoing) {
  Tree tree;
  for (int key = 1; key <= 4; ++key) tree.subscribe_shared("g", "t", key, {});
  EXPECT_EQ(deliver(tree, "t")[0].second, 1);
  EXPECT_EQ(deliver(tree, "t")[0].second, 2);
  // 4 (last) moves into 2's slot; the next pick is still 3, then each member once per round.
  EXPECT_TRUE(tree.unsubscribe_shared("g", "t", 2));
  EXPECT_FALSE(tree.unsubscribe_shared("g", "t", 2));
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) order.push_back(deliver(tree, "t")[0].second);
  EXPECT_EQ(std::set<int>(order.begin(), order.begin() + 3), (std::set<int>{1, 3, 4}));
  EXPECT_EQ(std::vector<int>(order.begin(), order.begin() + 3),
            std::vector<int>(order.begin() + 3, order.end()));

  // The member due next leaves: the rotation continues with the remaining ones.
  tree.unsubscribe_shared("g", "t", order[0]);
  std::set<int> remaining;
  for (int i = 0; i < 4; ++i) remaining.insert(deliver(tree, "t")[0].second);
  EXPECT_EQ(remaining.size(), 2u);
  EXPECT_EQ(remaining.count(order[0]), 0u);

  // The group disappears with its last member, and the nodes with it.
  for (int key : remaining) EXPECT_TRUE(tree.unsubscribe_shared("g", "t", key));
  EXPECT_EQ(tree.find_shared("g", "t"), nullptr);
  EXPECT_TRUE(deliver(tree, "t").empty());
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_EQ(tree.size(), 0u);
}

TEST(SharedSubscription, PickNextIfSkipsIneligibleMembers) {
  Tree tree;
  for (int key = 1; key <= 4; ++key) tree.subscribe_shared("g", "t", key, {});
  const Tree::Group& group = *tree.find_shared("g", "t");
  const auto odd = [](const Tree::Group::Member& m) { return m.key % 2 == 1; };
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) order.push_back(group.pick_next_if(odd)->key);
  EXPECT_EQ(order, (std::vector<int>{1, 3, 1, 3}));
  EXPECT_EQ(group.pick_next_if([](const Tree::Group::Member&) { return false; }), nullptr);
}

TEST(SharedSubscription, ManyMembersLeaveInAnyOrder) {
  Tree tree;
  constexpr int kCount = 50000;
  for (int key = 0; key < kCount; ++key) tree.subscribe_shared("g", "t/#", key, {});
  std::vector<int> order(kCount);
  for (int i = 0; i < kCount; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  for (int i = 0; i < kCount - 1; ++i) {
    ASSERT_TRUE(tree.unsubscribe_shared("g", "t/#", order[i]));
    if (i % 997 == 0) deliver(tree, "t/x");  // keep the cursor moving through removals
  }
  EXPECT_EQ(deliver(tree, "t"), (std::vector<std::pair<std::string, int>>{{"g", order.back()}}));
}

// ---- Structure and resource behaviour ----

TEST(SubscriptionTree, VeryDeepFiltersNeedNoRecursion) {
  // 32768 levels, the most a 65535-byte filter can hold.
  std::string filter = "a";
  while (filter.size() + 2 <= kMaxTopicLength) filter += "/a";
  ASSERT_TRUE(valid_topic_filter(filter));
  std::string wild = filter;
  wild[wild.size() - 1] = '+';
  {
    Tree tree;
    tree.subscribe(filter, 1, {});
    tree.subscribe(wild, 2, {});
    tree.subscribe(filter.substr(0, 30001) + "/#", 3, {});
    EXPECT_EQ(keys_of(tree, filter), Keys({1, 2, 3}));
    EXPECT_TRUE(tree.unsubscribe(filter, 1));
    EXPECT_EQ(keys_of(tree, filter), Keys({2, 3}));
  }  // destruction of the remaining deep chain
  Tree tree;
  tree.subscribe(filter, 1, {});
  EXPECT_TRUE(tree.unsubscribe(filter, 1));
  EXPECT_EQ(tree.node_count(), 0u);
}

TEST(SubscriptionTree, MovedFromTreeIsEmptyAndUsable) {
  Tree a;
  a.subscribe("x/y", 1, {});
  Tree b(std::move(a));
  EXPECT_EQ(keys_of(b, "x/y"), Keys({1}));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_TRUE(keys_of(a, "x/y").empty());
  EXPECT_TRUE(a.subscribe("x/y", 2, {}));
  EXPECT_EQ(keys_of(a, "x/y"), Keys({2}));
  b = std::move(a);
  EXPECT_EQ(keys_of(b, "x/y"), Keys({2}));
}

TEST(SubscriptionTree, MatchAllocatesNothing) {
  Tree tree;
  tree.subscribe("sensors/+/temperature", 1, {});
  tree.subscribe("sensors/#", 2, {});
  tree.subscribe("sensors/kitchen/temperature", 3, {});
  tree.subscribe_shared("g", "sensors/+/+", 4, {});
  for (int i = 0; i < 100; ++i) tree.subscribe("other/" + std::to_string(i), i, {});
  const std::size_t probe = pregon::base::thread_allocation_count;
  tree.subscribe("probe/that/the/counter/works", 1, {});
  ASSERT_GT(pregon::base::thread_allocation_count, probe);

  std::size_t seen = 0;
  tree.match("sensors/kitchen/temperature", [](int, const Options&) {}, [](const Tree::Group&) {});  // fills the cache
  const std::size_t before = pregon::base::thread_allocation_count;
  for (int i = 0; i < 100; ++i) {
    tree.match(
        "sensors/kitchen/temperature", [&](int, const Options&) { ++seen; },
        [&](const Tree::Group& g) { seen += static_cast<std::size_t>(g.pick_next().key); });
  }
  EXPECT_EQ(pregon::base::thread_allocation_count - before, 0u);
  EXPECT_EQ(seen, 100u * (3 + 4));
}

TEST(SubscriptionTree, AMatchRememberedIsForgottenWhenTheTreeChanges) {
  Tree tree;
  tree.subscribe("a/+", 1, {});
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({1}));
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({1}));
  tree.subscribe("a/b", 2, {});  // a node that did not exist when "a/b" was first matched
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({1, 2}));
  tree.subscribe("a/+", 3, {});  // a subscriber more on a remembered node
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({1, 2, 3}));
  tree.subscribe("a/+", 3, {.qos = 2});  // replaced in place
  EXPECT_EQ(subscribers_of(tree, "a/b"), (std::vector<std::pair<int, int>>{{1, 0}, {2, 0}, {3, 2}}));
  EXPECT_TRUE(tree.unsubscribe("a/b", 2));  // the node is pruned
  EXPECT_EQ(keys_of(tree, "a/b"), Keys({1, 3}));
  EXPECT_TRUE(tree.unsubscribe("a/+", 1));
  EXPECT_TRUE(tree.unsubscribe("a/+", 3));
  EXPECT_TRUE(keys_of(tree, "a/b").empty());
  tree.subscribe_shared("g", "a/b", 4, {});
  std::size_t groups = 0;
  tree.match("a/b", [](int, const Options&) {}, [&](const Tree::Group&) { ++groups; });
  EXPECT_EQ(groups, 1u);
  EXPECT_TRUE(tree.unsubscribe_shared("g", "a/b", 4));
  tree.match("a/b", [](int, const Options&) {}, [&](const Tree::Group&) { ++groups; });
  EXPECT_EQ(groups, 1u);
}

TEST(SubscriptionTree, MoreTopicsThanCacheSlotsAllMatch) {
  Tree tree;
  for (int i = 0; i < 5000; ++i) tree.subscribe("t/" + std::to_string(i), i, {});
  tree.subscribe("t/#", -1, {});
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 5000; ++i) ASSERT_EQ(keys_of(tree, "t/" + std::to_string(i)), Keys({-1, i}));
  }
}

// ---- The tree agrees with the reference matcher ----

TEST(SubscriptionTree, RandomizedAgreesWithTopicMatches) {
  RandomTopics random(20240601);
  const auto pick = [&](std::size_t n) { return random.pick(n); };
  const auto random_topic = [&] {
    const std::string t = random.topic();
    return t.empty() ? std::string("a") : t;
  };
  const auto random_filter = [&] {
    const std::string f = random.filter();
    return f.empty() ? std::string("#") : f;
  };

  using Pair = std::pair<int, std::string>;  // (key, filter)
  SubscriptionTree<int, std::string> tree;
  std::set<Pair> live;
  std::vector<std::string> recurring;
  for (int i = 0; i < 300; ++i) recurring.push_back(random_topic());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 400; ++i) {
      const std::string filter = random_filter();
      ASSERT_TRUE(valid_topic_filter(filter)) << filter;
      const int key = static_cast<int>(pick(30));
      EXPECT_EQ(tree.subscribe(filter, key, filter), live.emplace(key, filter).second);
    }
    // Drop about a third, to exercise pruning between rounds.
    for (auto it = live.begin(); it != live.end();) {
      if (pick(3) == 0) {
        EXPECT_TRUE(tree.unsubscribe(it->second, it->first));
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    ASSERT_EQ(tree.size(), live.size());
    // Topics seen in every round, twice: the second match of a topic comes from the match cache,
    // the first of a round after the tree changed must not.
    std::vector<std::string> topics = recurring;
    for (int i = 0; i < 500; ++i) topics.push_back(random_topic());
    for (int i = 0; i < 2 * 500; ++i) topics.push_back(recurring[static_cast<std::size_t>(i) % recurring.size()]);
    for (const std::string& topic : topics) {
      std::vector<Pair> got;
      tree.match(
          topic, [&](int key, const std::string& filter) { got.emplace_back(key, filter); },
          [](const auto&) {});
      std::sort(got.begin(), got.end());
      std::vector<Pair> want;
      for (const Pair& p : live) {
        if (topic_matches(p.second, topic)) want.push_back(p);
      }
      ASSERT_EQ(got, want) << "topic " << topic;
    }
  }
  for (const Pair& p : live) EXPECT_TRUE(tree.unsubscribe(p.second, p.first));
  EXPECT_EQ(tree.node_count(), 0u);
}

}  // namespace
}  // namespace pregon::routing
