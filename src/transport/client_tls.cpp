#include "transport/client_tls.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/x509v3.h>

#include "net/tls_context.hpp"

namespace pregon::transport {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

base::Expected<std::shared_ptr<const ClientTls>, std::string> ClientTls::load(const TransportOptions& o) {
  SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
  if (raw == nullptr) return base::unexpected("TLS: " + net::take_openssl_error());
  std::unique_ptr<SSL_CTX, CtxFree> ctx(raw);
  int min_version = TLS1_2_VERSION;
  int max_version = 0;  // the newest OpenSSL knows
  if (o.tls_version == "tlsv1.2") max_version = TLS1_2_VERSION;
  if (o.tls_version == "tlsv1.3") min_version = max_version = TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(raw, min_version);
  SSL_CTX_set_max_proto_version(raw, max_version);
  // Writes resume from wherever the last one stopped: the caller's buffer may have moved since.
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A broker that closes without close_notify has closed all the same; say so in those words.
  SSL_CTX_set_options(raw, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (!o.insecure) {
    const bool loaded = o.cafile.empty() ? SSL_CTX_set_default_verify_paths(raw) == 1
                                         : SSL_CTX_load_verify_locations(raw, o.cafile.c_str(), nullptr) == 1;
    if (!loaded) {
      return base::unexpected(fmt::format("Cannot load CA file '{}': {}", o.cafile, net::take_openssl_error()));
    }
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(raw, o.cert.c_str()) != 1) {
      return base::unexpected(fmt::format("Cannot load certificate '{}': {}", o.cert, net::take_openssl_error()));
    }
    if (SSL_CTX_use_PrivateKey_file(raw, o.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return base::unexpected(fmt::format("Cannot load key '{}': {}", o.key, net::take_openssl_error()));
    }
    if (SSL_CTX_check_private_key(raw) != 1) {
      return base::unexpected(fmt::format("Key '{}' does not match certificate '{}'", o.key, o.cert));
    }
  }
  return std::shared_ptr<const ClientTls>(new ClientTls(ctx.release(), !o.insecure));
}

SSL* ClientTls::new_session(std::string_view host_view) const {
  SSL* ssl = SSL_new(ctx_.get());
  if (ssl == nullptr) return nullptr;
  const std::string host(host_view);
  const bool ip = is_ip_address(host);
  if (!ip) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI carries names only (RFC 6066 section 3)
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
  return ssl;
}

}  // namespace pregon::transport
