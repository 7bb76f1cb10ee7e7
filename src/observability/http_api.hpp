// HttpApi: the monitoring endpoints, as a function from a request to a response. No sockets here
// (http_server.cpp carries the bytes), so routing, status codes and access rules are unit-tested.
//
//   GET    /metrics                 Prometheus text
//   GET    /api/v1/stats            the same counters as JSON
//   GET    /api/v1/clients          connected clients
//   GET    /api/v1/clients/{id}     one client (404 when not connected)
//   DELETE /api/v1/clients/{id}     disconnects it (5.0: DISCONNECT 0x98 Administrative action)
//   GET    /api/v1/subscriptions    ?limit=N (default 1000)
//   GET    /api/v1/retained         ?limit=N (default 1000) &after=<topic>: pages in topic order
//   POST   /api/v1/publish          {"topic", "payload", "qos", "retain"}
//
// Errors are JSON {"error": "..."}: 400 bad input, 401 (with WWW-Authenticate) or 403 (http_auth.hpp),
// 404 unknown path, 405 (with Allow) wrong method, 503 the event loops did not answer in time.
//
// Thread-safety: handle() may run on several threads at once if the BrokerView allows it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "observability/broker_view.hpp"

namespace pregon::observability {

struct HttpRequest {
  std::string method;
  std::string path;  // percent-decoded, without the query
  std::map<std::string, std::string, std::less<>> query;
  std::string authorization;  // the Authorization header, empty when absent
  bool peer_is_loopback = false;
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpApi {
 public:
  static constexpr size_t kDefaultLimit = 1000;
  static constexpr size_t kMaxBodyBytes = 1 << 20;

  HttpApi(config::Http http, BrokerView& broker) : http_(std::move(http)), broker_(broker) {}

  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse metrics();
  HttpResponse stats();
  HttpResponse clients(std::string_view only_id);
  HttpResponse disconnect(std::string_view client_id);
  HttpResponse subscriptions(const HttpRequest& request);
  HttpResponse retained(const HttpRequest& request);
  HttpResponse publish(const HttpRequest& request);

  config::Http http_;
  BrokerView& broker_;
};

}  // namespace pregon::observability
