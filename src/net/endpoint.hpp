// Endpoint: a socket address (IPv4, IPv6 or a Unix socket path) and its text form. Resolves the configured bind address
// (a literal or a host name) at start-up and formats peers as "ip:port" ("[ip]:port" for IPv6).
//
// Thread-safety: plain values and functions without shared state.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pregon::net {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  int family() const { return addr.ss_family; }
  uint16_t port() const;
  void set_port(uint16_t port);
};

// "127.0.0.1:1883", "[::1]:1883", "unix:/run/pregon.sock"; an IPv4-mapped IPv6 address is shown as
// IPv4.
std::string to_string(const sockaddr* addr, socklen_t len);
inline std::string to_string(const Endpoint& e) {
  return to_string(reinterpret_cast<const sockaddr*>(&e.addr), e.len);
}

// A Unix domain socket's address. Start-up only: throws std::runtime_error when `path` does not fit.
Endpoint unix_endpoint(const std::string& path);

// The addresses `host` may be bound to for a TCP listener on `port`, in resolver order. `host` is an
// IPv4 literal, an IPv6 literal (brackets allowed: "[::1]") or a host name. Start-up only: throws
// std::runtime_error naming the host when it does not resolve.
std::vector<Endpoint> resolve_bind_address(const std::string& host, uint16_t port);

}  // namespace pregon::net
