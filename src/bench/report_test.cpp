#include "bench/report.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace pregon::bench {
namespace {

TEST(Report, JsonCarriesEveryField) {
  BenchReport r;
  r.scenario = "pairs";
  r.qos = 1;
  r.sent = 10;
  r.received = 10;
  r.expected = 10;
  auto h = std::make_unique<LatencyHistogram>();
  h->record(2000);
  set_latency(r, *h);
  const std::string j = format_json(r);
  for (const char* key : {"\"scenario\":\"pairs\"", "\"transport\":\"tcp\"", "\"protocol\":311", "\"qos\":1",
                          "\"size\"", "\"clients\"", "\"duration_s\"", "\"sent\":10", "\"received\":10",
                          "\"expected\":10", "\"throughput\"", "\"publish_rate\"", "\"latency_us\":{\"p50\":2.0",
                          "\"p999\"", "\"max\":2.0", "\"loss\":0", "\"duplicates\"", "\"reordered\"", "\"errors\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
  EXPECT_EQ(j.find("connected"), std::string::npos);
  EXPECT_EQ(j.back(), '\n');
}

TEST(Report, ConnFields) {
  BenchReport r;
  r.scenario = "conn";
  r.conn = true;
  r.connected = 5;
  const std::string j = format_json(r);
  EXPECT_NE(j.find("\"connected\":5"), std::string::npos);
  EXPECT_NE(j.find("\"time_to_connect_s\""), std::string::npos);
  EXPECT_NE(format_text(r).find("connect rate"), std::string::npos);
}

}  // namespace
}  // namespace pregon::bench
