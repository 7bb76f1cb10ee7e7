#include "client/message_format.hpp"

#include <fmt/format.h>

#include <ctime>

namespace pregon::client {
namespace {

void append_hex(std::string& out, std::string_view bytes, bool upper) {
  for (unsigned char c : bytes) out += upper ? fmt::format("{:02X}", c) : fmt::format("{:02x}", c);
}

std::tm local_time(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  return tm;
}

long nanoseconds_of(std::chrono::system_clock::time_point t) {
  auto since = t.time_since_epoch();
  return static_cast<long>(
      (std::chrono::duration_cast<std::chrono::nanoseconds>(since) % std::chrono::seconds(1)).count());
}

std::string strftime_of(const char* pattern, std::chrono::system_clock::time_point t) {
  std::tm tm = local_time(t);
  char buffer[128];
  size_t n = std::strftime(buffer, sizeof buffer, pattern, &tm);
  return std::string(buffer, n);
}

// One %-parameter; returns false for an unknown one, which is then printed as it stands.
bool append_parameter(std::string& out, char p, const ReceivedMessage& m, std::chrono::system_clock::time_point at) {
  switch (p) {
    case '%': out += '%'; return true;
    case 't': out += m.topic; return true;
    case 'p': out += m.payload; return true;
    case 'q': out += fmt::format("{}", static_cast<int>(m.qos)); return true;
    case 'r': out += m.retain ? '1' : '0'; return true;
    case 'l': out += fmt::format("{}", m.payload.size()); return true;
    case 'm': out += fmt::format("{}", m.packet_id); return true;
    case 'x': append_hex(out, m.payload, false); return true;
    case 'X': append_hex(out, m.payload, true); return true;
    case 'A':
      if (m.topic_alias) out += fmt::format("{}", *m.topic_alias);
      return true;
    case 'C':
      if (m.content_type) out += *m.content_type;
      return true;
    case 'D':
      if (m.correlation_data) out += *m.correlation_data;
      return true;
    case 'E':
      if (m.message_expiry_interval) out += fmt::format("{}", *m.message_expiry_interval);
      return true;
    case 'F':
      if (m.payload_format_indicator) out += fmt::format("{}", *m.payload_format_indicator);
      return true;
    case 'R':
      if (m.response_topic) out += *m.response_topic;
      return true;
    case 'S':
      for (size_t i = 0; i < m.subscription_identifiers.size(); ++i) {
        out += fmt::format("{}{}", i ? "," : "", m.subscription_identifiers[i]);
      }
      return true;
    case 'P':
      for (size_t i = 0; i < m.user_properties.size(); ++i) {
        out += fmt::format("{}{}:{}", i ? " " : "", m.user_properties[i].first, m.user_properties[i].second);
      }
      return true;
    case 'I': out += strftime_of("%Y-%m-%dT%H:%M:%S%z", at); return true;
    case 'U': out += fmt::format("{}.{:09}", std::chrono::system_clock::to_time_t(at), nanoseconds_of(at)); return true;
    default: return false;
  }
}

bool append_escape(std::string& out, char e) {
  switch (e) {
    case '\\': out += '\\'; return true;
    case '0': out += '\0'; return true;
    case 'a': out += '\a'; return true;
    case 'e': out += '\x1b'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'v': out += '\v'; return true;
    default: return false;
  }
}

std::string apply_format(std::string_view format, const ReceivedMessage& m, std::chrono::system_clock::time_point at) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (i + 1 >= format.size() || (c != '%' && c != '@' && c != '\\')) {
      out += c;
      continue;
    }
    char next = format[i + 1];
    bool known = false;
    if (c == '%') {
      known = append_parameter(out, next, m, at);
    } else if (c == '\\') {
      known = append_escape(out, next);
    } else if (next == '@') {
      out += '@';
      known = true;
    } else if (next == 'N') {
      out += fmt::format("{:09}", nanoseconds_of(at));
      known = true;
    } else {
      const char pattern[] = {'%', next, '\0'};
      out += strftime_of(pattern, at);
      known = true;
    }
    if (known) {
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string format_message(const ReceivedMessage& message, const OutputFormat& output,
                           std::chrono::system_clock::time_point received_at) {
  std::string out;
  if (output.format) {
    out = apply_format(*output.format, message, received_at);
  } else if (output.verbose) {
    out = message.topic;
    out += ' ';
    out += message.payload.empty() ? std::string("(null)") : message.payload;
  } else {
    out = message.payload;
  }
  if (!output.no_newline) out += '\n';
  return out;
}

}  // namespace pregon::client
