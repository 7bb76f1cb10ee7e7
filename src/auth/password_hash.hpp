// One password hash in the text form of mosquitto's password file, both ways:
//   $7$<iterations>$<base64 salt>$<base64 hash>   PBKDF2-HMAC-SHA512, 64-byte derived key
//   $6$<base64 salt>$<base64 hash>                SHA-512(password || salt), the pre-2.0 form
// The salt is raw bytes (12 from mosquitto_passwd), base64 with padding; the password is hashed
// as the bytes given (UTF-8 as the client sent it). Immutable values; thread-safe.
//
// The default work factor: kDefaultIterations = 1000, ten times mosquitto's 101. The broker runs
// the hash on every CONNECT that carries a password, before the client has proved anything, so the
// cost is paid by us for every attempt an attacker makes. At ~0.6-0.8 ms per verification on one
// core, 1000 iterations still lets a core check well over a thousand CONNECTs a second (a storm of
// reconnecting devices or a flood of bogus CONNECTs does not starve the event loops), while a
// stolen file costs an offline guesser ten times more than mosquitto's. The password-based-storage
// advice of 100k+ iterations would make each CONNECT cost ~50-100 ms: ten to twenty bogus CONNECTs
// per second would saturate a core. Operators who want more pass a higher count to
// `pregon passwd -I`; the count is stored per line, so files with mixed counts work.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/expected.hpp"

namespace pregon::auth {

enum class HashAlgorithm : std::uint8_t {
  kSha512Pbkdf2,  // "$7$", what mosquitto 2.0 writes by default
  kSha512,        // "$6$", mosquitto 1.6 and earlier; read, and written only when asked for
};

inline constexpr int kDefaultIterations = 1000;
// Upper bound accepted from a file: a larger count would let one line turn every CONNECT for that
// user into seconds of CPU.
inline constexpr int kMaxIterations = 10'000'000;
inline constexpr std::size_t kSaltLength = 12;  // as mosquitto_passwd
inline constexpr std::size_t kHashLength = 64;  // SHA-512 output, and the PBKDF2 key length

class PasswordHash {
 public:
  // Parses the part of a password-file line after "username:". The error says what is wrong.
  static base::Expected<PasswordHash, std::string> parse(std::string_view text);

  // Hashes `password` with a fresh random salt (RAND_bytes). Fails only when the random generator
  // does or when `iterations` is outside [1, kMaxIterations] (ignored for kSha512).
  static base::Expected<PasswordHash, std::string> create(std::string_view password,
                                                          HashAlgorithm algorithm = HashAlgorithm::kSha512Pbkdf2,
                                                          int iterations = kDefaultIterations);

  // True when `password` hashes to this value; the final comparison is constant-time
  // (CRYPTO_memcmp), and the work done does not depend on the password.
  bool verify(std::string_view password) const;

  // The text form, as parse() reads it.
  std::string to_string() const;

  HashAlgorithm algorithm() const { return algorithm_; }
  int iterations() const { return iterations_; }  // 0 for kSha512
  const std::string& salt() const { return salt_; }
  const std::string& hash() const { return hash_; }

 private:
  PasswordHash(HashAlgorithm algorithm, int iterations, std::string salt, std::string hash)
      : algorithm_(algorithm), iterations_(iterations), salt_(std::move(salt)), hash_(std::move(hash)) {}

  HashAlgorithm algorithm_;
  int iterations_;
  std::string salt_;  // raw bytes
  std::string hash_;  // raw bytes, kHashLength of them
};

}  // namespace pregon::auth
