#include "net/websocket_handshake.hpp"

#include <openssl/evp.h>

#include <optional>

#include "auth/base64.hpp"

namespace pregon::net {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` with each trimmed, non-empty element of a comma-separated header value; stops when f
// returns true and returns whether any did.
template <class F>
bool any_token(std::string_view list, F f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view token = trim(list.substr(0, comma));
    if (!token.empty() && f(token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HandshakeAnswer refuse(size_t consumed, std::string_view status, std::string reason,
                       std::string_view extra_header = {}) {
  HandshakeAnswer a;
  a.status = HandshakeAnswer::Status::kRefused;
  a.consumed = consumed;
  a.reason = std::move(reason);
  a.response = "HTTP/1.1 ";
  a.response += status;
  a.response += "\r\nConnection: close\r\n";
  a.response += extra_header;
  a.response += "Content-Type: text/plain\r\nContent-Length: ";
  a.response += std::to_string(a.reason.size() + 1);
  a.response += "\r\n\r\n";
  a.response += a.reason;
  a.response += '\n';
  return a;
}

// The headers the handshake looks at; a list-valued one may come on several lines.
struct Headers {
  bool host = false;
  bool upgrade_websocket = false;
  bool connection_upgrade = false;
  std::optional<std::string_view> version;
  std::optional<std::string_view> key;
  bool key_repeated = false;
  bool offers_protocols = false;
  bool offers_mqtt = false;
  bool offers_mqtt31 = false;
};

}  // namespace

std::string websocket_accept_key(std::string_view key) {
  std::string input(key);
  input += kGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr);
  return auth::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

HandshakeAnswer answer_websocket_handshake(std::string_view received, std::string_view path) {
  const size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (received.size() >= kMaxRequestBytes) {
      return refuse(received.size(), "431 Request Header Fields Too Large", "request header section too large");
    }
    return {};
  }
  const size_t consumed = end + 4;
  if (consumed > kMaxRequestBytes) {
    return refuse(consumed, "431 Request Header Fields Too Large", "request header section too large");
  }
  std::string_view head = received.substr(0, end + 2);  // every line ends in CRLF

  // Request line: GET <target> HTTP/1.1
  size_t eol = head.find("\r\n");
  const std::string_view request_line = head.substr(0, eol);
  head.remove_prefix(eol + 2);
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return refuse(consumed, "400 Bad Request", "malformed request line");
  }
  const std::string_view method = request_line.substr(0, sp1);
  const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = request_line.substr(sp2 + 1);
  if (version != "HTTP/1.1") return refuse(consumed, "400 Bad Request", "not HTTP/1.1");
  if (target.substr(0, target.find('?')) != path) {
    return refuse(consumed, "404 Not Found", "no WebSocket endpoint at this path");
  }

  Headers h;
  while (!head.empty()) {
    eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const size_t colon = line.find(':');
    // No name, or a folded continuation line (obsolete in RFC 9112 and refused there too).
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
      return refuse(consumed, "400 Bad Request", "malformed header line");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Host")) {
      h.host = true;
    } else if (iequals(name, "Upgrade")) {
      h.upgrade_websocket |= any_token(value, [](std::string_view t) { return iequals(t, "websocket"); });
    } else if (iequals(name, "Connection")) {
      h.connection_upgrade |= any_token(value, [](std::string_view t) { return iequals(t, "upgrade"); });
    } else if (iequals(name, "Sec-WebSocket-Version")) {
      h.version = value;
    } else if (iequals(name, "Sec-WebSocket-Key")) {
      h.key_repeated = h.key.has_value();
      h.key = value;
    } else if (iequals(name, "Sec-WebSocket-Protocol")) {
      // Subprotocol names are case-sensitive tokens (RFC 6455 section 11.5).
      any_token(value, [&h](std::string_view t) {
        h.offers_protocols = true;
        h.offers_mqtt |= t == "mqtt";
        h.offers_mqtt31 |= t == "mqttv3.1";
        return false;
      });
    }
  }

  if (method != "GET" || !h.upgrade_websocket || !h.connection_upgrade) {
    return refuse(consumed, "400 Bad Request", "not a WebSocket upgrade request");
  }
  if (!h.host) return refuse(consumed, "400 Bad Request", "no Host header");
  if (!h.version || *h.version != "13") {
    return refuse(consumed, "426 Upgrade Required", "WebSocket version 13 required", "Sec-WebSocket-Version: 13\r\n");
  }
  if (!h.key || h.key_repeated) return refuse(consumed, "400 Bad Request", "one Sec-WebSocket-Key required");
  const std::optional<std::string> nonce = auth::base64_decode(*h.key);
  if (!nonce || nonce->size() != 16) {
    return refuse(consumed, "400 Bad Request", "Sec-WebSocket-Key is not 16 bytes in base64");
  }
  std::string_view protocol;
  if (h.offers_mqtt) {
    protocol = "mqtt";
  } else if (h.offers_mqtt31) {
    protocol = "mqttv3.1";
  } else if (h.offers_protocols) {
    return refuse(consumed, "400 Bad Request", "the WebSocket subprotocol \"mqtt\" was not offered");
  }

  HandshakeAnswer a;
  a.status = HandshakeAnswer::Status::kAccepted;
  a.consumed = consumed;
  a.response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  a.response += websocket_accept_key(*h.key);
  a.response += "\r\n";
  if (!protocol.empty()) {
    a.response += "Sec-WebSocket-Protocol: ";
    a.response += protocol;
    a.response += "\r\n";
  }
  a.response += "\r\n";
  return a;
}

}  // namespace pregon::net
