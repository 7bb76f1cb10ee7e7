#include "config/diagnostics.hpp"

#include <algorithm>
#include <cstddef>

#include "config/config.hpp"

namespace pregon::config {
namespace {

// Beyond this many recorded mistakes the rest are summarised, so that a garbage file (or a fuzzer)
// cannot make a message of unbounded length.
constexpr std::size_t kMaxReported = 20;

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void append_escaped(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    default: break;
  }
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7f) {
    out += "\\u00";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  } else {
    out += c;
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void Diagnostics::add(uint32_t line, uint32_t column, std::string_view key_path,
                      std::string_view what) {
  std::string text = source_;
  text += ':';
  text += std::to_string(line);
  text += ':';
  text += std::to_string(column);
  text += ": ";
  text += key_path;
  text += ": ";
  text += what;
  entries_.push_back({line, column, std::move(text)});
}

void Diagnostics::throw_if_any() const {
  if (entries_.empty()) return;
  std::vector<const Entry*> sorted;
  sorted.reserve(entries_.size());
  for (const Entry& e : entries_) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
    return a->line != b->line ? a->line < b->line : a->column < b->column;
  });
  std::string message;
  const std::size_t shown = std::min(sorted.size(), kMaxReported);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) message += '\n';
    message += sorted[i]->text;
  }
  if (sorted.size() > shown) {
    message += '\n';
    message += source_ + ": " + std::to_string(sorted.size() - shown) + " more errors not shown";
  }
  throw ConfigError(message);
}

std::string key_text(std::string_view key) {
  if (!key.empty() && key.size() <= kMaxQuotedBytes &&
      std::all_of(key.begin(), key.end(), is_bare_key_char)) {
    return std::string(key);
  }
  return quoted(key);
}

std::string join_key_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key_text(key);
  return path;
}

std::string quoted(std::string_view text, std::size_t max_bytes) {
  bool cut = false;
  if (text.size() > max_bytes) {
    std::size_t end = max_bytes;
    // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out = "\"";
  for (char c : text) append_escaped(out, c);
  out += cut ? "\"..." : "\"";
  return out;
}

std::string escaped_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += c;  // readable as is; only control characters could break the line
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

std::string_view closest_match(std::string_view word,
                               std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = 0;
  if (word.size() > kMaxQuotedBytes) return best;  // keeps the quadratic distance cheap
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A typo is a few edits, relative to the length: "prot" for "port", "max_pakcet_size".
  const std::size_t allowed = std::max<std::size_t>(2, best.size() / 4);
  return !best.empty() && best_distance <= allowed ? best : std::string_view{};
}

}  // namespace pregon::config
