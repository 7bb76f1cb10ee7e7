#include "config/rules.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace pregon::config {
namespace {

constexpr std::size_t kMaxHostNameBytes = 253;
constexpr std::size_t kMaxLabelBytes = 63;

bool is_ipv4_literal(const std::string& text) {
  in_addr addr{};
  return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool is_ipv6_literal(const std::string& text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// RFC 1123 section 2.1: labels of letters, digits and hyphens, not starting or ending with a
// hyphen. A single trailing dot (fully qualified form) is accepted.
bool is_host_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxHostNameBytes) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > kMaxLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!is_alnum(c) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> check_range(int64_t value, Range range) {
  if (value >= range.min && value <= range.max) return std::nullopt;
  return std::to_string(value) + " is out of range [" + std::to_string(range.min) + ", " +
         std::to_string(range.max) + "]";
}

std::optional<std::string> check_one_of(std::string_view value, std::span<const std::string_view> choices,
                                        std::string_view noun) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return std::nullopt;
  std::string what = quoted(value) + " is not " + std::string(noun) + " (expected one of";
  for (size_t i = 0; i < choices.size(); ++i) {
    what += i == 0 ? " " : ", ";
    what += choices[i];
  }
  what += ')';
  return what;
}

std::optional<std::string> check_log_level(std::string_view level) {
  return check_one_of(level, kLogLevels, "a log level");
}

std::optional<std::string> check_log_format(std::string_view format) {
  return check_one_of(format, kLogFormats, "a log format");
}

std::optional<std::string> check_sync_mode(std::string_view mode) {
  return check_one_of(mode, kSyncModes, "a sync mode");
}

std::optional<std::string> check_on_corruption(std::string_view action) {
  return check_one_of(action, kCorruptionActions, "a corruption action");
}

std::optional<std::string> check_queue_overflow(std::string_view policy) {
  return check_one_of(policy, kQueueOverflowPolicies, "a queue overflow policy");
}

std::optional<std::string> check_jwt_algorithm(std::string_view algorithm) {
  static constexpr std::string_view kAlgorithms[] = {"", "RS256", "ES256", "HS256"};
  return check_one_of(algorithm, kAlgorithms, "a JWT algorithm");
}

std::optional<std::string> check_client_certificates(std::string_view mode) {
  return check_one_of(mode, kClientCertificateModes, "a client certificate mode");
}

std::optional<std::string> check_tls_version(std::string_view version) {
  return check_one_of(version, kTlsVersions, "a TLS version");
}

std::optional<std::string> check_listener_protocol(std::string_view protocol) {
  return check_one_of(protocol, kListenerProtocols, "a listener protocol");
}

std::optional<std::string> check_websocket_path(std::string_view path) {
  constexpr size_t kMaxPathBytes = 1024;
  if (path.empty() || path.front() != '/') return quoted(path) + " must start with '/'";
  if (path.size() > kMaxPathBytes) return "longer than " + std::to_string(kMaxPathBytes) + " bytes";
  for (const char ch : path) {
    if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#') {
      return quoted(path) + " must be visible ASCII without '?' or '#'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_directory(std::string_view dir) {
  if (dir.empty()) return "the directory must not be empty";
  if (dir.find('\0') != std::string_view::npos) return "the directory contains a NUL byte";
  return std::nullopt;
}

std::optional<std::string> check_unix_socket_path(std::string_view path) {
  if (path.empty()) return "must not be empty (leave it out for a TCP listener)";
  if (path.find('\0') != std::string_view::npos) return quoted(path) + " contains a NUL character";
  if (path.size() > 107) return quoted(path) + " is longer than a Unix socket path may be (107 bytes)";
  return std::nullopt;
}

std::optional<std::string> check_bind_address(std::string_view bind) {
  if (bind.empty()) return "must not be empty (use \"0.0.0.0\" or \"::\" for every interface)";
  if (bind.find('\0') != std::string_view::npos) return quoted(bind) + " contains a NUL character";
  const std::string text(bind);
  if (is_ipv4_literal(text) || is_ipv6_literal(text)) return std::nullopt;
  if (bind.front() == '[') return quoted(bind) + ": write an IPv6 address without brackets";
  if (bind.find(':') != std::string_view::npos) {
    return quoted(bind) + " is not a valid IPv6 address";
  }
  // RFC 1123 host names may start with a digit, but a name made only of digits and dots is a
  // mistyped IPv4 address, not a name any resolver will find.
  const auto digit_or_dot = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
  if (std::all_of(bind.begin(), bind.end(), digit_or_dot)) {
    return quoted(bind) + " is not a valid IPv4 address";
  }
  if (!is_host_name(bind)) {
    return quoted(bind) + " is neither an IP address nor a valid host name";
  }
  return std::nullopt;
}

std::optional<std::string> check_http_credential(std::string_view value) {
  if (value.empty()) return "must not be empty (leave the key out instead)";
  for (const char ch : value) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return "must not contain control characters";
  }
  return std::nullopt;
}

std::optional<std::string> check_http_username(std::string_view value) {
  if (value.find(':') != std::string_view::npos) return "must not contain ':' (HTTP Basic splits there)";
  return check_http_credential(value);
}

}  // namespace pregon::config
