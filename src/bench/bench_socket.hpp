// Opening the generator's TCP connections: non-blocking, TCP_NODELAY, optionally bound to one of
// several loopback source addresses so that more than one ephemeral port range is available.
// Stateless; thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace pregon::bench {

struct Destination {
  sockaddr_storage address{};
  socklen_t length = 0;
  bool loopback = false;
};

// Resolves host:port once, at start-up; std::nullopt with `error` set when it cannot.
std::optional<Destination> resolve(const std::string& host, uint16_t port, std::string& error);

// Starts a connection; returns the fd (connect in progress or done) or -1 with errno set.
// `source` > 0 binds to 127.0.0.(source) first (IPv4 loopback destinations only).
int start_connect(const Destination& d, uint32_t source);

// The outcome of a non-blocking connect once the socket reports writable: 0 or an errno value.
int connect_result(int fd);

}  // namespace pregon::bench
