#include "observability/log_format.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace pregon::observability {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// 2026-12-06T01:02:03.045Z
const auto kTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796518923045));

TEST(JsonLogLine, HasTimeLevelAndMessageInThatOrder) {
  EXPECT_EQ(json_log_line(kTime, spdlog::level::info, "listening on 127.0.0.1:1883", nullptr),
            R"({"time":"2026-12-06T01:02:03.045Z","level":"info","message":"listening on 127.0.0.1:1883"})");
  EXPECT_EQ(json::parse(json_log_line(kTime, spdlog::level::warn, "x", nullptr))["level"], "warning");
}

TEST(JsonLogLine, CarriesTheClientContext) {
  const base::LogContext who{"sensor-7", "10.0.0.5:51234"};
  const json line = json::parse(json_log_line(kTime, spdlog::level::info, "client connected", &who));
  EXPECT_EQ(line["client_id"], "sensor-7");
  EXPECT_EQ(line["peer"], "10.0.0.5:51234");
  EXPECT_EQ(line["message"], "client connected");
}

TEST(JsonLogLine, LeavesOutAClientIdNotKnownYet) {
  const base::LogContext who{"", "10.0.0.5:51234"};
  const json line = json::parse(json_log_line(kTime, spdlog::level::debug, "connection closed", &who));
  EXPECT_FALSE(line.contains("client_id"));
  EXPECT_EQ(line["peer"], "10.0.0.5:51234");
}

TEST(JsonLogLine, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = "a \"quoted\" \\ back\nslash\t\x01 and \x7f";
  const base::LogContext who{nasty, "p"};
  const std::string text = json_log_line(kTime, spdlog::level::info, nasty, &who);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one line per record";
  EXPECT_THAT(text, HasSubstr(R"(\"quoted\" \\ back\nslash\t\u0001)"));
  const json line = json::parse(text);
  EXPECT_EQ(line["message"], nasty);
  EXPECT_EQ(line["client_id"], nasty);
}

TEST(JsonLogLine, ReplacesInvalidUtf8InsteadOfThrowing) {
  const std::string broken = "topic \xff\xfe end";
  const json line = json::parse(json_log_line(kTime, spdlog::level::info, broken, nullptr));
  EXPECT_EQ(line["message"], "topic \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(TextLogContext, PrefixesClientAndPeer) {
  EXPECT_EQ(text_log_context(nullptr), "");
  const base::LogContext both{"sensor-7", "10.0.0.5:51234"};
  EXPECT_EQ(text_log_context(&both), "client=sensor-7 peer=10.0.0.5:51234 ");
  const base::LogContext peer_only{"", "[::1]:4000"};
  EXPECT_EQ(text_log_context(&peer_only), "peer=[::1]:4000 ");
}

TEST(TextLogContext, QuotesValuesThatCouldBeMisread) {
  const base::LogContext who{"two words=\"x\"\n", "p"};
  EXPECT_EQ(text_log_context(&who), R"(client="two words=\"x\"\n" peer=p )");
}

// Through a real logger: the context set by log_about reaches the formatter, and only for that call.
class LoggerOutput : public ::testing::Test {
 protected:
  std::string log_with(std::string_view format) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::logger logger("test", sink);
    logger.set_formatter(make_log_formatter(format));
    const base::LogContext who{"c1", "127.0.0.1:5000"};
    {
      base::ScopedLogContext scope(who);
      logger.info("client connected: protocol={}", "5.0");
    }
    logger.warn("no context here");
    return out_.str();
  }
  std::ostringstream out_;
};

TEST_F(LoggerOutput, JsonGivesOneParsableObjectPerLine) {
  std::istringstream lines(log_with("json"));
  std::string first, second, rest;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, rest));
  const json a = json::parse(first);
  EXPECT_EQ(a["message"], "client connected: protocol=5.0");
  EXPECT_EQ(a["client_id"], "c1");
  EXPECT_EQ(a["peer"], "127.0.0.1:5000");
  const json b = json::parse(second);
  EXPECT_EQ(b["level"], "warning");
  EXPECT_FALSE(b.contains("client_id"));
  EXPECT_FALSE(b.contains("peer"));
}

TEST_F(LoggerOutput, TextPutsTheContextBeforeTheMessage) {
  std::istringstream lines(log_with("text"));
  std::string first, second;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  // After "<date>T<time>.<ms> ", 24 characters.
  EXPECT_EQ(first.substr(24), "info  client=c1 peer=127.0.0.1:5000 client connected: protocol=5.0");
  EXPECT_EQ(second.substr(24), "warning no context here");
}

}  // namespace
}  // namespace pregon::observability
