// HttpServer: libmicrohttpd serving an HttpApi on its own thread, off the event loops. A request
// that needs the shards waits there (bounded by BrokerQuery's timeout), never on a loop.
//
// Ownership: owns the daemon; the HttpApi must outlive it. Thread-safety: construct and destroy on
// one thread; the destructor waits for the request in progress.
#pragma once

#include <cstdint>
#include <string>

#include "observability/http_api.hpp"

struct MHD_Daemon;

namespace pregon::observability {

class HttpServer {
 public:
  // Binds `bind`:`port` (0: the kernel picks) and starts serving. Throws std::runtime_error
  // "cannot listen on <address>: <reason>" (HTTP) when the address does not resolve or is busy.
  HttpServer(const std::string& bind, uint16_t port, HttpApi& api);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  HttpApi& api_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace pregon::observability
