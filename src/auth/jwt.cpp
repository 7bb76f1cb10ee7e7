#include "auth/jwt.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "auth/base64.hpp"

namespace pregon::auth {
namespace {

using Json = nlohmann::json;

base::Unexpected<JwtError> fail(JwtErrorKind kind, std::string message) {
  return base::unexpected(JwtError{kind, std::move(message)});
}

// The JSON object in a base64url part, or nullopt. No exceptions: parse errors give a discarded
// value.
std::optional<Json> decode_object(std::string_view part) {
  const std::optional<std::string> text = base64url_decode(part);
  if (!text) return std::nullopt;
  Json value = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

// A NumericDate [RFC 7519 2]: seconds since the epoch, possibly fractional.
std::optional<double> numeric_date(const Json& value) {
  if (!value.is_number()) return std::nullopt;
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds)) return std::nullopt;
  return seconds;
}

}  // namespace

base::Expected<JwtIdentity, JwtError> JwtVerifier::verify(std::string_view token,
                                                          std::chrono::system_clock::time_point now) const {
  if (token.size() > kMaxTokenLength) return fail(JwtErrorKind::kMalformed, "token too long");
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return fail(JwtErrorKind::kMalformed, "not a compact JWS (three base64url parts separated by '.')");
  }
  const std::string_view header_part = token.substr(0, first_dot);
  const std::string_view claims_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_part = token.substr(second_dot + 1);

  const std::optional<Json> header = decode_object(header_part);
  if (!header) return fail(JwtErrorKind::kMalformed, "header is not a base64url JSON object");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return fail(JwtErrorKind::kAlgorithmNotAllowed, "no \"alg\"");
  const std::string alg_name = alg->get<std::string>();
  const std::optional<JwtAlgorithm> algorithm = jwt_algorithm_named(alg_name);
  if (!algorithm) return fail(JwtErrorKind::kAlgorithmNotAllowed, "algorithm \"" + alg_name + "\" is not supported");
  if (header->contains("crit")) {
    return fail(JwtErrorKind::kMalformed, "\"crit\" header extensions are not supported");
  }
  const std::optional<std::string> signature = base64url_decode(signature_part);
  if (!signature) return fail(JwtErrorKind::kMalformed, "signature is not base64url");

  // The signature covers the two first parts exactly as sent [RFC 7515 5.2].
  const std::string_view signing_input = token.substr(0, second_dot);
  bool any_key = false;
  bool verified = false;
  for (const JwtKey& key : options_.keys) {
    if (key.algorithm() != *algorithm) continue;
    any_key = true;
    if (key.verify(signing_input, *signature)) {
      verified = true;
      break;
    }
  }
  if (!any_key) return fail(JwtErrorKind::kAlgorithmNotAllowed, "no key is configured for " + alg_name);
  if (!verified) return fail(JwtErrorKind::kBadSignature, "signature does not verify");

  const std::optional<Json> claims = decode_object(claims_part);
  if (!claims) return fail(JwtErrorKind::kMalformed, "claims are not a base64url JSON object");

  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(options_.leeway.count());
  JwtIdentity identity;
  if (const auto exp = claims->find("exp"); exp != claims->end()) {
    const std::optional<double> at = numeric_date(*exp);
    if (!at) return fail(JwtErrorKind::kMalformed, "\"exp\" is not a number");
    // [RFC 7519 4.1.4] the current time MUST be before the expiration time.
    if (now_seconds >= *at + leeway) return fail(JwtErrorKind::kExpired, "token expired");
    identity.expires_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(*at)));
  } else if (options_.require_expiry) {
    return fail(JwtErrorKind::kMissingExpiry, "token has no \"exp\"");
  }
  if (const auto nbf = claims->find("nbf"); nbf != claims->end()) {
    const std::optional<double> at = numeric_date(*nbf);
    if (!at) return fail(JwtErrorKind::kMalformed, "\"nbf\" is not a number");
    // [RFC 7519 4.1.5] the current time MUST be after or equal to the not-before time.
    if (now_seconds + leeway < *at) return fail(JwtErrorKind::kNotYetValid, "token not valid yet");
  }
  if (options_.issuer) {
    const auto iss = claims->find("iss");
    if (iss == claims->end() || !iss->is_string() || iss->get<std::string>() != *options_.issuer) {
      return fail(JwtErrorKind::kWrongIssuer, "\"iss\" is not the configured issuer");
    }
  }
  if (options_.audience) {
    // [RFC 7519 4.1.3] "aud" is one string or an array of strings.
    bool found = false;
    if (const auto aud = claims->find("aud"); aud != claims->end()) {
      if (aud->is_string()) {
        found = aud->get<std::string>() == *options_.audience;
      } else if (aud->is_array()) {
        for (const Json& entry : *aud) found = found || (entry.is_string() && entry.get<std::string>() == *options_.audience);
      }
    }
    if (!found) return fail(JwtErrorKind::kWrongAudience, "\"aud\" does not name the configured audience");
  }
  const auto name = claims->find(options_.username_claim);
  if (name == claims->end() || !name->is_string() || name->get<std::string>().empty()) {
    return fail(JwtErrorKind::kNoUsername, "claim \"" + options_.username_claim + "\" is not a non-empty string");
  }
  identity.username = name->get<std::string>();
  return identity;
}

}  // namespace pregon::auth
