#include "bench/scenario_plan.hpp"

#include <gtest/gtest.h>

#include <set>

namespace pregon::bench {
namespace {

BenchOptions options(Scenario s, uint32_t n, uint32_t threads = 1) {
  BenchOptions o;
  o.scenario = s;
  o.clients = n;
  o.threads = threads;
  return o;
}

size_t count(const ScenarioPlan& p, Role r) {
  size_t k = 0;
  for (const auto& c : p.clients) k += c.role == r;
  return k;
}

TEST(ScenarioPlan, PairsShareTopicAndThread) {
  const auto plan = make_plan(options(Scenario::Pairs, 4, 3), 77);
  ASSERT_EQ(plan.clients.size(), 8u);
  EXPECT_EQ(plan.fanout, 1u);
  for (uint32_t i = 0; i < 4; ++i) {
    const auto& sub = plan.clients[i];
    const auto& pub = plan.clients[4 + i];
    EXPECT_EQ(sub.role, Role::Subscriber);
    EXPECT_EQ(pub.role, Role::Publisher);
    EXPECT_EQ(sub.topic, "bench/pair/" + std::to_string(i));
    EXPECT_EQ(pub.topic, sub.topic);
    EXPECT_EQ(sub.thread, pub.thread);
    EXPECT_EQ(sub.first_publisher, i);
    EXPECT_EQ(sub.publishers, 1u);
  }
  EXPECT_EQ(plan.clients[0].client_id, "pb-77-sub-0");
  EXPECT_EQ(plan.clients[5].client_id, "pb-77-pub-1");
}

TEST(ScenarioPlan, FanInHasOneWildcardSubscriber) {
  auto o = options(Scenario::FanIn, 5, 2);
  o.topic_prefix = "x/";
  const auto plan = make_plan(o, 1);
  EXPECT_EQ(count(plan, Role::Subscriber), 1u);
  EXPECT_EQ(count(plan, Role::Publisher), 5u);
  EXPECT_EQ(plan.clients[0].topic, "x/in/+");
  EXPECT_EQ(plan.clients[0].publishers, 5u);
  EXPECT_EQ(plan.clients[3].topic, "x/in/2");
  for (size_t i = 1; i < plan.clients.size(); ++i) EXPECT_EQ(plan.clients[i].thread, 1u);
}

TEST(ScenarioPlan, FanOutHasOnePublisher) {
  const auto plan = make_plan(options(Scenario::FanOut, 6, 2), 1);
  EXPECT_EQ(count(plan, Role::Subscriber), 6u);
  EXPECT_EQ(count(plan, Role::Publisher), 1u);
  EXPECT_EQ(plan.fanout, 6u);
  EXPECT_EQ(plan.clients.back().topic, "bench/out");
}

TEST(ScenarioPlan, PersistentMarksSubscribersOnly) {
  auto o = options(Scenario::Pairs, 3);
  EXPECT_FALSE(make_plan(o, 1).clients[0].persistent);
  o.persistent = true;
  for (const auto& c : make_plan(o, 1).clients) EXPECT_EQ(c.persistent, c.role == Role::Subscriber);
}

TEST(ScenarioPlan, ConnSpreadsOverThreadsWithUniqueIds) {
  const auto plan = make_plan(options(Scenario::Conn, 10, 4), 5);
  EXPECT_EQ(count(plan, Role::Idle), 10u);
  std::set<std::string> ids;
  std::set<uint32_t> threads;
  for (const auto& c : plan.clients) {
    ids.insert(c.client_id);
    threads.insert(c.thread);
  }
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(threads.size(), 4u);
}

}  // namespace
}  // namespace pregon::bench
