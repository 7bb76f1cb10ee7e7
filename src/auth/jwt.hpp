// Verification of a JSON Web Token (RFC 7519) sent as the MQTT password: the compact JWS form
// (RFC 7515) "base64url(header).base64url(claims).base64url(signature)", signed with one of the
// configured keys. The token names its algorithm in "alg", but only a configured key of that very
// algorithm is tried (see jwt_key.hpp): "none" and every other name are refused, and so is any
// token whose header lists "crit" extensions (we understand none [RFC 7515 4.1.11]). Encrypted
// tokens (JWE, five parts) are refused as malformed.
//
// After the signature: "exp" [RFC 7519 4.1.4] and "nbf" [4.1.5] are checked against the time the
// caller passes in (the injected clock), with a leeway for clock skew; "iss" and "aud" when
// configured; then the configured claim (default "sub") becomes the username.
//
// Thread-safety: a JwtVerifier is immutable; verify() is const and may run on any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_key.hpp"
#include "base/expected.hpp"

namespace pregon::auth {

struct JwtOptions {
  std::vector<JwtKey> keys;  // the allowed algorithms are exactly those of these keys
  std::chrono::seconds leeway{0};
  std::string username_claim = "sub";
  bool require_expiry = true;          // a token without "exp" would be a password forever
  std::optional<std::string> issuer;   // when set, "iss" must equal it
  std::optional<std::string> audience;  // when set, "aud" (string or array) must contain it
};

enum class JwtErrorKind : std::uint8_t {
  kMalformed,            // not three base64url parts, JSON that is not an object, bad claim types
  kAlgorithmNotAllowed,  // "alg" missing, "none", unknown, or without a configured key
  kBadSignature,
  kExpired,         // now >= exp + leeway
  kNotYetValid,     // now + leeway < nbf
  kMissingExpiry,   // no "exp" while require_expiry
  kWrongIssuer,
  kWrongAudience,
  kNoUsername,      // the username claim is absent, not a string, or empty
};

struct JwtError {
  JwtErrorKind kind;
  std::string message;  // for the log; never sent to the client
};

struct JwtIdentity {
  std::string username;
  // When the token stops being valid (exp, leeway not included), for a broker that wants to
  // disconnect the client then.
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

// Largest token accepted: an MQTT password is at most 65535 bytes [MQTT-1.5.6].
inline constexpr std::size_t kMaxTokenLength = 65535;

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtOptions options) : options_(std::move(options)) {}

  base::Expected<JwtIdentity, JwtError> verify(std::string_view token,
                                               std::chrono::system_clock::time_point now) const;

  const JwtOptions& options() const { return options_; }

 private:
  JwtOptions options_;
};

}  // namespace pregon::auth
