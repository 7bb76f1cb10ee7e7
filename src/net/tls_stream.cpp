#include "net/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net/tls_context.hpp"

namespace pregon::net {

namespace {

std::string common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return name;
}

std::string first_alternative_name(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return {};
  std::string found;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && found.empty(); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS || name->type == GEN_EMAIL || name->type == GEN_URI) {
      const ASN1_IA5STRING* text = name->d.ia5;
      found.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                   static_cast<size_t>(ASN1_STRING_length(text)));
    }
  }
  GENERAL_NAMES_free(names);
  return found;
}

}  // namespace

std::unique_ptr<TlsStream> TlsStream::accept(const TlsContext& context) {
  SSL* ssl = context.new_session();
  if (ssl == nullptr) return nullptr;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    SSL_free(ssl);
    return nullptr;
  }
  // An empty memory BIO reports "retry" rather than end of file.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl, in, out);
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsStream>(new TlsStream(ssl, in, out));
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

void TlsStream::put_input(std::span<const uint8_t> cipher) {
  // A memory BIO grows as needed; it fails only when out of memory, which the next read reports.
  BIO_write(in_, cipher.data(), static_cast<int>(cipher.size()));
}

TlsStream::ReadResult TlsStream::read(std::span<uint8_t> out) {
  if (!handshake_done_) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    collect_output();
    if (r != 1) {
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ) return {Status::kOk, 0};
      return {fail(e), 0};
    }
    finish_handshake();
  }
  size_t n = 0;
  ERR_clear_error();
  const int r = SSL_read_ex(ssl_, out.data(), out.size(), &n);
  collect_output();  // TLS 1.3 may answer a key update, or send tickets, while reading
  if (r == 1) return {Status::kOk, n};
  const int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ) return {Status::kOk, 0};
  if (e == SSL_ERROR_ZERO_RETURN) return {Status::kClosed, 0};
  return {fail(e), 0};
}

bool TlsStream::write(std::span<const uint8_t> plain) {
  size_t written = 0;
  ERR_clear_error();
  // A memory BIO never refuses, so the whole buffer goes in one call.
  const int r = SSL_write_ex(ssl_, plain.data(), plain.size(), &written);
  collect_output();
  if (r == 1) return true;
  fail(SSL_get_error(ssl_, r));
  return false;
}

void TlsStream::shut_down() {
  if (shutdown_sent_) return;
  shutdown_sent_ = true;
  if (!handshake_done_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  collect_output();
}

void TlsStream::consume_output(size_t n) {
  output_sent_ += n;
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
  }
}

void TlsStream::collect_output() {
  const size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return;
  if (output_sent_ > 0 && output_sent_ >= output_.size() / 2) {
    output_.erase(output_.begin(), output_.begin() + static_cast<ptrdiff_t>(output_sent_));
    output_sent_ = 0;
  }
  const size_t at = output_.size();
  output_.resize(at + pending);
  size_t got = 0;
  BIO_read_ex(out_, output_.data() + at, pending, &got);
  output_.resize(at + got);
}

void TlsStream::finish_handshake() {
  handshake_done_ = true;
  if (X509* cert = SSL_get0_peer_certificate(ssl_); cert != nullptr && SSL_get_verify_result(ssl_) == X509_V_OK) {
    identity_ = common_name(cert);
    if (identity_.empty()) identity_ = first_alternative_name(cert);
  }
}

TlsStream::Status TlsStream::fail(int ssl_error) {
  if (error_.empty()) {
    if (ssl_error == SSL_ERROR_SSL) {
      error_ = take_openssl_error();
      if (const long v = SSL_get_verify_result(ssl_); v != X509_V_OK) {
        error_ += std::string(" (") + X509_verify_cert_error_string(v) + ")";
      }
    } else {
      error_ = "TLS error " + std::to_string(ssl_error);
    }
  }
  return Status::kFailed;
}

std::string TlsStream::description() const {
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

}  // namespace pregon::net
