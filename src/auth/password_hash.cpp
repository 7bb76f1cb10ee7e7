#include "auth/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <climits>
#include <optional>
#include <vector>

#include "auth/base64.hpp"

namespace pregon::auth {
namespace {

constexpr std::size_t kMaxSaltLength = 1024;

std::vector<std::string_view> split_dollar(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t d = text.find('$', start);
    if (d == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, d - start));
    start = d + 1;
  }
}

// The derived key, or nullopt when OpenSSL fails (it does not for valid arguments).
std::optional<std::string> derive(HashAlgorithm algorithm, int iterations, std::string_view salt,
                                  std::string_view password) {
  std::string out(kHashLength, '\0');
  auto* dest = reinterpret_cast<unsigned char*>(out.data());
  if (algorithm == HashAlgorithm::kSha512Pbkdf2) {
    if (password.size() > INT_MAX || salt.size() > INT_MAX) return std::nullopt;
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                          iterations, EVP_sha512(), static_cast<int>(kHashLength), dest) != 1) {
      return std::nullopt;
    }
    return out;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return std::nullopt;
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 && EVP_DigestFinal_ex(ctx, dest, &length) == 1 &&
                  length == kHashLength;
  EVP_MD_CTX_free(ctx);
  if (!ok) return std::nullopt;
  return out;
}

base::Unexpected<std::string> fail(std::string message) { return base::unexpected(std::move(message)); }

}  // namespace

base::Expected<PasswordHash, std::string> PasswordHash::parse(std::string_view text) {
  const std::vector<std::string_view> parts = split_dollar(text);
  // A leading '$' gives an empty first part.
  if (parts.size() < 2 || !parts[0].empty()) {
    return fail("not a password hash (expected \"$7$...\" or \"$6$...\"); plain-text files need `pregon passwd -U`");
  }
  HashAlgorithm algorithm;
  int iterations = 0;
  std::string_view salt_text;
  std::string_view hash_text;
  if (parts[1] == "7") {
    if (parts.size() != 5) return fail("a \"$7$\" hash has the form $7$<iterations>$<salt>$<hash>");
    algorithm = HashAlgorithm::kSha512Pbkdf2;
    const std::string_view count = parts[2];
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), iterations);
    if (count.empty() || ec != std::errc() || end != count.data() + count.size() || iterations < 1 ||
        iterations > kMaxIterations) {
      return fail("iteration count must be a number from 1 to " + std::to_string(kMaxIterations));
    }
    salt_text = parts[3];
    hash_text = parts[4];
  } else if (parts[1] == "6") {
    if (parts.size() != 4) return fail("a \"$6$\" hash has the form $6$<salt>$<hash>");
    algorithm = HashAlgorithm::kSha512;
    salt_text = parts[2];
    hash_text = parts[3];
  } else {
    return fail("unknown hash type \"$" + std::string(parts[1]) + "$\" (known: $7$ and $6$)");
  }
  std::optional<std::string> salt = base64_decode(salt_text);
  if (!salt || salt->empty() || salt->size() > kMaxSaltLength) return fail("salt is not valid base64");
  std::optional<std::string> hash = base64_decode(hash_text);
  if (!hash || hash->size() != kHashLength) return fail("hash is not 64 bytes of valid base64");
  return PasswordHash(algorithm, iterations, std::move(*salt), std::move(*hash));
}

base::Expected<PasswordHash, std::string> PasswordHash::create(std::string_view password, HashAlgorithm algorithm,
                                                               int iterations) {
  if (algorithm == HashAlgorithm::kSha512) {
    iterations = 0;
  } else if (iterations < 1 || iterations > kMaxIterations) {
    return fail("iteration count must be from 1 to " + std::to_string(kMaxIterations));
  }
  std::string salt(kSaltLength, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    return fail("the random number generator failed");
  }
  std::optional<std::string> hash = derive(algorithm, iterations, salt, password);
  if (!hash) return fail("hashing failed");
  return PasswordHash(algorithm, iterations, std::move(salt), std::move(*hash));
}

bool PasswordHash::verify(std::string_view password) const {
  const std::optional<std::string> candidate = derive(algorithm_, iterations_, salt_, password);
  if (!candidate || candidate->size() != hash_.size()) return false;
  return CRYPTO_memcmp(candidate->data(), hash_.data(), hash_.size()) == 0;
}

std::string PasswordHash::to_string() const {
  if (algorithm_ == HashAlgorithm::kSha512) return "$6$" + base64_encode(salt_) + "$" + base64_encode(hash_);
  return "$7$" + std::to_string(iterations_) + "$" + base64_encode(salt_) + "$" + base64_encode(hash_);
}

}  // namespace pregon::auth
