// How configuration errors are written: Diagnostics collects "<file>:<line>:<column>: <key path>:
// <what is wrong>" lines while the file is walked, so that a user sees every mistake at once and
// in file order, and throws them together as one ConfigError. Also the quoting used for keys and
// values in those lines, so that a key or value holding control characters cannot forge lines.
//
// Internal to src/config/. Ownership: a Diagnostics lives for one parse. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pregon::config {

class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  // Records one mistake at a 1-based line and column of the source.
  void add(uint32_t line, uint32_t column, std::string_view key_path, std::string_view what);

  bool empty() const { return entries_.empty(); }

  // Throws ConfigError with every recorded line, sorted by position, if any were recorded.
  void throw_if_any() const;

 private:
  struct Entry {
    uint32_t line;
    uint32_t column;
    std::string text;
  };
  std::string source_;
  std::vector<Entry> entries_;
};

// A key as written in TOML: bare when it is made of A-Z a-z 0-9 _ -, else a quoted string.
std::string key_text(std::string_view key);

// `parent.key`, with `key` rendered by key_text; `parent` is already rendered.
std::string join_key_path(std::string_view parent, std::string_view key);

// A string value for a message: in double quotes, with control characters, quotes and backslashes
// escaped, cut after `max_bytes` (at a UTF-8 character boundary).
inline constexpr std::size_t kMaxQuotedBytes = 64;
std::string quoted(std::string_view text, std::size_t max_bytes = kMaxQuotedBytes);

// Free text from elsewhere (the TOML parser's own description) with control characters escaped, so
// that it stays on one line.
std::string escaped_text(std::string_view text);

// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
std::string_view closest_match(std::string_view word,
                               std::span<const std::string_view> candidates);

}  // namespace pregon::config
