#include "auth/jwt_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <climits>
#include <fstream>
#include <iterator>
#include <vector>

namespace pregon::auth {
namespace {

constexpr std::size_t kEs256CoordinateBytes = 32;

base::Unexpected<std::string> fail(std::string message) { return base::unexpected(std::move(message)); }

struct Deleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Deleter>;

bool digest_verify(EVP_PKEY* key, std::string_view input, const unsigned char* sig, std::size_t sig_len) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig, sig_len, reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

// JWS carries an ECDSA signature as the two 32-byte big-endian integers r and s side by side
// [RFC 7518 3.4]; OpenSSL verifies the DER SEQUENCE of the two, so the signature is re-encoded.
std::optional<std::vector<unsigned char>> es256_to_der(std::string_view raw) {
  if (raw.size() != 2 * kEs256CoordinateBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  Owned<BIGNUM> r(BN_bin2bn(bytes, kEs256CoordinateBytes, nullptr));
  Owned<BIGNUM> s(BN_bin2bn(bytes + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr));
  Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  (void)r.release();  // owned by sig now
  (void)s.release();
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::vector<unsigned char> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) return std::nullopt;
  return der;
}

}  // namespace

std::optional<JwtAlgorithm> jwt_algorithm_named(std::string_view name) {
  if (name == "RS256") return JwtAlgorithm::kRs256;
  if (name == "ES256") return JwtAlgorithm::kEs256;
  if (name == "HS256") return JwtAlgorithm::kHs256;
  return std::nullopt;
}

std::string_view jwt_algorithm_name(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kRs256: return "RS256";
    case JwtAlgorithm::kEs256: return "ES256";
    case JwtAlgorithm::kHs256: return "HS256";
  }
  return "?";
}

base::Expected<JwtKey, std::string> JwtKey::public_key_pem(JwtAlgorithm algorithm, std::string_view pem) {
  if (algorithm == JwtAlgorithm::kHs256) return fail("HS256 takes a shared secret, not a public key");
  if (pem.size() > INT_MAX) return fail("key too large");
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail("out of memory");
  std::shared_ptr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return fail("not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  if (algorithm == JwtAlgorithm::kRs256) {
    // EVP_PKEY_is_a(.., "RSA") is false for RSA-PSS keys, which RS256 does not use.
    if (!EVP_PKEY_is_a(key.get(), "RSA")) return fail("RS256 needs an RSA public key");
    if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
      return fail("RSA key of " + std::to_string(EVP_PKEY_get_bits(key.get())) + " bits; RS256 needs at least " +
                  std::to_string(kMinRsaBits));
    }
  } else {
    if (!EVP_PKEY_is_a(key.get(), "EC")) return fail("ES256 needs an EC public key");
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1 ||
        std::string_view(group, length) != "prime256v1") {
      return fail("ES256 needs an EC key on the P-256 curve");
    }
  }
  return JwtKey(algorithm, std::move(key), {});
}

base::Expected<JwtKey, std::string> JwtKey::public_key_file(JwtAlgorithm algorithm, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open " + path);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = public_key_pem(algorithm, pem);
  if (!key) return fail(path + ": " + key.error());
  return key;
}

base::Expected<JwtKey, std::string> JwtKey::shared_secret(std::string_view secret) {
  if (secret.size() < kMinHmacSecret) {
    return fail("HS256 secret of " + std::to_string(secret.size()) + " bytes; at least " +
                std::to_string(kMinHmacSecret) + " are needed");
  }
  return JwtKey(JwtAlgorithm::kHs256, nullptr, std::string(secret));
}

bool JwtKey::verify(std::string_view signing_input, std::string_view signature) const {
  switch (algorithm_) {
    case JwtAlgorithm::kRs256:
      return digest_verify(key_.get(), signing_input, reinterpret_cast<const unsigned char*>(signature.data()),
                           signature.size());
    case JwtAlgorithm::kEs256: {
      const auto der = es256_to_der(signature);
      return der && digest_verify(key_.get(), signing_input, der->data(), der->size());
    }
    case JwtAlgorithm::kHs256: {
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
               reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
               &length) == nullptr) {
        return false;
      }
      return signature.size() == length && CRYPTO_memcmp(mac, signature.data(), length) == 0;
    }
  }
  return false;
}

}  // namespace pregon::auth
