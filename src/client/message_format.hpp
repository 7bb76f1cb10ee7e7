// How `pregon sub` prints a received message: the payload alone, "topic payload" (-v), or a
// user-defined format (-F) with %-parameters, @-time fields and \-escapes in the style of the
// long-established subscriber tools (see docs/client-tools.md for the list). Pure: the receive
// time is passed in. Thread-safe (no state).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client/client_connection.hpp"

namespace pregon::client {

struct OutputFormat {
  bool verbose = false;
  std::optional<std::string> format;  // overrides verbose
  bool no_newline = false;
};

// The bytes to write for `message`, newline included unless no_newline.
std::string format_message(const ReceivedMessage& message, const OutputFormat& output,
                           std::chrono::system_clock::time_point received_at);

}  // namespace pregon::client
