// Base64 (RFC 4648 section 4, with '=' padding) for password-file salts and hashes, and base64url
// (section 5, without padding) for JSON Web Tokens. Decoding is strict: characters outside the
// alphabet, wrong padding and non-zero leftover bits are errors, so every byte string has exactly
// one accepted text form. Pure functions; binary data is carried in std::string. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pregon::auth {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace pregon::auth
