#include "observability/http_api.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "base/expected.hpp"
#include "observability/embedded_files.hpp"
#include "observability/http_auth.hpp"
#include "observability/prometheus_text.hpp"
#include "observability/stats_json.hpp"
#include "routing/topic.hpp"

namespace pregon::observability {

namespace {

using nlohmann::json;

constexpr std::string_view kClientsPrefix = "/api/v1/clients/";
constexpr std::string_view kRetainedPrefix = "/api/v1/retained/";
constexpr std::string_view kDashboardPrefix = "/ui/";

HttpResponse json_response(unsigned status, const json& body) {
  HttpResponse r;
  r.status = status;
  // Payloads are any bytes: what is not UTF-8 is shown as U+FFFD rather than refused.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

HttpResponse error(unsigned status, std::string_view what) { return json_response(status, {{"error", what}}); }

HttpResponse not_answered() { return error(503, "the broker did not answer in time"); }

HttpResponse method_not_allowed(std::string_view allow) {
  HttpResponse r = error(405, "method not allowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

json client_json(const broker::ClientInfo& c) {
  return {{"client_id", c.client_id},
          {"username", c.username.empty() ? json(nullptr) : json(c.username)},
          {"peer", c.peer},
          {"protocol_version", c.protocol_level == 5 ? "5.0" : c.protocol_level == 4 ? "3.1.1" : "3.1"},
          {"keep_alive", c.keep_alive},
          {"connected_since_ms", c.connected_since_ms},
          {"session_expiry_interval", c.session_expiry_interval},
          {"subscriptions", c.subscriptions},
          {"queued_messages", c.queued_messages},
          {"inflight_messages", c.inflight_messages}};
}

// "next_after", the `after` of the next page, when there is one.
void add_next(json& body, bool more, std::string_view last) {
  if (more) body["next_after"] = last;
}

// ?limit=N: 1..1,000,000, default kDefaultLimit. Nothing when malformed.
std::optional<size_t> limit_of(const HttpRequest& request) {
  auto it = request.query.find("limit");
  if (it == request.query.end()) return HttpApi::kDefaultLimit;
  size_t n = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0 || n > 1'000'000) return std::nullopt;
  return n;
}

std::string_view query_value(const HttpRequest& request, std::string_view name) {
  const auto it = request.query.find(name);
  return it == request.query.end() ? std::string_view{} : std::string_view(it->second);
}

// The client or session filter of ?limit, after, client_id (a part of it), username, connected; or
// the 400 answer.
base::Expected<broker::ListFilter, HttpResponse> list_filter_of(const HttpRequest& request) {
  const auto limit = limit_of(request);
  if (!limit) return base::unexpected(error(400, "limit must be an integer from 1 to 1000000"));
  broker::ListFilter filter;
  filter.limit = *limit;
  filter.after = query_value(request, "after");
  filter.id_contains = query_value(request, "client_id");
  filter.username = query_value(request, "username");
  if (const auto connected = request.query.find("connected"); connected != request.query.end()) {
    if (connected->second != "true" && connected->second != "false") {
      return base::unexpected(error(400, "connected must be true or false"));
    }
    filter.connected = connected->second == "true";
  }
  return filter;
}

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

// An embedded file, or 404.
HttpResponse embedded(std::string_view name) {
  const auto bytes = embedded_file(name);
  if (!bytes) return error(404, "no such resource");
  HttpResponse r;
  r.content_type = content_type_of(name);
  r.body = *bytes;
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (name.ends_with(".html")) {
    // The page runs only its own files and may not be framed (its buttons disconnect clients).
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
    r.headers.emplace_back("X-Frame-Options", "DENY");
  }
  return r;
}

}  // namespace

HttpResponse HttpApi::handle(const HttpRequest& request) {
  if (from_another_site(http_, request.origin, request.host)) {
    return error(403, "requests from pages of other sites are refused");
  }
  switch (check_http_access(http_, request.authorization, request.peer_is_loopback)) {
    case HttpAccess::Granted: break;
    case HttpAccess::Unauthorized: {
      HttpResponse r = error(401, "credentials required");
      r.headers.emplace_back("WWW-Authenticate", www_authenticate(http_));
      return r;
    }
    case HttpAccess::Forbidden:
      return error(403, "no credentials are configured: the API answers loopback addresses only");
  }
  const std::string_view path = request.path;
  const std::string_view method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (path == "/") return get ? embedded("dashboard/index.html") : method_not_allowed("GET, HEAD");
  if (path.starts_with(kDashboardPrefix)) {
    if (!get) return method_not_allowed("GET, HEAD");
    return embedded(std::string("dashboard/").append(path.substr(kDashboardPrefix.size())));
  }
  if (path == "/api/openapi.json") return get ? embedded("openapi.json") : method_not_allowed("GET, HEAD");
  if (path == "/metrics") return get ? metrics() : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/stats") return get ? stats() : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/clients") return get ? clients(request) : method_not_allowed("GET, HEAD");
  if (path.starts_with(kClientsPrefix) && path.size() > kClientsPrefix.size()) {
    const std::string_view id = path.substr(kClientsPrefix.size());
    if (get) return client(id);
    if (method == "DELETE") return disconnect(id);
    return method_not_allowed("GET, HEAD, DELETE");
  }
  if (path == "/api/v1/sessions") return get ? sessions(request) : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/subscriptions") return get ? subscriptions(request) : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/retained") return get ? retained(request) : method_not_allowed("GET, HEAD");
  if (path.starts_with(kRetainedPrefix) && path.size() > kRetainedPrefix.size()) {
    if (method == "DELETE") return clear_retained(path.substr(kRetainedPrefix.size()));
    return method_not_allowed("DELETE");
  }
  if (path == "/api/v1/publish") return method == "POST" ? publish(request) : method_not_allowed("POST");
  return error(404, "no such resource");
}

HttpResponse HttpApi::metrics() {
  const auto snapshot = broker_.snapshot();
  if (!snapshot) return not_answered();
  HttpResponse r;
  r.content_type = kPrometheusContentType;
  r.body = prometheus_text(*snapshot);
  return r;
}

HttpResponse HttpApi::stats() {
  const auto snapshot = broker_.snapshot();
  if (!snapshot) return not_answered();
  return json_response(200, stats_json(*snapshot));
}

HttpResponse HttpApi::clients(const HttpRequest& request) {
  const auto filter = list_filter_of(request);
  if (!filter) return filter.error();
  const auto page = broker_.clients(*filter);
  if (!page) return not_answered();
  json out = json::array();
  for (const auto& c : page->items) out.push_back(client_json(c));
  json body = {{"clients", std::move(out)}, {"total", page->matched}};
  if (!page->items.empty()) add_next(body, page->more, page->items.back().client_id);
  return json_response(200, body);
}

HttpResponse HttpApi::client(std::string_view client_id) {
  broker::ListFilter filter;
  filter.client_id = client_id;
  const auto page = broker_.clients(filter);
  if (!page) return not_answered();
  if (page->items.empty()) return error(404, "no such client connected");
  return json_response(200, client_json(page->items.front()));
}

HttpResponse HttpApi::disconnect(std::string_view client_id) {
  const auto found = broker_.disconnect(client_id);
  if (!found) return not_answered();
  if (!*found) return error(404, "no such client connected");
  return json_response(200, {{"disconnected", client_id}});
}

HttpResponse HttpApi::sessions(const HttpRequest& request) {
  const auto filter = list_filter_of(request);
  if (!filter) return filter.error();
  const auto page = broker_.sessions(*filter);
  if (!page) return not_answered();
  json out = json::array();
  for (const auto& s : page->items) {
    out.push_back({{"client_id", s.client_id},
                   {"username", s.username.empty() ? json(nullptr) : json(s.username)},
                   {"connected", s.connected},
                   {"session_expiry_interval", s.expiry_interval},
                   {"expires_at_ms", s.expires_at_ms ? json(*s.expires_at_ms) : json(nullptr)},
                   {"subscriptions", s.subscriptions},
                   {"queued_messages", s.queued_messages},
                   {"spilled_messages", s.spilled_messages},
                   {"inflight_messages", s.inflight_messages}});
  }
  json body = {{"sessions", std::move(out)}, {"total", page->matched}};
  if (!page->items.empty()) add_next(body, page->more, page->items.back().client_id);
  return json_response(200, body);
}

HttpResponse HttpApi::subscriptions(const HttpRequest& request) {
  const auto limit = limit_of(request);
  if (!limit) return error(400, "limit must be an integer from 1 to 1000000");
  const auto topic = request.query.find("topic");
  if (topic != request.query.end() && !routing::valid_topic_name(topic->second)) {
    return error(400, "topic is not a valid topic name");
  }
  const auto list =
      topic != request.query.end() ? broker_.subscribers(topic->second) : broker_.subscriptions(*limit);
  if (!list) return not_answered();
  json out = json::array();
  for (const auto& s : *list) {
    if (out.size() >= *limit) break;
    out.push_back({{"client_id", s.client_id}, {"filter", s.filter}, {"qos", s.qos}, {"online", s.online}});
  }
  json body = {{"subscriptions", std::move(out)}};
  if (topic != request.query.end()) body["topic"] = topic->second;
  return json_response(200, body);
}

HttpResponse HttpApi::retained(const HttpRequest& request) {
  const auto limit = limit_of(request);
  if (!limit) return error(400, "limit must be an integer from 1 to 1000000");
  const std::string_view filter = query_value(request, "filter");
  if (!filter.empty() && (!routing::valid_topic_filter(filter) || routing::is_shared_filter(filter))) {
    return error(400, "filter is not a valid topic filter");
  }
  const auto list = broker_.retained(filter, query_value(request, "after"), *limit);
  json out = json::array();
  for (const auto& m : list) {
    out.push_back({{"topic", m.topic},
                   {"payload_bytes", m.payload_bytes},
                   {"qos", m.qos},
                   {"payload", m.payload_start}});
  }
  json body = {{"retained", std::move(out)}};
  // The next page starts after the last topic of a full one.
  if (list.size() == *limit) body["next_after"] = list.back().topic;
  return json_response(200, body);
}

HttpResponse HttpApi::clear_retained(std::string_view topic) {
  if (!routing::valid_topic_name(topic)) return error(400, "not a valid topic name");
  if (topic.starts_with("$")) return error(400, "topics starting with $ belong to the broker");
  const auto cleared = broker_.clear_retained(topic);
  if (!cleared) return not_answered();
  if (!*cleared) return error(404, "no retained message on that topic");
  return json_response(200, {{"cleared", topic}});
}

HttpResponse HttpApi::publish(const HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return error(400, "the body must be a JSON object");
  const auto topic = body.find("topic");
  if (topic == body.end() || !topic->is_string()) return error(400, "topic must be a string");
  const std::string& name = topic->get_ref<const std::string&>();
  if (!routing::valid_topic_name(name)) return error(400, "topic is not a valid topic name");
  if (name.starts_with("$")) return error(400, "topics starting with $ belong to the broker");
  std::string payload;
  if (auto p = body.find("payload"); p != body.end()) {
    if (!p->is_string()) return error(400, "payload must be a string");
    payload = p->get<std::string>();
  }
  int qos = 0;
  if (auto q = body.find("qos"); q != body.end()) {
    if (!q->is_number_integer() || q->get<int>() < 0 || q->get<int>() > 2) return error(400, "qos must be 0, 1 or 2");
    qos = q->get<int>();
  }
  bool retain = false;
  if (auto r = body.find("retain"); r != body.end()) {
    if (!r->is_boolean()) return error(400, "retain must be true or false");
    retain = r->get<bool>();
  }
  const auto outcome = broker_.publish(
      name, {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}, static_cast<protocol::QoS>(qos), retain);
  if (!outcome) return not_answered();
  if (*outcome == PublishOutcome::RetainedBudgetFull) return error(507, "the retained-message budget is full");
  return json_response(200, {{"published", name}});
}

}  // namespace pregon::observability
