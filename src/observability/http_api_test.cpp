#include "observability/http_api.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pregon::observability {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// Fixed answers, and a record of what was asked.
class FakeBroker final : public BrokerView {
 public:
  bool answers = true;
  std::vector<broker::ClientInfo> connected;
  std::vector<std::string> disconnected;
  std::vector<std::tuple<std::string, std::string, protocol::QoS, bool>> published;
  std::string retained_after;
  size_t asked_limit = 0;

  std::optional<Snapshot> snapshot() override {
    if (!answers) return std::nullopt;
    Snapshot s;
    s.version = "9.9";
    s.publish_received = {1, 2, 3};
    return s;
  }
  std::optional<std::vector<broker::ClientInfo>> clients(std::string_view only_id) override {
    if (!answers) return std::nullopt;
    std::vector<broker::ClientInfo> out;
    for (const auto& c : connected) {
      if (only_id.empty() || c.client_id == only_id) out.push_back(c);
    }
    return out;
  }
  std::optional<bool> disconnect(std::string_view id) override {
    if (!answers) return std::nullopt;
    for (const auto& c : connected) {
      if (c.client_id == id) {
        disconnected.emplace_back(id);
        return true;
      }
    }
    return false;
  }
  std::optional<std::vector<broker::SubscriptionInfo>> subscriptions(size_t limit) override {
    asked_limit = limit;
    return std::vector<broker::SubscriptionInfo>{{"c1", "a/#", 1, true}};
  }
  std::vector<broker::RetainedInfo> retained(std::string_view after, size_t limit) override {
    retained_after = after;
    asked_limit = limit;
    std::vector<broker::RetainedInfo> out;
    for (size_t i = 0; i < limit && i < 3; ++i) out.push_back({"t/" + std::to_string(i), 5, 0});
    return out;
  }
  std::optional<PublishOutcome> publish(std::string_view topic, std::span<const uint8_t> payload, protocol::QoS qos,
                                        bool retain) override {
    published.emplace_back(topic, std::string(payload.begin(), payload.end()), qos, retain);
    return PublishOutcome::Published;
  }
  void publish_sys(std::vector<std::pair<std::string, std::string>>) override {}
};

class HttpApiTest : public ::testing::Test {
 protected:
  HttpResponse call(std::string method, std::string path, std::string body = {},
                    std::map<std::string, std::string, std::less<>> query = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.query = std::move(query);
    r.peer_is_loopback = true;
    return api.handle(r);
  }
  static json body_of(const HttpResponse& r) { return json::parse(r.body); }

  FakeBroker broker;
  HttpApi api{config::Http{}, broker};
};

TEST_F(HttpApiTest, MetricsArePrometheusText) {
  const auto r = call("GET", "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_THAT(r.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(r.body, HasSubstr("pregon_publish_messages_received_total{qos=\"2\"} 3\n"));
}

TEST_F(HttpApiTest, StatsAreJson) {
  const auto r = call("GET", "/api/v1/stats");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body_of(r)["publish_messages_received"], 6);
}

TEST_F(HttpApiTest, ClientsListOneAndDisconnect) {
  broker.connected.push_back({"dev/1", "alice", "127.0.0.1:5000", 5, 30, 1700000000000, 0, 2, 1, 0});
  const auto list = body_of(call("GET", "/api/v1/clients"));
  ASSERT_EQ(list["clients"].size(), 1u);
  EXPECT_EQ(list["clients"][0]["client_id"], "dev/1");
  EXPECT_EQ(list["clients"][0]["protocol_version"], "5.0");
  EXPECT_EQ(list["clients"][0]["username"], "alice");
  EXPECT_EQ(list["clients"][0]["subscriptions"], 2);

  const auto one = call("GET", "/api/v1/clients/dev/1");
  EXPECT_EQ(one.status, 200u);
  EXPECT_EQ(body_of(one)["peer"], "127.0.0.1:5000");
  EXPECT_EQ(call("GET", "/api/v1/clients/nobody").status, 404u);

  EXPECT_EQ(call("DELETE", "/api/v1/clients/dev/1").status, 200u);
  EXPECT_EQ(broker.disconnected, std::vector<std::string>{"dev/1"});
  EXPECT_EQ(call("DELETE", "/api/v1/clients/nobody").status, 404u);
}

TEST_F(HttpApiTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  const auto missing = call("GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_TRUE(body_of(missing).contains("error"));
  EXPECT_EQ(call("GET", "/").status, 404u);
  EXPECT_EQ(call("GET", "/api/v1/clients/").status, 404u);

  const auto wrong = call("POST", "/metrics");
  EXPECT_EQ(wrong.status, 405u);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  EXPECT_EQ(call("PUT", "/api/v1/clients/x").status, 405u);
  EXPECT_EQ(call("GET", "/api/v1/publish").status, 405u);
  EXPECT_EQ(call("DELETE", "/api/v1/clients").status, 405u);
}

TEST_F(HttpApiTest, UnansweredQuestionsAre503) {
  broker.answers = false;
  EXPECT_EQ(call("GET", "/metrics").status, 503u);
  EXPECT_EQ(call("GET", "/api/v1/clients").status, 503u);
  EXPECT_EQ(call("DELETE", "/api/v1/clients/x").status, 503u);
}

TEST_F(HttpApiTest, ListsTakeALimitAndRetainedPages) {
  EXPECT_EQ(call("GET", "/api/v1/subscriptions", {}, {{"limit", "5"}}).status, 200u);
  EXPECT_EQ(broker.asked_limit, 5u);
  EXPECT_EQ(call("GET", "/api/v1/subscriptions").status, 200u);
  EXPECT_EQ(broker.asked_limit, HttpApi::kDefaultLimit);
  for (const char* bad : {"0", "-1", "x", "5x", "1000001"}) {
    EXPECT_EQ(call("GET", "/api/v1/retained", {}, {{"limit", bad}}).status, 400u) << bad;
  }
  const auto page = body_of(call("GET", "/api/v1/retained", {}, {{"limit", "2"}, {"after", "s"}}));
  EXPECT_EQ(broker.retained_after, "s");
  ASSERT_EQ(page["retained"].size(), 2u);
  EXPECT_EQ(page["retained"][0]["payload_bytes"], 5);
  EXPECT_EQ(page["next_after"], "t/1");
  EXPECT_FALSE(body_of(call("GET", "/api/v1/retained"))["retained"].empty());
  EXPECT_FALSE(body_of(call("GET", "/api/v1/retained")).contains("next_after"));
}

TEST_F(HttpApiTest, PublishValidatesItsBody) {
  EXPECT_EQ(call("POST", "/api/v1/publish", R"({"topic":"a/b","payload":"hi","qos":1,"retain":true})").status, 200u);
  ASSERT_EQ(broker.published.size(), 1u);
  EXPECT_EQ(broker.published[0], std::make_tuple(std::string("a/b"), std::string("hi"), protocol::QoS::AtLeastOnce, true));
  EXPECT_EQ(call("POST", "/api/v1/publish", R"({"topic":"x"})").status, 200u);
  for (const char* bad : {"", "[]", "{", R"({"payload":"p"})", R"({"topic":"a/+"})", R"({"topic":"$SYS/x"})",
                          R"({"topic":"a","qos":3})", R"({"topic":"a","qos":"1"})", R"({"topic":"a","retain":1})",
                          R"({"topic":"a","payload":5})"}) {
    EXPECT_EQ(call("POST", "/api/v1/publish", bad).status, 400u) << bad;
  }
  EXPECT_EQ(broker.published.size(), 2u);
}

TEST(HttpApiAccess, EveryPathNeedsCredentialsWhenConfigured) {
  FakeBroker broker;
  config::Http http;
  http.token = "tok";
  HttpApi api(http, broker);
  for (const char* path : {"/metrics", "/api/v1/stats", "/api/v1/clients", "/api/v1/clients/x", "/nowhere"}) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.peer_is_loopback = true;
    const auto refused = api.handle(r);
    EXPECT_EQ(refused.status, 401u) << path;
    ASSERT_EQ(refused.headers.size(), 1u);
    EXPECT_EQ(refused.headers[0].first, "WWW-Authenticate");
    r.authorization = "Bearer tok";
    EXPECT_NE(api.handle(r).status, 401u) << path;
  }
}

TEST(HttpApiAccess, NoCredentialsMeansLoopbackOnly) {
  FakeBroker broker;
  HttpApi api(config::Http{}, broker);
  HttpRequest r;
  r.method = "GET";
  r.path = "/metrics";
  EXPECT_EQ(api.handle(r).status, 403u);
  r.peer_is_loopback = true;
  EXPECT_EQ(api.handle(r).status, 200u);
}

}  // namespace
}  // namespace pregon::observability
