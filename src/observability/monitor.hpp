// Monitor: the observability of a running broker — the $SYS publisher (when sys_interval > 0) and
// the HTTP server (when http.enabled), both on threads of their own over one BrokerQuery. The app
// starts it after net::Server is built and before Server::run, and destroys it before the Server.
//
// Ownership: refers to the router and state, which must outlive it. Thread-safety: construct and
// destroy on one thread.
#pragma once

#include <memory>
#include <string>

#include "broker/broker_state.hpp"
#include "broker/shard_router.hpp"
#include "config/config.hpp"

namespace pregon::observability {

class BrokerQuery;
class HttpApi;
class HttpServer;
class SysPublisher;

class Monitor {
 public:
  // Throws std::runtime_error when the HTTP server cannot listen.
  Monitor(const config::Config& config, broker::ShardRouter& router, broker::BrokerState& state, std::string version);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

 private:
  std::unique_ptr<BrokerQuery> query_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<SysPublisher> sys_;
};

}  // namespace pregon::observability
