#include "net/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace pregon::net {

uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

void Endpoint::set_port(uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port);
}

namespace {

// Built with append(): GCC 12 reports a false -Wrestrict on chains of std::string operator+.
std::string join(const char* before, const char* host, const char* after, uint16_t port) {
  std::string out(before);
  out.append(host).append(after).append(std::to_string(port));
  return out;
}

}  // namespace

std::string to_string(const sockaddr* addr, socklen_t len) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return join("", text, ":", ntohs(in->sin_port));
  }
  if (addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; show them as people know them.
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
      return join("", text, ":", ntohs(in6->sin6_port));
    }
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    return join("[", text, "]:", ntohs(in6->sin6_port));
  }
  if (addr->sa_family == AF_UNIX) {
    // An accepted peer's address is unnamed; a listener's is its path.
    const auto* un = reinterpret_cast<const sockaddr_un*>(addr);
    const size_t path_len = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    const std::string path(un->sun_path, strnlen(un->sun_path, path_len));
    return path.empty() ? "unix" : "unix:" + path;
  }
  return "unknown";
}

Endpoint unix_endpoint(const std::string& path) {
  Endpoint e;
  auto* un = reinterpret_cast<sockaddr_un*>(&e.addr);
  un->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof un->sun_path) {
    throw std::runtime_error("cannot listen on unix:" + path + ": the path must be 1 to 107 bytes");
  }
  std::memcpy(un->sun_path, path.data(), path.size());
  e.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return e;
}

std::vector<Endpoint> resolve_bind_address(const std::string& host, uint16_t port) {
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(name.empty() ? nullptr : name.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    throw std::runtime_error("cannot resolve listener address '" + host + "': " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, &freeaddrinfo);

  std::vector<Endpoint> out;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Endpoint e;
    std::memcpy(&e.addr, ai->ai_addr, ai->ai_addrlen);
    e.len = ai->ai_addrlen;
    out.push_back(e);
  }
  if (out.empty()) throw std::runtime_error("listener address '" + host + "' has no IPv4 or IPv6 address");
  return out;
}

}  // namespace pregon::net
