#include "bench/bench_options.hpp"

#include <gtest/gtest.h>

namespace pregon::bench {
namespace {

base::Expected<BenchOptions, OptionsStop> parse(std::vector<std::string> args) {
  return parse_bench_options(args);
}

TEST(BenchOptions, DefaultsPerScenario) {
  auto o = parse({"fan-out"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scenario, Scenario::FanOut);
  EXPECT_EQ(o->clients, 500u);
  EXPECT_EQ(o->size, 64u);
  EXPECT_EQ(o->window, 64u);
  EXPECT_EQ(o->sources, 1u);
  EXPECT_EQ(o->qos, protocol::QoS::AtMostOnce);
  EXPECT_EQ(parse({"conn"})->clients, 10000u);
  EXPECT_EQ(parse({"pairs"})->clients, 50u);
  EXPECT_EQ(parse({"fan-in"})->clients, 100u);
}

TEST(BenchOptions, AllOptions) {
  auto o = parse({"pairs", "-h", "10.0.0.1", "-p", "1999", "-V", "5", "-q", "2", "-s", "128", "-n", "7",
                  "-d", "3", "--warmup", "0", "-r", "1000", "-w", "8", "-t", "2", "--topic-prefix", "t/",
                  "--json"});
  ASSERT_TRUE(o) << o.error().text;
  EXPECT_EQ(o->host, "10.0.0.1");
  EXPECT_EQ(o->port, 1999);
  EXPECT_EQ(o->version, protocol::ProtocolVersion::V5);
  EXPECT_EQ(o->qos, protocol::QoS::ExactlyOnce);
  EXPECT_EQ(o->size, 128u);
  EXPECT_EQ(o->clients, 7u);
  EXPECT_EQ(o->duration_s, 3.0);
  EXPECT_EQ(o->warmup_s, 0.0);
  EXPECT_EQ(o->rate, 1000u);
  EXPECT_EQ(o->window, 8u);
  EXPECT_EQ(o->threads, 2u);
  EXPECT_EQ(o->topic_prefix, "t/");
  EXPECT_TRUE(o->json);
}

TEST(BenchOptions, SourcesFollowConnectionCount) {
  EXPECT_EQ(parse({"conn", "-n", "60000"})->sources, 3u);
  EXPECT_EQ(parse({"conn", "-n", "60000", "--sources", "5"})->sources, 5u);
}

TEST(BenchOptions, Rejections) {
  EXPECT_FALSE(parse({}));
  EXPECT_FALSE(parse({"storm"}));
  EXPECT_FALSE(parse({"pairs", "-s", "15"}));
  EXPECT_FALSE(parse({"pairs", "-q", "3"}));
  EXPECT_FALSE(parse({"pairs", "-V", "4"}));
  EXPECT_FALSE(parse({"pairs", "-t", "0"}));
  EXPECT_FALSE(parse({"pairs", "-d", "0"}));
  EXPECT_EQ(parse({"pairs", "-s", "15"}).error().exit_code, 1);
}

TEST(BenchOptions, Persistent) {
  EXPECT_FALSE(parse({"fan-in"})->persistent);
  EXPECT_TRUE(parse({"fan-in", "-q", "1", "--persistent"})->persistent);
  EXPECT_FALSE(parse({"conn", "--persistent"}));  // no subscriber to keep a session for
}

TEST(BenchOptions, HelpExitsZero) {
  auto o = parse({"--help"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().exit_code, 0);
  EXPECT_NE(o.error().text.find("--window"), std::string::npos);
  EXPECT_NE(o.error().text.find("--persistent"), std::string::npos);
}

TEST(BenchOptions, TransportOptions) {
  auto plain = parse({"pairs"});
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->transport.plain());
  EXPECT_EQ(plain->port, 1883);

  auto wss = parse({"pairs", "--ws", "--ws-path", "/ws", "--cafile", "ca.pem"});
  ASSERT_TRUE(wss) << wss.error().text;
  EXPECT_TRUE(wss->transport.tls);  // implied by --cafile
  EXPECT_TRUE(wss->transport.websocket);
  EXPECT_EQ(wss->transport.ws_path, "/ws");
  EXPECT_EQ(wss->transport.cafile, "ca.pem");

  auto insecure = parse({"pairs", "--insecure"});
  ASSERT_TRUE(insecure);
  EXPECT_TRUE(insecure->transport.tls);
  EXPECT_EQ(insecure->port, 8883);  // TLS's registered port unless -p says otherwise

  EXPECT_FALSE(parse({"pairs", "--key", "k.pem"}));
  EXPECT_FALSE(parse({"pairs", "--tls-version", "tlsv1"}));
  EXPECT_FALSE(parse({"pairs", "--ws", "--null-sink"}));
}

}  // namespace
}  // namespace pregon::bench
