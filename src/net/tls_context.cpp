#include "net/tls_context.hpp"

#include <openssl/err.h>

namespace pregon::net {

std::string take_openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

base::Expected<std::shared_ptr<const TlsContext>, std::string> TlsContext::load(const config::Tls& tls) {
  using Result = base::Expected<std::shared_ptr<const TlsContext>, std::string>;
  const auto failed = [](std::string what) { return Result(base::unexpected(what + ": " + take_openssl_error())); };
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return failed("cannot create a TLS context");
  std::shared_ptr<TlsContext> context(new TlsContext(raw));
  SSL_CTX* ctx = context->ctx_.get();

  if (tls.key_file.empty()) return Result(base::unexpected(std::string("tls_key_file is not set")));
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return failed("tls_cert_file " + tls.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return failed("tls_key_file " + tls.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) return failed("tls_key_file does not match tls_cert_file");

  const int min_version = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(ctx, min_version);
  if (!tls.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, tls.ciphers.c_str()) != 1) {
    return failed("tls_ciphers \"" + tls.ciphers + "\"");
  }
  if (!tls.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, tls.ciphersuites.c_str()) != 1) {
    return failed("tls_ciphersuites \"" + tls.ciphersuites + "\"");
  }

  if (tls.client_certificates != "none") {
    if (tls.ca_file.empty()) {
      return Result(base::unexpected("tls_client_certificates = \"" + tls.client_certificates +
                                     "\" needs tls_ca_file"));
    }
    if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
      return failed("tls_ca_file " + tls.ca_file);
    }
    // The CA names go in the CertificateRequest, so a client holding several certificates picks one
    // that will be accepted.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.ca_file.c_str());
    if (names == nullptr) return failed("tls_ca_file " + tls.ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);
    int mode = SSL_VERIFY_PEER;
    if (tls.client_certificates == "required") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
  } else if (tls.identity_as_username) {
    return Result(base::unexpected(std::string("tls_identity_as_username needs tls_client_certificates")));
  }
  // Sessions are resumed with tickets only: no per-connection cache on the server.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return Result(std::shared_ptr<const TlsContext>(std::move(context)));
}

SSL* TlsContext::new_session() const { return SSL_new(ctx_.get()); }

}  // namespace pregon::net
