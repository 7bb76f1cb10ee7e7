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
  std::string retained_filter;
  std::string asked_topic;
  std::vector<std::string> cleared;
  broker::ListFilter asked_filter;
  size_t asked_limit = 0;

  std::optional<Snapshot> snapshot() override {
    if (!answers) return std::nullopt;
    Snapshot s;
    s.version = "9.9";
    s.publish_received = {1, 2, 3};
    return s;
  }
  std::optional<broker::Listing<broker::ClientInfo>> clients(const broker::ListFilter& filter) override {
    if (!answers) return std::nullopt;
    asked_filter = filter;
    broker::Listing<broker::ClientInfo> out;
    for (const auto& c : connected) {
      if (!filter.client_id.empty() && c.client_id != filter.client_id) continue;
      if (out.items.size() == filter.limit) {
        out.more = true;
      } else {
        out.items.push_back(c);
      }
      ++out.matched;
    }
    return out;
  }
  std::optional<broker::Listing<broker::SessionInfo>> sessions(const broker::ListFilter& filter) override {
    if (!answers) return std::nullopt;
    asked_filter = filter;
    broker::Listing<broker::SessionInfo> out;
    out.items.push_back({"kept", "", false, 3600, 1700000360000, 2, 5, 0});
    out.matched = 7;
    out.more = true;
    return out;
  }
  std::optional<std::vector<broker::SubscriptionInfo>> subscribers(std::string_view topic) override {
    if (!answers) return std::nullopt;
    asked_topic = topic;
    return std::vector<broker::SubscriptionInfo>{{"c1", "a/+", 0, true}, {"c2", "$share/g/#", 2, false}};
  }
  std::optional<bool> clear_retained(std::string_view topic) override {
    if (!answers) return std::nullopt;
    cleared.emplace_back(topic);
    return topic == "t/0";
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
  std::vector<broker::RetainedInfo> retained(std::string_view filter, std::string_view after, size_t limit) override {
    retained_filter = filter;
    retained_after = after;
    asked_limit = limit;
    std::vector<broker::RetainedInfo> out;
    for (size_t i = 0; i < limit && i < 3; ++i) out.push_back({"t/" + std::to_string(i), 5, 0, "ab\xff"});
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
  EXPECT_EQ(call("GET", "/api/v1/clients/").status, 404u);

  const auto wrong = call("POST", "/metrics");
  EXPECT_EQ(wrong.status, 405u);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  EXPECT_EQ(call("PUT", "/api/v1/clients/x").status, 405u);
  EXPECT_EQ(call("GET", "/api/v1/publish").status, 405u);
  EXPECT_EQ(call("DELETE", "/api/v1/clients").status, 405u);
  EXPECT_EQ(call("GET", "/api/v1/retained/a").status, 405u);
  EXPECT_EQ(call("POST", "/").status, 405u);
  EXPECT_EQ(call("GET", "/ui/nothing.js").status, 404u);
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
  EXPECT_EQ(page["retained"][0]["payload"], "ab\xef\xbf\xbd");  // not UTF-8: U+FFFD
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
  for (const char* path : {"/", "/ui/dashboard.js", "/api/openapi.json", "/metrics", "/api/v1/stats",
                           "/api/v1/clients", "/api/v1/clients/x", "/api/v1/sessions", "/nowhere"}) {
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

TEST(HttpApiAccess, RequestsFromPagesOfOtherSitesAreRefused) {
  FakeBroker broker;
  config::Http http;
  http.token = "tok";
  HttpApi api(http, broker);
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/v1/publish";
  r.body = R"({"topic":"a"})";
  r.authorization = "Bearer tok";
  r.host = "broker.example:18083";
  r.origin = "http://evil.example";
  EXPECT_EQ(api.handle(r).status, 403u);
  EXPECT_TRUE(broker.published.empty());
  r.origin = "http://broker.example:18083";
  EXPECT_EQ(api.handle(r).status, 200u);
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

TEST_F(HttpApiTest, ClientListsPageAndFilter) {
  for (const char* id : {"a", "b", "c"}) broker.connected.push_back({id, "", "p", 4, 60, 0, 0, 0, 0, 0});
  const auto page = body_of(call("GET", "/api/v1/clients", {},
                                 {{"limit", "2"}, {"after", "0"}, {"client_id", "dev"}, {"username", "ann"}}));
  EXPECT_EQ(broker.asked_filter.limit, 2u);
  EXPECT_EQ(broker.asked_filter.after, "0");
  EXPECT_EQ(broker.asked_filter.id_contains, "dev");
  EXPECT_EQ(broker.asked_filter.username, "ann");
  ASSERT_EQ(page["clients"].size(), 2u);
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["next_after"], "b");
  EXPECT_FALSE(body_of(call("GET", "/api/v1/clients"))["clients"].empty());
  EXPECT_FALSE(body_of(call("GET", "/api/v1/clients")).contains("next_after"));
  EXPECT_EQ(call("GET", "/api/v1/clients", {}, {{"limit", "0"}}).status, 400u);
}

TEST_F(HttpApiTest, SessionsIncludeOfflineOnesWithTheirExpiry) {
  const auto r = call("GET", "/api/v1/sessions", {}, {{"connected", "false"}});
  ASSERT_EQ(r.status, 200u);
  ASSERT_TRUE(broker.asked_filter.connected.has_value());
  EXPECT_FALSE(*broker.asked_filter.connected);
  const auto body = body_of(r);
  EXPECT_EQ(body["total"], 7);
  EXPECT_EQ(body["next_after"], "kept");
  const auto& s = body["sessions"][0];
  EXPECT_EQ(s["client_id"], "kept");
  EXPECT_EQ(s["connected"], false);
  EXPECT_EQ(s["session_expiry_interval"], 3600);
  EXPECT_EQ(s["expires_at_ms"], 1700000360000);
  EXPECT_EQ(s["subscriptions"], 2);
  EXPECT_EQ(s["queued_messages"], 5);
  EXPECT_TRUE(s["username"].is_null());
  EXPECT_EQ(call("GET", "/api/v1/sessions", {}, {{"connected", "yes"}}).status, 400u);
  EXPECT_EQ(call("POST", "/api/v1/sessions").status, 405u);
}

TEST_F(HttpApiTest, SubscriptionsForATopicNameTheirClients) {
  const auto r = call("GET", "/api/v1/subscriptions", {}, {{"topic", "a/b"}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(broker.asked_topic, "a/b");
  const auto body = body_of(r);
  EXPECT_EQ(body["topic"], "a/b");
  ASSERT_EQ(body["subscriptions"].size(), 2u);
  EXPECT_EQ(body["subscriptions"][1]["filter"], "$share/g/#");
  EXPECT_EQ(body["subscriptions"][1]["online"], false);
  for (const char* bad : {"a/+", "#", ""}) {
    EXPECT_EQ(call("GET", "/api/v1/subscriptions", {}, {{"topic", bad}}).status, 400u) << bad;
  }
}

TEST_F(HttpApiTest, RetainedByFilterAndDelete) {
  EXPECT_EQ(call("GET", "/api/v1/retained", {}, {{"filter", "t/+"}}).status, 200u);
  EXPECT_EQ(broker.retained_filter, "t/+");
  for (const char* bad : {"a/#/b", "$share/g/a"}) {
    EXPECT_EQ(call("GET", "/api/v1/retained", {}, {{"filter", bad}}).status, 400u) << bad;
  }
  const auto cleared = call("DELETE", "/api/v1/retained/t/0");
  EXPECT_EQ(cleared.status, 200u);
  EXPECT_EQ(body_of(cleared)["cleared"], "t/0");
  EXPECT_EQ(call("DELETE", "/api/v1/retained/t/9").status, 404u);
  EXPECT_EQ(broker.cleared, (std::vector<std::string>{"t/0", "t/9"}));
  EXPECT_EQ(call("DELETE", "/api/v1/retained/a/+").status, 400u);
  EXPECT_EQ(call("DELETE", "/api/v1/retained/$SYS/broker/uptime").status, 400u);
  broker.answers = false;
  EXPECT_EQ(call("DELETE", "/api/v1/retained/t/0").status, 503u);
}

TEST_F(HttpApiTest, DashboardAndOpenApiAreServedFromTheBinary) {
  const auto page = call("GET", "/");
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("/ui/dashboard.js"));
  const auto script = call("GET", "/ui/dashboard.js");
  EXPECT_EQ(script.status, 200u);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(call("GET", "/ui/dashboard.css").content_type, "text/css; charset=utf-8");

  const auto spec = call("GET", "/api/openapi.json");
  ASSERT_EQ(spec.status, 200u);
  const auto doc = body_of(spec);
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3."));
  // Every route handle() knows is described.
  for (const char* path : {"/metrics", "/api/v1/stats", "/api/v1/clients", "/api/v1/clients/{client_id}",
                           "/api/v1/sessions", "/api/v1/subscriptions", "/api/v1/retained",
                           "/api/v1/retained/{topic}", "/api/v1/publish"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
}

}  // namespace
}  // namespace pregon::observability
