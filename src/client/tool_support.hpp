// What both tools do the same way at their edges: report an outcome on stderr and turn it into an
// exit status, and print debug lines. Writes to stdout/stderr; call from the tool's one thread.
#pragma once

#include <string_view>

#include "client/client_connection.hpp"
#include "client/command_line.hpp"

namespace pregon::client {

// The exit status for a failure: a refused CONNACK exits with its code (the 3.1.1 return code, or
// the 5.0 reason code), as the long-established tools do; anything else exits with 1.
int exit_status_of(const ClientError& error, protocol::ProtocolVersion version);

// Prints the error ("Error: ..." or "Connection error: ...") unless quiet; returns exit_status_of().
int report(const ClientError& error, protocol::ProtocolVersion version, bool quiet);

// Prints "Error: <message>" unless quiet; returns kExitFailure.
int report(std::string_view message, bool quiet);

// Prints help on stdout or the usage error on stderr; returns the ParseStop's exit code.
int report(const ParseStop& stop, std::string_view tool);

// A sink that writes each line to stderr, or none when debugging is off.
ClientConnection::DebugSink debug_sink(bool enabled);

}  // namespace pregon::client
