#include "observability/broker_query.hpp"

#include <gtest/gtest.h>

#include "broker/shard.hpp"

namespace pregon::observability {
namespace {

using namespace std::chrono_literals;

config::Config one_thread() {
  config::Config c;
  c.threads = 1;
  return c;
}

// Runs each task at once, on the calling thread, as the shard's loop would later; or, with `drop`,
// never (a loop that is stopped or stuck).
class InlineRouter final : public broker::ShardRouter {
 public:
  unsigned shard_count() const override { return 1; }
  void post(unsigned, std::function<void(broker::Shard&)> task) override {
    if (!drop) task(*shard);
  }
  void notify_inbox(unsigned) override {}
  broker::Shard* shard = nullptr;
  bool drop = false;
};

class BrokerQueryTest : public ::testing::Test {
 protected:
  BrokerQueryTest() : state(one_thread()), shard(0, state, router), query(router, state, "1.0", 50ms) {
    router.shard = &shard;
  }
  InlineRouter router;
  broker::BrokerState state;
  broker::Shard shard;
  BrokerQuery query;
};

TEST_F(BrokerQueryTest, SnapshotOfAnIdleBroker) {
  const auto s = query.snapshot();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->version, "1.0");
  EXPECT_EQ(s->clients_connected, 0u);
  EXPECT_EQ(s->retained_messages, 0u);
  EXPECT_EQ(s->packets_received, 0u);
}

TEST_F(BrokerQueryTest, PublishesAndSysUpdatesReachTheRetainedStore) {
  const std::string payload = "on";
  EXPECT_EQ(query.publish("lamp/1", {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()},
                          protocol::QoS::AtLeastOnce, true),
            PublishOutcome::Published);
  query.publish_sys({{"$SYS/broker/version", "pregon 1.0"}, {"$SYS/broker/uptime", "3 seconds"}});
  const auto retained = query.retained("", "", 10);
  ASSERT_EQ(retained.size(), 3u);
  EXPECT_EQ(retained[0].topic, "$SYS/broker/uptime");  // topic order
  EXPECT_EQ(retained[2].topic, "lamp/1");
  EXPECT_EQ(retained[2].qos, 1);
  EXPECT_EQ(query.retained("", "$SYS/broker/version", 10).size(), 1u);
  EXPECT_EQ(query.snapshot()->retained_messages, 3u);
  EXPECT_EQ(query.retained("lamp/#", "", 10).size(), 1u);

  EXPECT_EQ(query.clear_retained("lamp/1"), true);
  EXPECT_EQ(query.clear_retained("lamp/1"), false);
  EXPECT_EQ(query.snapshot()->retained_messages, 2u);
}

TEST_F(BrokerQueryTest, AnUnansweredQuestionGivesUpAfterTheTimeout) {
  router.drop = true;
  EXPECT_FALSE(query.snapshot().has_value());
  EXPECT_FALSE(query.clients({}).has_value());
  EXPECT_FALSE(query.sessions({}).has_value());
  EXPECT_FALSE(query.subscribers("a").has_value());
  EXPECT_FALSE(query.disconnect("x").has_value());
}

TEST_F(BrokerQueryTest, NoClientsToListOrDisconnect) {
  EXPECT_TRUE(query.clients({})->items.empty());
  EXPECT_TRUE(query.sessions({})->items.empty());
  EXPECT_TRUE(query.subscribers("a/b")->empty());
  EXPECT_EQ(query.disconnect("nobody"), false);
  EXPECT_TRUE(query.subscriptions(10)->empty());
}

}  // namespace
}  // namespace pregon::observability
