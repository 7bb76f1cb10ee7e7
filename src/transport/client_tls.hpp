// ClientTls: the client side of TLS made ready for OpenSSL from TransportOptions: the CAs that
// verify the server (or no verification with --insecure), the client certificate, the protocol
// versions. Loaded once at start-up; every connection's session is made from it.
//
// Ownership: owns the SSL_CTX; sessions from new_session() are the caller's (SSL_free).
// Thread-safety: immutable once loaded; new_session() may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "base/expected.hpp"
#include "transport/transport_options.hpp"

namespace pregon::transport {

class ClientTls {
 public:
  // Reads the files named in `options`; the error says which file is wrong and why.
  static base::Expected<std::shared_ptr<const ClientTls>, std::string> load(const TransportOptions& options);

  // A session for one connection to `host` (a name or an IP address): sent as SNI when it is a
  // name, and checked against the certificate unless --insecure. nullptr when out of memory.
  SSL* new_session(std::string_view host) const;

 private:
  struct CtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };
  ClientTls(SSL_CTX* ctx, bool verify) : ctx_(ctx), verify_(verify) {}

  std::unique_ptr<SSL_CTX, CtxFree> ctx_;
  bool verify_;
};

}  // namespace pregon::transport
