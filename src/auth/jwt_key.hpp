// A key a JSON Web Token may be verified with, bound to exactly one algorithm (RFC 7518 section
// 3.1): RS256 and ES256 take a PEM public key, HS256 a shared secret. Binding the algorithm to the
// key, rather than trusting the token's "alg", is what stops algorithm confusion: an RSA public key
// is never an HMAC secret, and an HS256 token finds only HS256 keys.
//
// Ownership: the EVP_PKEY is shared between copies (it is never modified after loading; OpenSSL 3
// allows concurrent verification with one key). Thread-safety: immutable; safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/expected.hpp"

struct evp_pkey_st;

namespace pregon::auth {

enum class JwtAlgorithm : std::uint8_t {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256, RSA key of at least kMinRsaBits
  kEs256,  // ECDSA on P-256 with SHA-256, signature r||s (64 bytes) [RFC 7518 3.4]
  kHs256,  // HMAC-SHA-256, secret of at least kMinHmacSecret bytes [RFC 7518 3.2]
};

inline constexpr int kMinRsaBits = 2048;             // RFC 7518 3.3: 2048 bits or larger MUST be used
inline constexpr std::size_t kMinHmacSecret = 32;    // RFC 7518 3.2: at least the hash size

// "RS256", "ES256", "HS256"; nullopt for anything else ("none" included).
std::optional<JwtAlgorithm> jwt_algorithm_named(std::string_view name);
std::string_view jwt_algorithm_name(JwtAlgorithm algorithm);

class JwtKey {
 public:
  // RS256 or ES256 with a "-----BEGIN PUBLIC KEY-----" PEM (SubjectPublicKeyInfo). The key type
  // must fit the algorithm (RSA of kMinRsaBits or more; EC on P-256).
  static base::Expected<JwtKey, std::string> public_key_pem(JwtAlgorithm algorithm, std::string_view pem);
  static base::Expected<JwtKey, std::string> public_key_file(JwtAlgorithm algorithm, const std::string& path);
  // HS256 with the secret's bytes as the HMAC key.
  static base::Expected<JwtKey, std::string> shared_secret(std::string_view secret);

  JwtAlgorithm algorithm() const { return algorithm_; }

  // True when `signature` (already base64url-decoded) signs `signing_input` under this key.
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  JwtKey(JwtAlgorithm algorithm, std::shared_ptr<evp_pkey_st> key, std::string secret)
      : algorithm_(algorithm), key_(std::move(key)), secret_(std::move(secret)) {}

  JwtAlgorithm algorithm_;
  std::shared_ptr<evp_pkey_st> key_;  // RS256, ES256
  std::string secret_;                // HS256
};

}  // namespace pregon::auth
