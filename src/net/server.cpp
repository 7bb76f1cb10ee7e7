#include "net/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/block_pool.hpp"
#include "base/log_context.hpp"
#include "broker/broker_state.hpp"
#include "broker/recovery.hpp"
#include "broker/shard.hpp"
#include "broker/shard_router.hpp"
#include "net/connection_handler.hpp"
#include "net/connection_set.hpp"
#include "net/event_loop.hpp"
#include "net/listener.hpp"
#include "net/control_signals.hpp"
#include "net/tcp_connection.hpp"
#include "net/tls_context.hpp"

namespace pregon::net {

namespace {

// Upper bound on the whole shutdown; each loop already cuts its connections after close_timeout.
constexpr std::chrono::seconds kShutdownLimit{5};

// The thin adapter between a loop's connections and its Shard: the connection's handler state is
// the shard's Client.
class ShardHandler final : public ConnectionHandler {
 public:
  explicit ShardHandler(broker::Shard& shard) : shard_(shard) {}

  void on_open(TcpConnection& c, TimePoint now) override { c.set_handler_state(shard_.open(c, now)); }
  broker::InputResult on_input(TcpConnection& c, std::span<const uint8_t> data, TimePoint now) override {
    return shard_.on_input(client(c), data, now);
  }
  void on_closed(TcpConnection& c, TimePoint now) override {
    shard_.on_closed(client(c), now);
    c.set_handler_state(nullptr);
  }
  void on_output_drained(TcpConnection& c, TimePoint now) override { shard_.on_output_drained(client(c), now); }
  void tick(TimePoint now) override { shard_.tick(now); }
  void end_of_iteration() override { shard_.end_of_iteration(); }
  void shutdown(TimePoint now) override { shard_.shutdown(now); }

 private:
  static broker::Client& client(TcpConnection& c) { return *static_cast<broker::Client*>(c.handler_state()); }

  broker::Shard& shard_;
};

}  // namespace

class Server::Router final : public broker::ShardRouter {
 public:
  // `count` is fixed up front: shards are built one by one and each sizes its per-shard state
  // from it, so it must not follow workers_ while they are being created.
  Router(std::vector<std::unique_ptr<Worker>>& workers, unsigned count) : workers_(workers), count_(count) {}
  unsigned shard_count() const override { return count_; }
  void post(unsigned shard, std::function<void(broker::Shard&)> task) override;
  void notify_inbox(unsigned shard) override;

 private:
  std::vector<std::unique_ptr<Worker>>& workers_;
  unsigned count_;
};

// One configured listener: where it is bound, the policy its connections carry, and its TLS
// context as loaded at start-up or by the last good reload.
struct Server::Entrance {
  ~Entrance() {
    if (!config.unix_socket.empty() && shared_socket) ::unlink(config.unix_socket.c_str());
  }

  config::Listener config;
  Endpoint endpoint;
  broker::ListenerPolicy policy;
  std::shared_ptr<const TlsContext> tls;  // null: plain TCP
  UniqueFd shared_socket;  // a Unix socket, which every loop accepts on; TCP: each loop has its own
};

struct Server::Worker {
  Worker(unsigned index, broker::BrokerState& state, broker::ShardRouter& router,
         ConnectionSet::Options options, TransferFn transfer)
      : shard(index, state, router),
        handler(shard),
        connections(std::make_unique<ConnectionSet>(loop, handler, options, std::move(transfer))) {}

  // One listening socket on this loop for one Entrance.
  struct Door {
    explicit Door(Entrance& e)
        : socket(e.shared_socket ? Listener(UniqueFd(::fcntl(e.shared_socket.get(), F_DUPFD_CLOEXEC, 0)), e.endpoint, true)
                                 : Listener(e.endpoint)),
          policy(e.policy),
          websocket_path(e.config.protocol == "websocket" ? e.config.websocket_path : std::string_view()),
          tls(e.tls),
          proxy_protocol(e.config.proxy_protocol) {}
    Listener socket;
    broker::ListenerPolicy& policy;
    std::string_view websocket_path;  // the Entrance's; empty: plain MQTT
    std::shared_ptr<const TlsContext> tls;  // replaced on this loop's thread by a reload
    bool proxy_protocol;
  };

  void accept(Door& door, UniqueFd fd, std::string peer) {
    Accepted a{std::move(fd), std::move(peer), &door.policy, nullptr, nullptr, door.proxy_protocol};
    if (!door.websocket_path.empty()) a.websocket = std::make_unique<WebSocketStream>(door.websocket_path);
    if (door.tls) {
      a.tls = TlsStream::accept(*door.tls);
      if (!a.tls) {
        base::log_about({{}, a.peer}, spdlog::level::err, "cannot start TLS: {}", take_openssl_error());
        return;
      }
    }
    connections->adopt(std::move(a));
  }

  // Destroyed in reverse: the doors close first, connections report to the shard before it goes;
  // the loop goes last.
  EventLoop loop;
  broker::Shard shard;
  ShardHandler handler;
  std::unique_ptr<ConnectionSet> connections;
  std::vector<std::unique_ptr<Door>> doors;
  std::thread thread;
};

namespace {

std::shared_ptr<const TlsContext> load_tls(const config::Listener& l, const std::string& name) {
  if (l.tls.cert_file.empty()) return nullptr;  // TLS settings without it are refused by the parser
  auto loaded = TlsContext::load(l.tls);
  if (!loaded) throw std::runtime_error("listener " + name + ": " + loaded.error());
  return std::move(*loaded);
}

}  // namespace

void Server::Router::post(unsigned shard, std::function<void(broker::Shard&)> task) {
  Worker& w = *workers_.at(shard);
  w.loop.post([task = std::move(task), &w] { task(w.shard); });
}

void Server::Router::notify_inbox(unsigned shard) {
  Worker& w = *workers_.at(shard);
  // One reference captured: std::function keeps it inline, so this posts without allocating.
  w.loop.post([&w] { w.shard.drain_inbox(w.loop.now()); });
}

Server::Server(config::Config config)
    : state_(std::make_unique<broker::BrokerState>(config, broker::open_store(config))),
      router_(std::make_unique<Router>(workers_, state_->shard_count())),
      stop_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!stop_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  const config::Config& c = state_->config();
  for (const config::Listener& l : config::all_listeners(c)) {
    auto e = std::make_unique<Entrance>();
    e->config = l;
    if (l.unix_socket.empty()) {
      e->endpoint = choose_listen_endpoint(l.bind, l.port);
    } else {
      e->endpoint = prepare_unix_socket(l.unix_socket);
      e->shared_socket = open_listening_socket(e->endpoint);
    }
    e->policy.name = to_string(e->endpoint);
    e->policy.allow_anonymous = config::allow_anonymous(l);
    e->policy.identity_as_username = l.tls.identity_as_username;
    e->policy.max_connections = l.max_connections;
    e->tls = load_tls(l, e->policy.name);
    entrances_.push_back(std::move(e));
  }

  ConnectionSet::Options options;
  options.max_input_bytes = size_t{c.limits.max_packet_size} + ConnectionSet::kReadChunk;
  options.pause_reading_above = c.limits.output_buffer_bytes;

  const unsigned n = config::effective_threads(c);
  workers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    auto transfer = [this](unsigned target, MovedConnection m) {
      if (target >= workers_.size()) {
        base::log_about({{}, m.socket.peer}, spdlog::level::err, "cannot move the connection to loop {}: there are {}",
                        target, workers_.size());
        return;
      }
      // std::function needs a copyable closure; the descriptor travels in a shared holder that
      // closes it if the task is dropped unrun (the target loop already stopped).
      auto moved = std::make_shared<MovedConnection>(std::move(m));
      Worker* w = workers_[target].get();
      w->loop.post([w, moved] { w->connections->adopt(std::move(moved->socket), moved->unconsumed); });
    };
    workers_.push_back(std::make_unique<Worker>(i, *state_, *router_, options, std::move(transfer)));
    Worker* w = workers_.back().get();
    for (const auto& e : entrances_) {
      auto& door = *w->doors.emplace_back(std::make_unique<Worker::Door>(*e));
      door.socket.limit_accept_rate(c.limits.max_accept_rate);
      door.socket.start(
          w->loop, [w, &door](UniqueFd fd, std::string peer) { w->accept(door, std::move(fd), std::move(peer)); },
          [w] { w->shard.count_limit(broker::Limit::AcceptRate); });
    }
  }
  std::vector<broker::Shard*> shards;
  for (auto& w : workers_) shards.push_back(&w->shard);
  broker::recover(*state_, shards);
}

const Endpoint& Server::endpoint() const { return entrances_.front()->endpoint; }

Server::~Server() {
  // Threads are joined by run(). Report every connection to its shard while all shards and loops
  // exist (a shard may post to another while closing), then tear the rest down.
  for (auto& w : workers_) w->doors.clear();
  for (auto& w : workers_) w->connections.reset();
  // The closes' last writes, then every pending commit, while the loops its callbacks post to exist.
  for (auto& w : workers_) w->shard.finish_writes();
  state_->close_store();
  workers_.clear();
}

broker::ShardRouter& Server::router() { return *router_; }

void Server::request_stop() noexcept {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
}

void Server::run(const ControlSignals* signals, std::function<void()> on_hangup) {
  if (ran_) throw std::logic_error("Server::run called twice");
  ran_ = true;
  for (size_t i = 0; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([w] {
      base::BlockPool::batch_returns();  // flushed by the connection set after each pass
      w->loop.run(*w->connections);
      base::BlockPool::flush_returns(true);
    });
    const std::string name = "pregon-loop" + std::to_string(i);
    pthread_setname_np(w->thread.native_handle(), name.substr(0, 15).c_str());
  }
  for (const auto& e : entrances_) {
    const bool ws = e->config.protocol == "websocket";
    spdlog::info("listening on {}{}{} ({} thread{})", e->policy.name,
                 ws ? (e->tls ? " (WebSocket over TLS, " + e->config.websocket_path + ")"
                              : " (WebSocket, " + e->config.websocket_path + ")")
                    : (e->tls ? " (TLS)" : ""),
                 e->config.proxy_protocol ? " (PROXY protocol)" : "", workers_.size(), workers_.size() == 1 ? "" : "s");
  }
  wait_for_stop(signals, on_hangup);
  shut_down();
}

void Server::wait_for_stop(const ControlSignals* signals, const std::function<void()>& on_hangup) {
  pollfd fds[2] = {{stop_fd_.get(), POLLIN, 0}, {signals != nullptr ? signals->fd() : -1, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("poll: {}", std::strerror(errno));
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      uint64_t count;
      [[maybe_unused]] ssize_t n = ::read(stop_fd_.get(), &count, sizeof count);
      spdlog::info("stopping");
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const int sig = signals->take();
      if (sig == SIGHUP) {
        if (on_hangup) on_hangup();
      } else if (sig != 0) {
        spdlog::info("stopping on {}", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
        return;
      }
    }
  }
}

void Server::reload_certificates() {
  for (size_t i = 0; i < entrances_.size(); ++i) {
    Entrance& e = *entrances_[i];
    if (!e.tls) continue;
    auto loaded = TlsContext::load(e.config.tls);
    if (!loaded) {
      spdlog::error("reload on SIGHUP: listener {}: {}; its previous certificates stay", e.policy.name, loaded.error());
      continue;
    }
    e.tls = std::move(*loaded);
    for (auto& w : workers_) {
      Worker* worker = w.get();
      worker->loop.post([worker, i, tls = e.tls] { worker->doors[i]->tls = tls; });
    }
    spdlog::info("reloaded on SIGHUP: TLS certificates of listener {} ({})", e.policy.name, e.config.tls.cert_file);
  }
}

base::Expected<void, std::string> Server::reconfigure(const config::Config& next) {
  std::shared_ptr<const broker::Access> access;
  try {
    access = std::make_shared<const broker::Access>(broker::Access::load(next));
  } catch (const std::exception& e) {
    return base::unexpected(std::string(e.what()));
  }
  // The read buffer must hold a whole packet of the new size before the shard sees it.
  const size_t max_input_bytes = size_t{next.limits.max_packet_size} + ConnectionSet::kReadChunk;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->loop.post([worker, access, limits = next.limits, max_input_bytes] {
      worker->shard.set_access(access);
      worker->shard.set_limits(limits);
      worker->connections->set_max_input_bytes(max_input_bytes);
      worker->connections->set_pause_reading_above(limits.output_buffer_bytes);
      for (auto& door : worker->doors) door->socket.limit_accept_rate(limits.max_accept_rate);
    });
  }
  spdlog::info("reloaded on SIGHUP: password file {}, ACL file {}",
               next.auth.password_file.empty() ? "none" : next.auth.password_file,
               next.auth.acl_file.empty() ? "none" : next.auth.acl_file);
  reload_certificates();
  return {};
}

void Server::shut_down() {
  std::mutex mutex;  // guards `drained`, counted up by the loop threads
  std::condition_variable cv;
  size_t drained = 0;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->loop.post([worker, &mutex, &cv, &drained] {
      for (auto& door : worker->doors) door->socket.stop();
      worker->connections->begin_shutdown([&mutex, &cv, &drained] {
        std::lock_guard lock(mutex);
        ++drained;
        cv.notify_all();
      });
    });
  }
  {
    std::unique_lock lock(mutex);
    // Loops keep running until all are drained: a closing shard may still post to another.
    if (!cv.wait_for(lock, kShutdownLimit, [&] { return drained == workers_.size(); })) {
      spdlog::warn("shutdown: {} of {} loops drained in time", drained, workers_.size());
    }
  }
  for (auto& w : workers_) w->loop.stop();
  for (auto& w : workers_) w->thread.join();
}

}  // namespace pregon::net
