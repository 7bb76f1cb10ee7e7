#include "config/reload_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pregon::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

MATCHER_P3(Change, key, before, after, "") {
  return arg.key == key && arg.before == before && arg.after == after;
}

const Setting* find(const std::vector<Setting>& settings, std::string_view key) {
  auto it = std::find_if(settings.begin(), settings.end(), [&](const Setting& s) { return s.key == key; });
  return it == settings.end() ? nullptr : &*it;
}

TEST(ListSettings, ShowsEveryKeyOfTheSchemaInTomlSyntax) {
  const Config c = parse_config(R"(
log_level = "debug"
[limits]
max_packet_size = 2048
retain_available = false
[[listeners]]
port = 8883
allow_anonymous = true
)", "t.toml");
  const auto settings = list_settings(c);
  ASSERT_NE(find(settings, "log_level"), nullptr);
  EXPECT_EQ(find(settings, "log_level")->value, "\"debug\"");
  EXPECT_EQ(find(settings, "limits.max_packet_size")->value, "2048");
  EXPECT_EQ(find(settings, "limits.retain_available")->value, "false");
  EXPECT_EQ(find(settings, "limits.maximum_qos")->value, "2");  // a one-byte field, shown as a number
  EXPECT_EQ(find(settings, "listener.allow_anonymous")->value, "unset");
  EXPECT_EQ(find(settings, "listeners[0].port")->value, "8883");
  EXPECT_EQ(find(settings, "listeners[0].allow_anonymous")->value, "true");
  EXPECT_NE(find(settings, "http.port"), nullptr);
  EXPECT_NE(find(settings, "persistence.dir"), nullptr);
  EXPECT_EQ(find(settings, "source"), nullptr);  // not a setting
}

TEST(ListSettings, HidesSecrets) {
  const Config c = parse_config(R"(
[auth]
jwt_algorithm = "HS256"
jwt_secret = "a-secret-of-at-least-thirty-two-bytes!!"
[http]
username = "admin"
password = "hunter2"
token = "tok"
)", "t.toml");
  const auto settings = list_settings(c);
  EXPECT_EQ(find(settings, "auth.jwt_secret")->value, "(hidden)");
  EXPECT_EQ(find(settings, "http.password")->value, "(hidden)");
  EXPECT_EQ(find(settings, "http.token")->value, "(hidden)");
  EXPECT_EQ(find(settings, "http.username")->value, "\"admin\"");
  EXPECT_EQ(find(list_settings(Config{}), "http.password")->value, "\"\"");
}

TEST(DiffSettings, SameConfigurationHasNoChanges) {
  EXPECT_THAT(diff_settings(Config{}, Config{}), IsEmpty());
}

TEST(DiffSettings, NamesEachChangedKeyWithBothValues) {
  Config after;
  after.log_level = "debug";
  after.limits.max_packet_size = 2048;
  after.auth.acl_file = "/etc/pregon/acl";
  EXPECT_THAT(diff_settings(Config{}, after),
              ElementsAre(Change("log_level", "\"info\"", "\"debug\""),
                          Change("limits.max_packet_size", "1048576", "2048"),
                          Change("auth.acl_file", "\"\"", "\"/etc/pregon/acl\"")));
}

TEST(DiffSettings, ListenersAddedOrRemovedShowUnset) {
  Config two;
  two.listeners.push_back(Listener{.port = 8883});
  const auto added = diff_settings(Config{}, two);
  ASSERT_FALSE(added.empty());
  EXPECT_THAT(added.front(), Change("listeners[0].bind", "unset", "\"127.0.0.1\""));
  const auto removed = diff_settings(two, Config{});
  ASSERT_EQ(removed.size(), added.size());
  EXPECT_THAT(removed.front(), Change("listeners[0].bind", "\"127.0.0.1\"", "unset"));
}

TEST(PlanReload, AppliesLiveSettingsAndKeepsTheRest) {
  Config running;
  running.threads = 2;
  Config loaded = running;
  loaded.log_level = "warn";
  loaded.log_format = "json";
  loaded.limits.max_packet_size = 2048;
  loaded.limits.max_publish_rate = 10;
  loaded.limits.receive_maximum = 10;  // told to clients at CONNECT: needs a restart
  loaded.threads = 4;
  loaded.listener.port = 1884;
  loaded.auth.password_file = "/etc/pregon/passwd";

  const ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_EQ(plan.next.log_level, "warn");
  EXPECT_EQ(plan.next.log_format, "json");
  EXPECT_EQ(plan.next.limits.max_packet_size, 2048u);
  EXPECT_EQ(plan.next.limits.max_publish_rate, 10u);
  EXPECT_EQ(plan.next.auth.password_file, "/etc/pregon/passwd");
  EXPECT_EQ(plan.next.limits.receive_maximum, running.limits.receive_maximum);
  EXPECT_EQ(plan.next.threads, 2u);
  EXPECT_EQ(plan.next.listener.port, 1883);
  EXPECT_THAT(plan.applied, ElementsAre(Change("log_level", "\"info\"", "\"warn\""),
                                        Change("log_format", "\"text\"", "\"json\""),
                                        Change("limits.max_packet_size", "1048576", "2048"),
                                        Change("limits.max_publish_rate", "0", "10"),
                                        Change("auth.password_file", "\"\"", "\"/etc/pregon/passwd\"")));
  EXPECT_THAT(plan.need_restart, ElementsAre(Change("threads", "2", "4"), Change("listener.port", "1883", "1884"),
                                             Change("limits.receive_maximum", "1024", "10")));
}

TEST(PlanReload, EveryLimitIsEitherAppliedOrNeedsARestart) {
  // A limit left out of take_live_settings by mistake would be silently ignored: check that each
  // changed limit shows up on exactly one side.
  const Config running;
  const Config loaded = parse_config(R"(
[limits]
connect_timeout_ms = 5
max_packet_size = 100
receive_maximum = 5
max_inflight_messages = 5
max_queued_messages = 5
max_queued_bytes = 5
max_total_queued_bytes = 5
queue_overflow = "refuse"
max_spilled_messages = 5
max_retained_messages = 5
max_retained_bytes = 5
max_keep_alive = 5
topic_alias_maximum = 5
max_session_expiry_interval = 5
output_buffer_bytes = 5
retain_available = false
maximum_qos = 1
max_connections = 5
max_client_id_length = 50
max_topic_length = 5
max_topic_levels = 5
max_subscriptions_per_client = 5
max_publish_rate = 5
max_publish_bytes_rate = 5
max_accept_rate = 5
)", "t.toml");
  const ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_EQ(plan.applied.size() + plan.need_restart.size(), diff_settings(running, loaded).size());
  std::vector<std::string> restart;
  for (const auto& c : plan.need_restart) restart.push_back(c.key);
  EXPECT_THAT(restart, ElementsAre("limits.receive_maximum", "limits.topic_alias_maximum", "limits.retain_available",
                                   "limits.maximum_qos"));
  EXPECT_TRUE(diff_settings(plan.next, loaded).size() == 4);
}

}  // namespace
}  // namespace pregon::config
