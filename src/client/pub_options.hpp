// The command line of `pregon pub`: the common connection options plus what to publish, where,
// and how often. Pure: parse_pub_options() reads nothing but its arguments (files and stdin are
// read later by the command). Not thread-safe; used once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/command_line.hpp"
#include "client/common_options.hpp"

namespace pregon::client {

// Where the payload comes from; exactly one is chosen.
enum class PayloadSource {
  Message,     // -m: the argument itself
  File,        // -f: the whole file, one message
  StdinLines,  // -l: one message per line of stdin, newline removed
  StdinWhole,  // -s: all of stdin, one message
  Null,        // -n: an empty payload
};

struct PubSettings {
  CommonSettings common;
  std::string topic;
  PayloadSource source = PayloadSource::Message;
  std::string message;  // -m
  std::string file;     // -f
  bool retain = false;
  int repeat = 1;             // times each single message is sent (not with -l)
  double repeat_delay = 0.0;  // seconds between repeats
  // 5.0 PUBLISH properties.
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::optional<std::string> content_type;
  std::optional<uint32_t> message_expiry_interval;
};

ParseResult<PubSettings> parse_pub_options(const std::vector<std::string>& args);

}  // namespace pregon::client
