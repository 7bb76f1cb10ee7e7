#include "net/listener.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "net/socket_options.hpp"

namespace pregon::net {

namespace {

[[noreturn]] void fail_listen(const Endpoint& e, const char* what, int error) {
  throw std::runtime_error("cannot listen on " + to_string(e) + ": " + what + ": " + std::strerror(error));
}

// A Unix socket peer has no address; its process id tells one client from another in the logs.
std::string unix_peer(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "unix";
  return "unix:pid=" + std::to_string(cred.pid);
}

}  // namespace

Endpoint choose_listen_endpoint(const std::string& host, uint16_t port) {
  const std::vector<Endpoint> candidates = resolve_bind_address(host, port);
  std::string reasons;
  for (Endpoint e : candidates) {
    // The probe binds without SO_REUSEPORT: that fails if any socket is bound to the port, including
    // another broker's SO_REUSEPORT listeners, which our own listeners would otherwise join quietly.
    UniqueFd probe(::socket(e.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    if (probe) setsockopt(probe.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!probe || ::bind(probe.get(), reinterpret_cast<const sockaddr*>(&e.addr), e.len) != 0) {
      if (!reasons.empty()) reasons += "; ";
      reasons += to_string(e) + ": " + std::strerror(errno);
      continue;
    }
    if (e.port() == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      if (getsockname(probe.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
        Endpoint actual;
        actual.addr = bound;
        actual.len = len;
        e.set_port(actual.port());
      }
    }
    return e;  // the probe closes here; nothing listened on it, so the port is free again at once
  }
  throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + reasons);
}

Endpoint prepare_unix_socket(const std::string& path) {
  const Endpoint e = unix_endpoint(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return e;
    fail_listen(e, "stat", errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw std::runtime_error("cannot listen on " + to_string(e) + ": the path exists and is not a socket");
  }
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe) fail_listen(e, "socket", errno);
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&e.addr), e.len) == 0) {
    throw std::runtime_error("cannot listen on " + to_string(e) + ": another process accepts on it");
  }
  if (errno != ECONNREFUSED) fail_listen(e, "connect", errno);
  spdlog::info("removing the stale socket file {}", path);
  if (::unlink(path.c_str()) != 0) fail_listen(e, "unlink", errno);
  return e;
}

UniqueFd open_listening_socket(const Endpoint& endpoint) {
  UniqueFd fd(::socket(endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) fail_listen(endpoint, "socket", errno);
  if (endpoint.family() != AF_UNIX) {
    if (int e = apply_listener_options(fd.get())) fail_listen(endpoint, "setsockopt", e);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.len) != 0) {
    fail_listen(endpoint, "bind", errno);
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) fail_listen(endpoint, "listen", errno);
  return fd;
}

Listener::Listener(UniqueFd listening, const Endpoint& endpoint, bool shared)
    : fd_(std::move(listening)), endpoint_(endpoint), shared_(shared), reserve_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {
  if (endpoint.family() == AF_UNIX) return;  // getsockname would not add anything
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    endpoint_.addr = bound;
    endpoint_.len = len;
  }
}

Listener::~Listener() { stop(); }

void Listener::start(EventLoop& loop, AcceptFn on_accept, RefusedFn on_over_rate) {
  on_accept_ = std::move(on_accept);
  on_over_rate_ = std::move(on_over_rate);
  if (auto r = loop.add(fd_.get(), shared_ ? EPOLLIN | EPOLLEXCLUSIVE : EPOLLIN, this); !r) {
    throw std::runtime_error("cannot listen on " + to_string(endpoint_) + ": " + r.error().message());
  }
  loop_ = &loop;
}

void Listener::stop() {
  if (loop_ != nullptr && fd_) loop_->remove(fd_.get());
  loop_ = nullptr;
  fd_.reset();
}

void Listener::on_io(uint32_t) {
  while (fd_) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd fd(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      switch (errno) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
          return;
        case EINTR:
        case ECONNABORTED:  // the peer gave up while queued
        case EPROTO:
        case EPERM:         // refused by a firewall rule
          continue;
        case EMFILE:
        case ENFILE:
          shed_one();
          return;
        default:  // ENOBUFS, ENOMEM: try again in the next iteration
          spdlog::error("accept on {}: {}", to_string(endpoint_), std::strerror(errno));
          return;
      }
    }
    if (!within_accept_rate()) continue;  // `fd` closes here
    if (endpoint_.family() == AF_UNIX) {
      std::string who = unix_peer(fd.get());
      on_accept_(std::move(fd), std::move(who));
      continue;
    }
    if (int e = apply_socket_options(fd.get())) {
      spdlog::debug("setsockopt on an accepted socket: {}", std::strerror(e));
    }
    on_accept_(std::move(fd), to_string(reinterpret_cast<const sockaddr*>(&peer), len));
  }
}

bool Listener::within_accept_rate() {
  if (accept_rate_ == 0) return true;
  const TimePoint now = loop_ != nullptr ? loop_->now() : Clock::now();
  if (accept_refilled_ != TimePoint{}) {
    const double seconds = std::chrono::duration<double>(now - accept_refilled_).count();
    accept_tokens_ = std::min<double>(accept_rate_, accept_tokens_ + seconds * accept_rate_);
  }
  accept_refilled_ = now;
  if (accept_tokens_ >= 1) {
    accept_tokens_ -= 1;
    return true;
  }
  ++refused_by_rate_;
  if (on_over_rate_) on_over_rate_();
  if (now - last_rate_warning_ >= std::chrono::seconds(10)) {
    last_rate_warning_ = now;
    spdlog::warn("accept rate above limits.max_accept_rate on {}: {} connections closed so far",
                 to_string(endpoint_), refused_by_rate_);
  }
  return false;
}

void Listener::shed_one() {
  const TimePoint now = loop_ != nullptr ? loop_->now() : Clock::now();
  if (now - last_full_warning_ >= std::chrono::seconds(10)) {
    last_full_warning_ = now;
    spdlog::warn("descriptor limit reached: refusing new connections on {}", to_string(endpoint_));
  }
  if (!reserve_) return;
  reserve_.reset();
  UniqueFd dropped(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  dropped.reset();
  reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

}  // namespace pregon::net
