#include "observability/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <cmath>

#include <set>

#include "observability/prometheus_text.hpp"
#include "observability/stats_json.hpp"
#include "observability/sys_topics.hpp"

namespace pregon::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

broker::ShardStats shard(uint64_t base) {
  broker::ShardStats s;
  s.counters.connections_accepted = base + 1;
  s.counters.packets_received = base + 2;
  s.counters.packets_sent = base + 3;
  s.counters.bytes_received = base + 4;
  s.counters.bytes_sent = base + 5;
  s.counters.publish_received = {base + 6, base + 7, base + 8};
  s.counters.publish_sent = {base + 9, base + 10, base + 11};
  s.counters.publish_bytes_received = base + 12;
  s.counters.publish_bytes_sent = base + 13;
  s.drops.qos0_slow = base + 14;
  s.drops.expired = base + 15;
  s.clients_connected = base + 16;
  s.sessions = base + 17;
  s.subscriptions = base + 18;
  s.queued_messages = base + 19;
  return s;
}

TEST(Aggregate, SumsEveryShardAndKeepsTheBrokerWideValues) {
  const broker::ShardStats shards[] = {shard(0), shard(100)};
  const Snapshot s = aggregate(shards, {"1.2.3", 42, 1000, 7});
  EXPECT_EQ(s.version, "1.2.3");
  EXPECT_EQ(s.uptime_seconds, 42u);
  EXPECT_EQ(s.retained_messages, 7u);
  EXPECT_EQ(s.connections_accepted, 102u);
  EXPECT_EQ(s.packets_received, 104u);
  EXPECT_EQ(s.bytes_sent, 110u);
  EXPECT_EQ(s.publish_received[0], 112u);
  EXPECT_EQ(s.publish_received[2], 116u);
  EXPECT_EQ(s.publish_sent[1], 120u);
  EXPECT_EQ(s.publish_bytes_sent, 126u);
  EXPECT_EQ(s.drops.qos0_slow, 128u);
  EXPECT_EQ(s.drops.total(), 128u + 130u);
  EXPECT_EQ(s.clients_connected, 132u);
  EXPECT_EQ(s.sessions, 134u);
  EXPECT_EQ(s.subscriptions, 136u);
  EXPECT_EQ(s.queued_messages, 138u);
  EXPECT_EQ(s.clients_maximum, 1000u);
}

TEST(Aggregate, MaximumIsNeverBelowConnected) {
  const broker::ShardStats shards[] = {shard(0)};
  EXPECT_EQ(aggregate(shards, {"v", 0, 3, 0}).clients_maximum, 16u);
}

Snapshot sample() {
  Snapshot s;
  s.version = "0.1.0";
  s.uptime_seconds = 61;
  s.clients_connected = 3;
  s.publish_received = {100, 20, 3};
  s.publish_sent = {5, 0, 0};
  s.drops.qos0_slow = 4;
  s.drops.queue_budget = 1;
  s.retained_messages = 9;
  return s;
}

TEST(PrometheusText, HelpAndTypeOncePerMetricThenItsSeries) {
  const std::string text = prometheus_text(sample());
  EXPECT_THAT(text, HasSubstr("# HELP pregon_clients_connected Clients connected now (past CONNECT).\n"
                              "# TYPE pregon_clients_connected gauge\n"
                              "pregon_clients_connected 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE pregon_publish_messages_received_total counter\n"
                              "pregon_publish_messages_received_total{qos=\"0\"} 100\n"
                              "pregon_publish_messages_received_total{qos=\"1\"} 20\n"
                              "pregon_publish_messages_received_total{qos=\"2\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("pregon_messages_dropped_total{reason=\"qos0_slow\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("pregon_build_info{version=\"0.1.0\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pregon_uptime_seconds 61\n"));
  EXPECT_THAT(text, HasSubstr("pregon_retained_messages 9\n"));
  // The unlabelled totals shown in $SYS and JSON would clash with the labelled series.
  EXPECT_THAT(text, Not(HasSubstr("pregon_publish_messages_received_total 123")));
}

TEST(PrometheusText, EveryLineIsACommentOrANamedSample) {
  const std::string text = prometheus_text(sample());
  std::set<std::string> typed;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the text ends with a newline";
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "TYPE twice for " << name;
      continue;
    }
    if (line.starts_with("# HELP ")) continue;
    ASSERT_TRUE(line.starts_with("pregon_")) << line;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_TRUE(typed.contains(name)) << "sample before its TYPE: " << line;
  }
}

TEST(StatsJson, PlainValuesAndLabelledGroups) {
  const auto j = stats_json(sample());
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_EQ(j["clients_connected"], 3);
  EXPECT_EQ(j["publish_messages_received"], 123);
  EXPECT_EQ(j["publish_messages_received_by_qos"]["1"], 20);
  EXPECT_EQ(j["messages_dropped"], 5);
  EXPECT_EQ(j["messages_dropped_by_reason"]["queue_budget"], 1);
  EXPECT_FALSE(j.contains("stored_messages"));  // a $SYS-only row
}

TEST(SysTopics, MosquittoNamesAndFormats) {
  std::map<std::string, std::string> by_topic;
  for (const auto& m : sys_messages(sample())) {
    EXPECT_TRUE(m.topic.starts_with("$SYS/broker/")) << m.topic;
    EXPECT_TRUE(by_topic.emplace(m.topic, m.payload).second) << "twice: " << m.topic;
  }
  EXPECT_EQ(by_topic["$SYS/broker/version"], "pregon 0.1.0");
  EXPECT_EQ(by_topic["$SYS/broker/uptime"], "61 seconds");
  EXPECT_EQ(by_topic["$SYS/broker/clients/connected"], "3");
  EXPECT_EQ(by_topic["$SYS/broker/publish/messages/received"], "123");
  EXPECT_EQ(by_topic["$SYS/broker/publish/messages/sent"], "5");
  EXPECT_EQ(by_topic["$SYS/broker/publish/messages/dropped"], "5");
  EXPECT_EQ(by_topic["$SYS/broker/retained messages/count"], "9");
  for (const char* topic : {"$SYS/broker/clients/total", "$SYS/broker/clients/maximum", "$SYS/broker/messages/received",
                            "$SYS/broker/messages/sent", "$SYS/broker/bytes/received", "$SYS/broker/bytes/sent",
                            "$SYS/broker/subscriptions/count", "$SYS/broker/store/messages/count"}) {
    EXPECT_TRUE(by_topic.contains(topic)) << topic;
  }
}

TEST(SysLoad, PerMinuteRatesAveragedOverOneFiveAndFifteenMinutes) {
  LoadAverages load;
  Snapshot s;
  load.update(s, 0);
  EXPECT_TRUE(load.messages().empty());  // one reading is no rate yet
  s.publish_received[1] = 600;           // 600 in 60 s: 600 a minute
  load.update(s, 60);
  std::map<std::string, std::string> by_topic;
  for (const auto& m : load.messages()) by_topic.emplace(m.topic, m.payload);
  EXPECT_EQ(by_topic.size(), 27u);
  // After one window's length the 1-minute average has come 1 - 1/e of the way.
  EXPECT_EQ(by_topic["$SYS/broker/load/publish/received/1min"], fmt::format("{:.2f}", 600 * (1 - std::exp(-1.0))));
  EXPECT_EQ(by_topic["$SYS/broker/load/publish/received/5min"], fmt::format("{:.2f}", 600 * (1 - std::exp(-0.2))));
  EXPECT_EQ(by_topic["$SYS/broker/load/messages/received/15min"], "0.00");
  for (int i = 0; i < 400; ++i) {  // a steady rate: every average converges to it
    s.publish_received[1] += 100;
    load.update(s, 10);
  }
  by_topic.clear();
  for (const auto& m : load.messages()) by_topic.emplace(m.topic, m.payload);
  EXPECT_EQ(by_topic["$SYS/broker/load/publish/received/1min"], "600.00");
  EXPECT_EQ(by_topic["$SYS/broker/load/publish/received/5min"], "600.00");
}

TEST(MetricTable, EveryRowHasWhatItsOutputsNeed) {
  std::string_view previous;
  for (const Metric& m : metric_table()) {
    if ((m.outputs & kSys) != 0) {
      EXPECT_TRUE(m.sys_topic.starts_with("$SYS/broker/")) << m.name;
    }
    if ((m.outputs & kPrometheus) != 0 && m.name != previous) {
      EXPECT_FALSE(m.help.empty()) << m.name;
    }
    if ((m.outputs & kPrometheus) != 0) previous = m.name;
    EXPECT_EQ(m.label_name.empty(), m.label_value.empty() && m.per_loop == nullptr) << m.name;
  }
}

}  // namespace
}  // namespace pregon::observability
