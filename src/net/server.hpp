// Server: the running broker. Owns the BrokerState, one event loop per thread and, on each loop,
// a broker::Shard, a listening socket per configured listener (SO_REUSEPORT, the same port on every
// loop) and the connections accepted there. Shards reach each other through a ShardRouter that posts to the
// target loop's task queue; connections move between loops the same way.
//
// Stopping: request_stop() (async-signal-safe), or a signal from ControlSignals when one is passed to
// run(). The app's main() would read:
//     net::ControlSignals signals;   // first: blocks SIGINT/SIGTERM/SIGHUP before any thread exists
//     net::Server server(config);    // binds; throws on a busy port or a bad address
//     server.run(&signals, on_hangup);  // returns after SIGINT/SIGTERM, everything closed and joined
// Then every loop stops accepting, calls Shard::shutdown, flushes and closes its connections (at
// most about 2 s), and once all loops are drained they stop and are joined. SIGHUP calls
// `on_hangup` on run()'s thread; the app reads its configuration again there and calls
// reconfigure().
//
// Ownership: owns everything it creates; nothing outlives it. Thread-safety: construct, run() and
// destroy on one thread, reconfigure() on that thread too (from on_hangup); request_stop() from any
// thread or a signal handler; port() any time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/expected.hpp"
#include "config/config.hpp"
#include "net/endpoint.hpp"
#include "net/unique_fd.hpp"

namespace pregon::broker {
class BrokerState;
class ShardRouter;
}

namespace pregon::net {

class ControlSignals;

class Server {
 public:
  // Start-up: creates the shards and loops and binds every listener, so a busy port or a bad
  // address fails here, with std::runtime_error "cannot listen on <address>: <reason>".
  explicit Server(config::Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Where [listener] is bound (its port is the one the kernel chose when the config says 0).
  uint16_t port() const { return endpoint().port(); }
  const Endpoint& endpoint() const;
  unsigned thread_count() const { return static_cast<unsigned>(workers_.size()); }

  // For monitoring from other threads: tasks posted before run() wait until the loops start.
  broker::ShardRouter& router();
  broker::BrokerState& state() { return *state_; }

  // Starts the loop threads and blocks until request_stop() or SIGINT/SIGTERM from `signals`, then
  // shuts down and joins the threads; SIGHUP calls `on_hangup` (when given). Call once.
  void run(const ControlSignals* signals = nullptr, std::function<void()> on_hangup = {});

  // A reload: reads the password, ACL and JWT key files of `next.auth` and hands them and
  // `next.limits` to every loop (connections already open keep their sessions; each limit applies
  // from its next check), then reads every TLS listener's certificates again (a listener whose
  // files fail keeps its previous ones, logged). When the auth files fail, nothing changes and the
  // error is returned. Listener settings are not taken from `next`.
  base::Expected<void, std::string> reconfigure(const config::Config& next);

  // Async-signal-safe (one write to an eventfd); any thread; before run() it makes run() return
  // right after starting.
  void request_stop() noexcept;

 private:
  struct Worker;
  struct Entrance;
  class Router;

  void wait_for_stop(const ControlSignals* signals, const std::function<void()>& on_hangup);
  void reload_certificates();
  void shut_down();

  std::unique_ptr<broker::BrokerState> state_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<Entrance>> entrances_;  // [listener], then [[listeners]]
  std::vector<std::unique_ptr<Worker>> workers_;
  UniqueFd stop_fd_;  // eventfd written by request_stop()
  bool ran_ = false;
};

}  // namespace pregon::net
