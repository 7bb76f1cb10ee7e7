// The command line of `pregon sub`: the common connection options plus what to subscribe to, how to
// print what arrives, and when to stop. Pure. Not thread-safe; used once at start-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/command_line.hpp"
#include "client/common_options.hpp"
#include "protocol/packets.hpp"

namespace pregon::client {

// Exit status when -W ends the run, as the long-established subscriber tools use.
inline constexpr int kExitTimedOut = 27;

struct SubSettings {
  CommonSettings common;
  std::vector<std::string> filters;       // -t, at least one
  std::vector<std::string> filter_out;    // -T: topics matching these are not printed
  protocol::SubscriptionOptions options;  // QoS from -q; 5.0 flags from --nl, --rap, --rh
  bool verbose = false;                   // -v: "topic payload"
  std::optional<std::string> format;      // -F; overrides -v
  bool no_newline = false;                // -N
  int count = 0;                          // -C: exit after this many printed messages; 0 = no limit
  int timeout_seconds = 0;                // -W: exit (status 27) this long after connecting; 0 = never
  bool no_retained = false;               // -R: skip messages with the retain flag
  bool retained_only = false;             // --retained-only: print retained ones, exit at the first fresh one
  bool exit_after_subscribe = false;      // -E
};

ParseResult<SubSettings> parse_sub_options(const std::vector<std::string>& args);

}  // namespace pregon::client
