#include "client/message_format.hpp"

#include <gtest/gtest.h>

namespace pregon::client {
namespace {

const auto kAt =
    std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)) + std::chrono::nanoseconds(123'456'789);

ReceivedMessage sample() {
  ReceivedMessage m;
  m.topic = "a/b";
  m.payload = "hi\x01";
  m.qos = protocol::QoS::AtLeastOnce;
  m.retain = true;
  m.packet_id = 7;
  return m;
}

std::string format(const ReceivedMessage& m, OutputFormat f) { return format_message(m, f, kAt); }

TEST(FormatMessage, PayloadAloneByDefault) {
  EXPECT_EQ(format(sample(), {}), "hi\x01\n");
  EXPECT_EQ(format(sample(), {.no_newline = true}), "hi\x01");
}

TEST(FormatMessage, VerboseIsTopicSpacePayload) {
  EXPECT_EQ(format(sample(), {.verbose = true}), "a/b hi\x01\n");
  ReceivedMessage empty = sample();
  empty.payload.clear();
  EXPECT_EQ(format(empty, {.verbose = true}), "a/b (null)\n");
  EXPECT_EQ(format(empty, {}), "\n");
}

TEST(FormatMessage, FormatParameters) {
  OutputFormat f{.verbose = true, .format = "%t|%p|%q|%r|%l|%m|%x|%X|%%|%z"};
  EXPECT_EQ(format(sample(), f), "a/b|hi\x01|1|1|3|7|686901|686901|%|%z\n");
}

TEST(FormatMessage, FormatProperties) {
  ReceivedMessage m = sample();
  m.user_properties = {{"k", "v"}, {"k", "w"}};
  m.response_topic = "reply";
  m.content_type = "text/plain";
  m.correlation_data = "cd";
  m.message_expiry_interval = 60;
  m.payload_format_indicator = 1;
  m.topic_alias = 3;
  m.subscription_identifiers = {4, 5};
  EXPECT_EQ(format(m, {.format = "%P;%R;%C;%D;%E;%F;%A;%S"}), "k:v k:w;reply;text/plain;cd;60;1;3;4,5\n");
  // Absent properties print nothing.
  EXPECT_EQ(format(sample(), {.format = "[%P%R%C%D%E%F%A%S]"}), "[]\n");
}

TEST(FormatMessage, EscapesAndTime) {
  EXPECT_EQ(format(sample(), {.format = "%t\\t%q\\\\\\n", .no_newline = true}), "a/b\t1\\\n");
  EXPECT_EQ(format(sample(), {.format = "\\0", .no_newline = true}), std::string(1, '\0'));
  EXPECT_EQ(format(sample(), {.format = "%U"}), "1700000000.123456789\n");
  EXPECT_EQ(format(sample(), {.format = "@N @@ @s"}), "123456789 @ 1700000000\n");
  EXPECT_EQ(format(sample(), {.format = "trailing %"}), "trailing %\n");
}

}  // namespace
}  // namespace pregon::client
