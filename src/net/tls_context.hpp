// TlsContext: one listener's TLS settings made ready for OpenSSL: its certificate chain and key,
// the CAs its client certificates must chain to, whether a client certificate is asked for or
// required, the lowest protocol version and the cipher lists. Loaded at start-up and again on
// SIGHUP; connections keep the context they were accepted with.
//
// Ownership: shares the SSL_CTX with the sessions made from it (OpenSSL counts the references).
// Thread-safety: immutable once loaded; new_session() may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include <openssl/ssl.h>

#include "base/expected.hpp"
#include "config/config.hpp"

namespace pregon::net {

class TlsContext {
 public:
  // Reads every file named in `tls`; the error says which file or setting is wrong and why.
  static base::Expected<std::shared_ptr<const TlsContext>, std::string> load(const config::Tls& tls);

  // A server-side session for one accepted connection; nullptr when OpenSSL is out of memory.
  SSL* new_session() const;

 private:
  struct CtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}

  std::unique_ptr<SSL_CTX, CtxFree> ctx_;
};

// The newest OpenSSL error on this thread's queue as text, and the queue emptied.
std::string take_openssl_error();

}  // namespace pregon::net
