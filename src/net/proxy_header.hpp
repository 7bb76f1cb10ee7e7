// The PROXY protocol header (versions 1 and 2, as HAProxy defines them) that a load balancer sends
// before the client's bytes on a listener with `proxy_protocol = true`: it names the client the
// balancer accepted, which is the address pregon should log, count and show, not the balancer's.
//
// Pure parsing, no I/O: feed it the first bytes of a connection, as many as have arrived.
// Thread-safety: a plain function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace pregon::net {

// The header is complete: `length` bytes of the input are the header, the rest is the client's.
// `source` is the client's address as "ip:port" ("[ip]:port" for IPv6); empty when the header
// carries none (v1 UNKNOWN, v2 LOCAL such as a balancer's health check, or a non-IP family), so the
// socket's own peer address stands.
struct ProxyHeader {
  size_t length = 0;
  std::string source;
};
// More bytes are needed before the header can be judged.
struct ProxyNeedMore {};
// Not a valid header: the connection is closed without a word.
struct ProxyInvalid {
  const char* reason;
};

using ProxyParse = std::variant<ProxyHeader, ProxyNeedMore, ProxyInvalid>;

// Longest header accepted: a v1 line is at most 107 bytes; a v2 header may carry TLVs (TLS details,
// unique ids) after its addresses, and is refused beyond this many bytes.
inline constexpr size_t kMaxProxyHeader = 4096;

ProxyParse parse_proxy_header(std::span<const uint8_t> input);

}  // namespace pregon::net
