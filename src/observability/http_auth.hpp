// Who may use the HTTP server. With credentials configured (http.username/password for HTTP Basic,
// http.token for "Bearer"), every request must carry one of them; without, only requests from a
// loopback address are answered, so that a default install does not expose client lists and
// disconnects to the network.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "config/config.hpp"

namespace pregon::observability {

enum class HttpAccess {
  Granted,
  Unauthorized,  // 401: credentials are configured and this request's are missing or wrong
  Forbidden,     // 403: no credentials are configured and the peer is not on loopback
};

// `authorization`: the request's Authorization header, empty when absent.
HttpAccess check_http_access(const config::Http& http, std::string_view authorization, bool peer_is_loopback);

// Whether a request comes from a page of another site, which must not use the browser's credentials
// for pregon (or its loopback address) to publish or disconnect: its Origin header (sent by
// browsers with every request a script makes across sites, and with same-site ones that change
// something) names another host than its Host header. And, with no credentials configured, whether
// its Host is not a loopback name: a browser led to a loopback address by DNS rebinding still names
// the attacker's host. Both headers are empty when absent; non-browser clients send no Origin.
bool from_another_site(const config::Http& http, std::string_view origin, std::string_view host);

// The WWW-Authenticate value of a 401: the schemes that would be accepted.
std::string_view www_authenticate(const config::Http& http);

}  // namespace pregon::observability
