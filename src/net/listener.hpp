// Listener: one listening socket, registered with one loop. For TCP every loop opens its own socket
// on the same address with SO_REUSEPORT, so the kernel spreads incoming connections across loops
// without a shared accept lock or a hand-off thread. A Unix socket path can be bound only once: its
// one socket is shared by every loop (a duplicate descriptor each), registered with EPOLLEXCLUSIVE
// so that a connection wakes one loop, not all.
//
// Ownership: owns its socket. Thread-safety: constructed on any thread; start(), stop() and the
// accepting happen on the loop's thread (start() may also run before the loop does).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "net/endpoint.hpp"
#include "net/event_loop.hpp"
#include "net/unique_fd.hpp"

namespace pregon::net {

// Start-up: resolves `host` and picks the first address whose `port` is free, checking that no
// other socket, even one with SO_REUSEPORT, holds it; a port of 0 becomes the port the kernel
// chose. Throws std::runtime_error "cannot listen on <host>:<port>: <reason>".
Endpoint choose_listen_endpoint(const std::string& host, uint16_t port);

// Start-up, for a Unix socket listener: removes a socket file left behind by a process that is gone
// (nothing accepts on it); throws std::runtime_error when the path is in use or is not a socket.
Endpoint prepare_unix_socket(const std::string& path);

// Start-up: a socket bound to `endpoint` and listening. Throws std::runtime_error on failure.
UniqueFd open_listening_socket(const Endpoint& endpoint);

class Listener final : private IoHandler {
 public:
  // Called for each accepted socket: non-blocking, close-on-exec, socket options applied.
  using AcceptFn = std::function<void(UniqueFd fd, std::string peer)>;
  // Called for each socket closed at once for being over the accept rate.
  using RefusedFn = std::function<void()>;

  // Start-up: opens, binds and listens on `endpoint`. Throws std::runtime_error on failure.
  explicit Listener(const Endpoint& endpoint) : Listener(open_listening_socket(endpoint), endpoint, false) {}
  // Takes a socket already listening on `endpoint`; `shared`: other loops accept on it too.
  Listener(UniqueFd listening, const Endpoint& endpoint, bool shared);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The bound address (with the actual port).
  const Endpoint& endpoint() const { return endpoint_; }
  uint16_t port() const { return endpoint_.port(); }

  // Registers with `loop`; throws std::runtime_error when the loop refuses (start-up).
  void start(EventLoop& loop, AcceptFn on_accept, RefusedFn on_over_rate = {});
  // No more accepting: leaves the loop and closes the socket.
  void stop();

  // At most `per_second` new connections a second on this listener (a burst of one second's
  // worth); the ones beyond are accepted and closed at once, before they cost a CONNECT. 0: no limit.
  void limit_accept_rate(uint32_t per_second) { accept_rate_ = per_second; accept_tokens_ = per_second; }

 private:
  void on_io(uint32_t events) override;
  void shed_one();

  UniqueFd fd_;
  Endpoint endpoint_;
  bool shared_ = false;
  EventLoop* loop_ = nullptr;
  AcceptFn on_accept_;
  RefusedFn on_over_rate_;
  // Held in reserve for when the descriptor table is full: closing it frees one slot to accept and
  // drop a connection, instead of leaving it pending and spinning on a level-triggered listener.
  UniqueFd reserve_;
  TimePoint last_full_warning_{};
  uint32_t accept_rate_ = 0;
  double accept_tokens_ = 0;
  TimePoint accept_refilled_{};
  uint64_t refused_by_rate_ = 0;
  TimePoint last_rate_warning_{};
  bool within_accept_rate();
};

}  // namespace pregon::net
