#include "client/sub_options.hpp"

#include <gtest/gtest.h>

namespace pregon::client {
namespace {

ParseResult<SubSettings> parse(std::vector<std::string> args) { return parse_sub_options(args); }

TEST(SubOptions, FiltersAndOutput) {
  auto s = parse({"-t", "a/#", "-t", "b/+/c", "-T", "a/secret/#", "-v", "-C", "5", "-W", "10", "-q", "1", "-N"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->filters, (std::vector<std::string>{"a/#", "b/+/c"}));
  EXPECT_EQ(s->filter_out, (std::vector<std::string>{"a/secret/#"}));
  EXPECT_TRUE(s->verbose);
  EXPECT_TRUE(s->no_newline);
  EXPECT_EQ(s->count, 5);
  EXPECT_EQ(s->timeout_seconds, 10);
  EXPECT_EQ(s->options.max_qos, protocol::QoS::AtLeastOnce);
  EXPECT_FALSE(s->options.no_local);
  EXPECT_EQ(s->options.retain_handling, protocol::RetainHandling::SendOnSubscribe);
}

TEST(SubOptions, NeedsValidFilters) {
  EXPECT_FALSE(parse({"-v"}));
  EXPECT_FALSE(parse({"-t", "a/#/b"}));
  EXPECT_FALSE(parse({"-t", "a+"}));
  EXPECT_FALSE(parse({"-t", "a", "-T", "b#"}));
  EXPECT_TRUE(parse({"-t", "#"}));
}

TEST(SubOptions, CountAndTimeoutAreNotNegative) {
  EXPECT_FALSE(parse({"-t", "a", "-C", "-1"}));
  EXPECT_FALSE(parse({"-t", "a", "-W", "-1"}));
}

TEST(SubOptions, RetainedFiltersExcludeEachOther) {
  EXPECT_TRUE(parse({"-t", "a", "-R"}));
  EXPECT_TRUE(parse({"-t", "a", "--retained-only"}));
  EXPECT_FALSE(parse({"-t", "a", "-R", "--retained-only"}));
}

TEST(SubOptions, SubscriptionOptionsAre5Only) {
  EXPECT_FALSE(parse({"-t", "a", "--nl"}));
  EXPECT_FALSE(parse({"-t", "a", "--rap"}));
  EXPECT_FALSE(parse({"-t", "a", "--rh", "2"}));
  auto s = parse({"-V", "5", "-t", "a", "--nl", "--rap", "--rh", "2"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_TRUE(s->options.no_local);
  EXPECT_TRUE(s->options.retain_as_published);
  EXPECT_EQ(s->options.retain_handling, protocol::RetainHandling::DoNotSend);
  EXPECT_FALSE(parse({"-V", "5", "-t", "a", "--rh", "3"}));
}

TEST(SubOptions, NoLocalIsRefusedOnSharedSubscriptions) {
  EXPECT_FALSE(parse({"-V", "5", "-t", "$share/g/a", "--nl"}));
  EXPECT_TRUE(parse({"-V", "5", "-t", "$share/g/a"}));
}

TEST(SubOptions, FormatAndExitAfterSubscribe) {
  auto s = parse({"-t", "a", "-F", "%t %p", "-E"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->format, "%t %p");
  EXPECT_TRUE(s->exit_after_subscribe);
}

TEST(SubOptions, HostIsDashH) {
  auto s = parse({"-h", "example.org", "-t", "a"});
  ASSERT_TRUE(s) << s.error().text;
  EXPECT_EQ(s->common.connect.host, "example.org");
}

}  // namespace
}  // namespace pregon::client
