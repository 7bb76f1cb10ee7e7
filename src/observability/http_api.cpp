#include "observability/http_api.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "observability/http_auth.hpp"
#include "observability/prometheus_text.hpp"
#include "observability/stats_json.hpp"
#include "routing/topic.hpp"

namespace pregon::observability {

namespace {

using nlohmann::json;

constexpr std::string_view kClientsPrefix = "/api/v1/clients/";

HttpResponse json_response(unsigned status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
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

}  // namespace

HttpResponse HttpApi::handle(const HttpRequest& request) {
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
  if (path == "/metrics") return get ? metrics() : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/stats") return get ? stats() : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/clients") return get ? clients({}) : method_not_allowed("GET, HEAD");
  if (path.starts_with(kClientsPrefix) && path.size() > kClientsPrefix.size()) {
    const std::string_view id = path.substr(kClientsPrefix.size());
    if (get) return clients(id);
    if (method == "DELETE") return disconnect(id);
    return method_not_allowed("GET, HEAD, DELETE");
  }
  if (path == "/api/v1/subscriptions") return get ? subscriptions(request) : method_not_allowed("GET, HEAD");
  if (path == "/api/v1/retained") return get ? retained(request) : method_not_allowed("GET, HEAD");
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

HttpResponse HttpApi::clients(std::string_view only_id) {
  const auto list = broker_.clients(only_id);
  if (!list) return not_answered();
  if (!only_id.empty()) {
    if (list->empty()) return error(404, "no such client connected");
    return json_response(200, client_json(list->front()));
  }
  json out = json::array();
  for (const auto& c : *list) out.push_back(client_json(c));
  return json_response(200, {{"clients", std::move(out)}});
}

HttpResponse HttpApi::disconnect(std::string_view client_id) {
  const auto found = broker_.disconnect(client_id);
  if (!found) return not_answered();
  if (!*found) return error(404, "no such client connected");
  return json_response(200, {{"disconnected", client_id}});
}

HttpResponse HttpApi::subscriptions(const HttpRequest& request) {
  const auto limit = limit_of(request);
  if (!limit) return error(400, "limit must be an integer from 1 to 1000000");
  const auto list = broker_.subscriptions(*limit);
  if (!list) return not_answered();
  json out = json::array();
  for (const auto& s : *list) {
    out.push_back({{"client_id", s.client_id}, {"filter", s.filter}, {"qos", s.qos}, {"online", s.online}});
  }
  return json_response(200, {{"subscriptions", std::move(out)}});
}

HttpResponse HttpApi::retained(const HttpRequest& request) {
  const auto limit = limit_of(request);
  if (!limit) return error(400, "limit must be an integer from 1 to 1000000");
  auto after = request.query.find("after");
  const auto list = broker_.retained(after == request.query.end() ? std::string_view{} : after->second, *limit);
  json out = json::array();
  for (const auto& m : list) out.push_back({{"topic", m.topic}, {"payload_bytes", m.payload_bytes}, {"qos", m.qos}});
  json body = {{"retained", std::move(out)}};
  // The next page starts after the last topic of a full one.
  if (list.size() == *limit) body["next_after"] = list.back().topic;
  return json_response(200, body);
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
