#include "client/tool_support.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace pregon::client {

int exit_status_of(const ClientError& error, protocol::ProtocolVersion version) {
  if (error.kind != ClientError::Kind::Refused) return kExitFailure;
  if (protocol::is_v5(version)) return static_cast<int>(error.reason);
  return static_cast<int>(protocol::to_connect_return_code(error.reason));
}

int report(const ClientError& error, protocol::ProtocolVersion version, bool quiet) {
  if (!quiet) {
    // A refusal's message already says "Connection error: ..."; other failures get the usual prefix.
    if (error.kind == ClientError::Kind::Refused) {
      fmt::print(stderr, "{}\n", error.message);
    } else {
      fmt::print(stderr, "Error: {}\n", error.message);
    }
  }
  return exit_status_of(error, version);
}

int report(std::string_view message, bool quiet) {
  if (!quiet) fmt::print(stderr, "Error: {}\n", message);
  return kExitFailure;
}

int report(const ParseStop& stop, std::string_view tool) {
  if (stop.exit_code == kExitSuccess) {
    fmt::print("{}", stop.text);
  } else {
    fmt::print(stderr, "Error: {}\nUse '{} --help' to see usage.\n", stop.text, tool);
  }
  return stop.exit_code;
}

ClientConnection::DebugSink debug_sink(bool enabled) {
  if (!enabled) return {};
  return [](std::string_view line) {
    fmt::print(stderr, "{}\n", line);
    std::fflush(stderr);
  };
}

}  // namespace pregon::client
