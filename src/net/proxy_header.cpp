#include "net/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "net/endpoint.hpp"

namespace pregon::net {

namespace {

constexpr uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::string_view kV1Prefix = "PROXY ";
constexpr size_t kV1MaxLine = 107;  // "PROXY TCP6 " + two full IPv6 addresses + two ports + CRLF
constexpr size_t kV2FixedPart = 16;

bool starts_like(std::span<const uint8_t> input, std::span<const uint8_t> prefix) {
  const size_t n = std::min(input.size(), prefix.size());
  return std::equal(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(n), prefix.begin());
}

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Splits `line` at single spaces; false if there are not exactly `n` fields.
template <size_t N>
bool split_fields(std::string_view line, std::string_view (&fields)[N]) {
  for (size_t i = 0; i < N; ++i) {
    const size_t space = line.find(' ');
    if ((space == std::string_view::npos) != (i == N - 1)) return false;
    fields[i] = line.substr(0, space);
    if (fields[i].empty()) return false;
    line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
  }
  return true;
}

bool parse_port(std::string_view s, uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

std::string format_v4(const void* addr, uint16_t port_network_order) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  std::memcpy(&sa.sin_addr, addr, sizeof sa.sin_addr);
  sa.sin_port = port_network_order;
  return to_string(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

std::string format_v6(const void* addr, uint16_t port_network_order) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::memcpy(&sa.sin6_addr, addr, sizeof sa.sin6_addr);
  sa.sin6_port = port_network_order;
  return to_string(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

ProxyParse parse_v1(std::span<const uint8_t> input) {
  const std::string_view text(reinterpret_cast<const char*>(input.data()), std::min(input.size(), kV1MaxLine));
  const size_t end = text.find("\r\n");
  if (end == std::string_view::npos) {
    if (input.size() >= kV1MaxLine) return ProxyInvalid{"PROXY v1 line too long"};
    return ProxyNeedMore{};
  }
  const std::string_view line = text.substr(kV1Prefix.size(), end - kV1Prefix.size());
  ProxyHeader header{end + 2, {}};
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) return header;
  std::string_view f[5];  // protocol, source, destination, source port, destination port
  if (!split_fields(line, f)) return ProxyInvalid{"malformed PROXY v1 line"};
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  if (!parse_port(f[3], source_port) || !parse_port(f[4], destination_port)) {
    return ProxyInvalid{"bad port in PROXY v1 line"};
  }
  const int family = f[0] == "TCP4" ? AF_INET : f[0] == "TCP6" ? AF_INET6 : 0;
  if (family == 0) return ProxyInvalid{"unknown protocol in PROXY v1 line"};
  in6_addr source{};
  in6_addr destination{};
  if (inet_pton(family, std::string(f[1]).c_str(), &source) != 1 ||
      inet_pton(family, std::string(f[2]).c_str(), &destination) != 1) {
    return ProxyInvalid{"bad address in PROXY v1 line"};
  }
  header.source = family == AF_INET ? format_v4(&source, htons(source_port)) : format_v6(&source, htons(source_port));
  return header;
}

ProxyParse parse_v2(std::span<const uint8_t> input) {
  if (input.size() < kV2FixedPart) return ProxyNeedMore{};
  const uint8_t version_command = input[12];
  const uint8_t family_protocol = input[13];
  const size_t length = (size_t{input[14]} << 8) | input[15];
  if ((version_command >> 4) != 2) return ProxyInvalid{"unknown PROXY v2 version"};
  const uint8_t command = version_command & 0x0F;
  if (command > 1) return ProxyInvalid{"unknown PROXY v2 command"};
  if (kV2FixedPart + length > kMaxProxyHeader) return ProxyInvalid{"PROXY v2 header too long"};
  if (input.size() < kV2FixedPart + length) return ProxyNeedMore{};
  ProxyHeader header{kV2FixedPart + length, {}};
  if (command == 0) return header;  // LOCAL: the balancer itself speaking, e.g. a health check
  const std::span<const uint8_t> addresses = input.subspan(kV2FixedPart, length);
  const uint8_t family = family_protocol >> 4;
  const uint8_t transport = family_protocol & 0x0F;
  if (transport > 2) return ProxyInvalid{"unknown PROXY v2 transport"};
  uint16_t port = 0;
  switch (family) {
    case 0x0:  // unspecified
    case 0x3:  // AF_UNIX: no address worth showing
      return header;
    case 0x1:  // AF_INET: source, destination, source port, destination port
      if (addresses.size() < 12) return ProxyInvalid{"short PROXY v2 IPv4 addresses"};
      std::memcpy(&port, addresses.data() + 8, sizeof port);
      header.source = format_v4(addresses.data(), port);
      return header;
    case 0x2:  // AF_INET6
      if (addresses.size() < 36) return ProxyInvalid{"short PROXY v2 IPv6 addresses"};
      std::memcpy(&port, addresses.data() + 32, sizeof port);
      header.source = format_v6(addresses.data(), port);
      return header;
    default:
      return ProxyInvalid{"unknown PROXY v2 address family"};
  }
}

}  // namespace

ProxyParse parse_proxy_header(std::span<const uint8_t> input) {
  if (input.empty()) return ProxyNeedMore{};
  if (starts_like(input, kV2Signature)) {
    return input.size() < sizeof kV2Signature ? ProxyParse{ProxyNeedMore{}} : parse_v2(input);
  }
  if (starts_like(input, as_bytes(kV1Prefix))) {
    return input.size() < kV1Prefix.size() ? ProxyParse{ProxyNeedMore{}} : parse_v1(input);
  }
  return ProxyInvalid{"no PROXY protocol header"};
}

}  // namespace pregon::net
