#include "observability/http_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace pregon::observability {

namespace {

// What one connection's request gathers across libmicrohttpd's calls: the body arrives in pieces.
struct PendingRequest {
  std::string body;
  bool too_large = false;
};

bool is_loopback(const sockaddr* addr) {
  if (addr == nullptr) return false;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

MHD_Result collect_query(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto& query = *static_cast<std::map<std::string, std::string, std::less<>>*>(cls);
  query.emplace(key, value != nullptr ? value : "");
  return MHD_YES;
}

MHD_Result send(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(response, "Cache-Control", "no-store");
  for (const auto& [name, value] : r.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  const MHD_Result result = MHD_queue_response(connection, r.status, response);
  MHD_destroy_response(response);
  return result;
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                      const char* upload_data, size_t* upload_data_size, void** state) {
  auto& api = *static_cast<HttpApi*>(cls);
  if (*state == nullptr) {  // headers only: the body, if any, follows in later calls
    *state = new PendingRequest;
    return MHD_YES;
  }
  auto& pending = *static_cast<PendingRequest*>(*state);
  if (*upload_data_size != 0) {
    if (pending.body.size() + *upload_data_size > HttpApi::kMaxBodyBytes) {
      pending.too_large = true;
    } else {
      pending.body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (pending.too_large) {
    return send(connection, {413, "application/json", "{\"error\":\"request body too large\"}\n", {}});
  }
  HttpRequest request;
  request.method = method;
  request.path = url;
  request.body = std::move(pending.body);
  MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query, &request.query);
  if (const char* authorization = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization")) {
    request.authorization = authorization;
  }
  if (const char* origin = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Origin")) request.origin = origin;
  if (const char* host = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Host")) request.host = host;
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  request.peer_is_loopback = info != nullptr && is_loopback(info->client_addr);
  return send(connection, api.handle(request));
}

void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
  delete static_cast<PendingRequest*>(*state);
  *state = nullptr;
}

}  // namespace

HttpServer::HttpServer(const std::string& bind, uint16_t port, HttpApi& api) : api_(api) {
  const std::string where = fmt::format("{}:{}", bind, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(bind.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error(fmt::format("cannot listen on {} (HTTP): {}", where, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  daemon_ = MHD_start_daemon(flags, port, nullptr, nullptr, &on_request, &api_,
                             MHD_OPTION_SOCK_ADDR, found->ai_addr,
                             MHD_OPTION_NOTIFY_COMPLETED, &on_completed, nullptr,
                             MHD_OPTION_CONNECTION_LIMIT, 64u,
                             MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                             MHD_OPTION_END);
  if (daemon_ == nullptr) {
    throw std::runtime_error(fmt::format("cannot listen on {} (HTTP): {}", where, std::strerror(errno)));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : port;
}

HttpServer::~HttpServer() { MHD_stop_daemon(daemon_); }

}  // namespace pregon::observability
