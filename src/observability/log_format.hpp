// How log lines are written, on stderr: `log_format = "text"` or `"json"`.
//
//   text  2026-11-25T17:07:21.482 info  client=sensor-7 peer=10.0.0.5:51234 client connected: ...
//         (local time; the client= and peer= fields only on lines about a client, see
//         base/log_context.hpp; a value with spaces, quotes, '=' or control characters is quoted
//         and escaped as a JSON string)
//   json  {"time":"2026-11-25T16:07:21.482Z","level":"info","message":"client connected: ...",
//          "client_id":"sensor-7","peer":"10.0.0.5:51234"}
//         (one object per line; UTC; client_id and peer only when known; invalid UTF-8 replaced
//         by U+FFFD)
//
// Level names are spdlog's: trace, debug, info, warning, error, critical.
//
// Thread-safety: configure_logging may be called again while other threads log (SIGHUP): spdlog
// swaps the level atomically and the formatter under its sink's lock. The rest is pure.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "base/log_context.hpp"

namespace pregon::observability {

// The formatter for "text" or "json" (anything else: text).
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

// One JSON log line, without its newline.
std::string json_log_line(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                          std::string_view message, const base::LogContext* context);

// The text form of a context: `client=<id> peer=<address> ` (with the trailing space), or
// `peer=<address> ` before the client id is known; empty without a context.
std::string text_log_context(const base::LogContext* context);

// Makes the "pregon" logger on stderr the default on the first call; sets its level and format
// ("text" or "json") on every call.
void configure_logging(spdlog::level::level_enum level, std::string_view format);

}  // namespace pregon::observability
