// mosquitto's password file, read and written with the same text form:
//   # comment
//   username:$7$101$<base64 salt>$<base64 hash>
//   other:$6$<base64 salt>$<base64 hash>
// One user per line, the username up to the first ':'. Blank lines and lines whose first
// non-blank character is '#' are kept as they are, so a file edited by `pregon passwd` keeps its
// comments, its order and every other user's line byte for byte (a trailing "\r" is dropped).
//
// Ownership: a PasswordFile owns its lines. Thread-safety: const methods may be called from any
// number of threads at once (the broker builds one at start-up or reload and then only reads
// it); the mutating ones need exclusive access.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_hash.hpp"
#include "base/expected.hpp"

namespace pregon::auth {

// What is wrong with a file, and where. `line` counts from 1; 0 means the file as a whole (it
// could not be read).
struct PasswordFileError {
  std::size_t line = 0;
  std::string message;
};

class PasswordFile {
 public:
  PasswordFile() = default;

  // Every line must be a comment, blank, or "username:<hash>" with a hash PasswordHash::parse()
  // accepts. An empty username, a line without ':' and a username given twice are errors too.
  static base::Expected<PasswordFile, PasswordFileError> parse(std::string_view text);
  static base::Expected<PasswordFile, PasswordFileError> load(const std::string& path);

  // A plain-text file ("username:password" per line, the password being everything after the
  // first ':') turned into a hashed one, as `pregon passwd -U` does. A line that already holds a
  // valid hash is kept as it is, so running it twice does not hash a hash.
  static base::Expected<PasswordFile, PasswordFileError> hash_plain_text(
      std::string_view text, HashAlgorithm algorithm = HashAlgorithm::kSha512Pbkdf2,
      int iterations = kDefaultIterations);

  // A name mosquitto_passwd would accept and the file can hold: not empty, no ':', no line break.
  static bool valid_username(std::string_view username);

  // The check made at CONNECT. For an unknown user a hash is computed all the same and thrown
  // away, so the time taken does not tell an attacker which usernames exist.
  bool verify(std::string_view username, std::string_view password) const;

  const PasswordHash* find(std::string_view username) const;
  bool contains(std::string_view username) const { return find(username) != nullptr; }
  std::size_t size() const { return index_.size(); }  // users, not lines

  // Replaces the user's hash where its line is, or appends a line. Precondition: valid_username().
  void set(std::string_view username, PasswordHash hash);
  // Removes the user's line; false when there was none.
  bool remove(std::string_view username);

  // The file's text: every line followed by "\n".
  std::string to_text() const;

 private:
  // The index in lines_ of `username`'s line, if it has one.
  std::optional<std::size_t> line_of(std::string_view username) const;
  struct Line {
    std::string text;                 // the line as read, for comments and blank lines
    std::string username;             // empty for comments and blank lines
    std::optional<PasswordHash> hash;  // set for user lines
  };

  // Transparent, so that find() takes a string_view without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void rebuild_index();

  std::vector<Line> lines_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;  // username -> line
};

}  // namespace pregon::auth
