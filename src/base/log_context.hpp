// LogContext: whom a log line is about. While a ScopedLogContext lives on a thread, each line that
// thread logs carries the context's fields, the client identifier and the peer address, as fields
// of their own: the formatters (observability/log_format.hpp) write them as a `client=<id>
// peer=<address>` prefix in text and as "client_id" and "peer" keys in JSON. Code that logs about a
// client calls log_about() instead of formatting the identifier into the message, so that every
// such line has the same shape.
//
// Ownership: a context holds views; what they view must outlive the scope (one log call).
// Thread-safety: the current context is per thread; spdlog formats on the logging thread.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

namespace pregon::base {

struct LogContext {
  std::string_view client_id;  // empty: not known yet (before CONNECT)
  std::string_view peer;       // "address:port"
};

// The context of the log call in progress on this thread, or null.
const LogContext* current_log_context() noexcept;

class ScopedLogContext {
 public:
  explicit ScopedLogContext(const LogContext& context) noexcept;
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  const LogContext* previous_;
};

// spdlog::log(level, format, args...) with `who` as the line's context.
template <class... Args>
void log_about(const LogContext& who, spdlog::level::level_enum level, spdlog::format_string_t<Args...> format,
               Args&&... args) {
  if (!spdlog::should_log(level)) return;
  ScopedLogContext scope(who);
  spdlog::log(level, format, std::forward<Args>(args)...);
}

}  // namespace pregon::base
