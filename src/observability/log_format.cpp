#include "observability/log_format.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace pregon::observability {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %*%v";

std::string json_string(std::string_view text) {
  // Client identifiers are valid UTF-8 by the protocol, but a message may quote anything (a topic,
  // a storage key): never let a log line throw.
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Bare when it cannot be misread as more than one field, else a JSON string.
void append_text_value(std::string& out, std::string_view value) {
  const bool bare = !value.empty() && std::all_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\';
  });
  if (bare) {
    out += value;
  } else {
    out += json_string(value);
  }
}

class ContextFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text = text_log_context(base::current_log_context());
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ContextFlag>(); }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = json_log_line(msg.time, msg.level, std::string_view(msg.payload.data(), msg.payload.size()),
                                           base::current_log_context());
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

std::string utc_time(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>();
  text->add_flag<ContextFlag>('*').set_pattern(kTextPattern);
  return text;
}

std::string json_log_line(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                          std::string_view message, const base::LogContext* context) {
  const spdlog::string_view_t name = spdlog::level::to_string_view(level);
  std::string line = "{\"time\":\"" + utc_time(time) + "\",\"level\":";
  line += json_string(std::string_view(name.data(), name.size()));
  line += ",\"message\":";
  line += json_string(message);
  if (context != nullptr) {
    if (!context->client_id.empty()) {
      line += ",\"client_id\":";
      line += json_string(context->client_id);
    }
    line += ",\"peer\":";
    line += json_string(context->peer);
  }
  line += '}';
  return line;
}

std::string text_log_context(const base::LogContext* context) {
  std::string out;
  if (context == nullptr) return out;
  if (!context->client_id.empty()) {
    out += "client=";
    append_text_value(out, context->client_id);
    out += ' ';
  }
  out += "peer=";
  append_text_value(out, context->peer);
  out += ' ';
  return out;
}

void configure_logging(spdlog::level::level_enum level, std::string_view format) {
  if (spdlog::get("pregon") == nullptr) spdlog::set_default_logger(spdlog::stderr_color_mt("pregon"));
  spdlog::set_formatter(make_log_formatter(format));
  spdlog::set_level(level);
}

}  // namespace pregon::observability
