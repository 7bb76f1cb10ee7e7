// HttpApi: the monitoring endpoints and the dashboard, as a function from a request to a response.
// No sockets here (http_server.cpp carries the bytes), so routing, status codes and access rules
// are unit-tested. openapi.json beside this file describes every endpoint.
//
//   GET    /                          the dashboard (its files under /ui/, embedded_files.hpp)
//   GET    /api/openapi.json          the OpenAPI 3 description of all of this
//   GET    /metrics                   Prometheus text
//   GET    /api/v1/stats              the same counters as JSON
//   GET    /api/v1/clients            connected clients: ?limit=N&after=<id>&client_id=<part>&username=<name>
//   GET    /api/v1/clients/{id}       one client (404 when not connected)
//   DELETE /api/v1/clients/{id}       disconnects it (5.0: DISCONNECT 0x98 Administrative action)
//   GET    /api/v1/sessions           sessions, connected or not: the same query, and &connected=true|false
//   GET    /api/v1/subscriptions      ?limit=N; or ?topic=<name>: the subscriptions that topic reaches
//   GET    /api/v1/retained           ?limit=N&after=<topic>&filter=<filter>: pages in topic order
//   DELETE /api/v1/retained/{topic}   clears it (404 when there was none)
//   POST   /api/v1/publish            {"topic", "payload", "qos", "retain"}
//
// Lists are pages in client-id (retained: topic) order; "next_after" names where the next one starts
// when there is one.
//
// Errors are JSON {"error": "..."}: 400 bad input, 401 (with WWW-Authenticate) or 403 (http_auth.hpp:
// no credentials and not loopback, or a request from a page of another site),
// 404 unknown path, 405 (with Allow) wrong method, 503 the event loops did not answer in time. The
// dashboard is served under the same access rules as the API.
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
  std::string origin;         // the Origin header, empty when absent
  std::string host;           // the Host header, empty when absent
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
  HttpResponse clients(const HttpRequest& request);
  HttpResponse client(std::string_view client_id);
  HttpResponse disconnect(std::string_view client_id);
  HttpResponse sessions(const HttpRequest& request);
  HttpResponse subscriptions(const HttpRequest& request);
  HttpResponse retained(const HttpRequest& request);
  HttpResponse clear_retained(std::string_view topic);
  HttpResponse publish(const HttpRequest& request);

  config::Http http_;
  BrokerView& broker_;
};

}  // namespace pregon::observability
