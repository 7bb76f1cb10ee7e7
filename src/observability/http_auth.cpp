#include "observability/http_auth.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>

#include <cctype>
#include <optional>
#include <string>

#include "auth/base64.hpp"

namespace pregon::observability {

namespace {

// Compares without an early exit, so that timing does not tell how much of a secret matched.
bool same_secret(std::string_view given, std::string_view expected) {
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

// "Scheme value" with a case-insensitive scheme [RFC 9110 11.1]; the value, or nothing.
std::optional<std::string_view> credentials_of(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i]))) {
      return std::nullopt;
    }
  }
  std::string_view value = header.substr(scheme.size() + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

bool basic_matches(const config::Http& http, std::string_view header) {
  if (http.username.empty()) return false;
  const auto encoded = credentials_of(header, "Basic");
  if (!encoded) return false;
  const auto decoded = auth::base64_decode(*encoded);
  if (!decoded) return false;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  const bool user_ok = same_secret(std::string_view(*decoded).substr(0, colon), http.username);
  const bool password_ok = same_secret(std::string_view(*decoded).substr(colon + 1), http.password);
  return user_ok && password_ok;
}

bool bearer_matches(const config::Http& http, std::string_view header) {
  if (http.token.empty()) return false;
  const auto token = credentials_of(header, "Bearer");
  return token && same_secret(*token, http.token);
}

// "localhost", 127.x.x.x or [::1], with or without a port.
bool loopback_host(std::string_view host) {
  std::string name;
  if (host.starts_with('[')) {
    const size_t end = host.find(']');
    if (end == std::string_view::npos) return false;
    name = host.substr(1, end - 1);
    in6_addr a6{};
    return inet_pton(AF_INET6, name.c_str(), &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
  }
  name = host.substr(0, host.rfind(':'));
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (name == "localhost") return true;
  in_addr a4{};
  return inet_pton(AF_INET, name.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

}  // namespace

bool from_another_site(const config::Http& http, std::string_view origin, std::string_view host) {
  if (!origin.empty()) {
    std::string_view origin_host = origin;
    if (origin_host.starts_with("http://")) {
      origin_host.remove_prefix(7);
    } else if (origin_host.starts_with("https://")) {
      origin_host.remove_prefix(8);
    } else {
      return true;  // "null" (a sandboxed page, a file) or nonsense
    }
    if (origin_host != host) return true;
  }
  const bool credentials = !http.username.empty() || !http.token.empty();
  return !credentials && !host.empty() && !loopback_host(host);
}

HttpAccess check_http_access(const config::Http& http, std::string_view authorization, bool peer_is_loopback) {
  if (http.username.empty() && http.token.empty()) {
    return peer_is_loopback ? HttpAccess::Granted : HttpAccess::Forbidden;
  }
  if (basic_matches(http, authorization) || bearer_matches(http, authorization)) return HttpAccess::Granted;
  return HttpAccess::Unauthorized;
}

std::string_view www_authenticate(const config::Http& http) {
  if (!http.username.empty() && !http.token.empty()) return "Basic realm=\"pregon\", Bearer realm=\"pregon\"";
  if (!http.username.empty()) return "Basic realm=\"pregon\"";
  return "Bearer realm=\"pregon\"";
}

}  // namespace pregon::observability
