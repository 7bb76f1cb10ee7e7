#include "auth/password_file.hpp"

#include <fstream>
#include <iterator>

namespace pregon::auth {
namespace {

// Splits `text` into lines without their "\n" (and a "\r" before it); a last line without "\n"
// counts, an empty text has no lines.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool is_blank_or_comment(std::string_view line) {
  const std::size_t first = line.find_first_not_of(" \t");
  return first == std::string_view::npos || line[first] == '#';
}

std::string_view trim_right(std::string_view s) {
  const std::size_t last = s.find_last_not_of(" \t");
  return last == std::string_view::npos ? std::string_view() : s.substr(0, last + 1);
}

base::Unexpected<PasswordFileError> error_at(std::size_t line, std::string message) {
  return base::unexpected(PasswordFileError{line, std::move(message)});
}

// Hashed for users that are not in the file, so that a miss costs what a hit costs. Its hash is
// 64 zero bytes, which no password produces in practice; the answer is "no" regardless.
const PasswordHash& decoy() {
  static const PasswordHash kDecoy =
      PasswordHash::parse("$7$" + std::to_string(kDefaultIterations) + "$AAAAAAAAAAAAAAAA$" +
                          std::string(84, 'A') + "AA==")
          .value();
  return kDecoy;
}

// Walks a file's lines: blank and comment lines go to `keep(line)`, "username:rest" lines to
// `entry(number, line, username, rest)` after the checks both formats share (a colon, a username,
// not given before: `seen(username)` is the index of its earlier line, if any). `format` names the
// expected line in errors. Stops at the first error.
template <class Keep, class Seen, class Entry>
base::Expected<void, PasswordFileError> for_each_line(std::string_view text, std::string_view format, Keep keep,
                                                      Seen seen, Entry entry) {
  const std::vector<std::string_view> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t number = i + 1;
    const std::string_view line = lines[i];
    if (is_blank_or_comment(line)) {
      keep(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return error_at(number, "expected \"" + std::string(format) + "\"");
    const std::string_view username = line.substr(0, colon);
    if (username.empty()) return error_at(number, "empty username");
    if (const std::optional<std::size_t> earlier = seen(username)) {
      return error_at(number, "user \"" + std::string(username) + "\" is already on line " +
                                  std::to_string(*earlier + 1));
    }
    if (auto done = entry(number, line, username, line.substr(colon + 1)); !done) return done;
  }
  return {};
}

}  // namespace

bool PasswordFile::valid_username(std::string_view username) {
  return !username.empty() && username.find_first_of(":\r\n") == std::string_view::npos;
}

base::Expected<PasswordFile, PasswordFileError> PasswordFile::parse(std::string_view text) {
  PasswordFile file;
  auto done = for_each_line(
      text, "username:hash",
      [&](std::string_view line) { file.lines_.push_back(Line{std::string(line), {}, std::nullopt}); },
      [&](std::string_view username) { return file.line_of(username); },
      [&](std::size_t number, std::string_view line, std::string_view username,
          std::string_view rest) -> base::Expected<void, PasswordFileError> {
        auto hash = PasswordHash::parse(trim_right(rest));
        if (!hash) return error_at(number, "user \"" + std::string(username) + "\": " + hash.error());
        file.index_.emplace(std::string(username), file.lines_.size());
        file.lines_.push_back(Line{std::string(line), std::string(username), std::move(*hash)});
        return {};
      });
  if (!done) return base::unexpected(std::move(done.error()));
  return file;
}

base::Expected<PasswordFile, PasswordFileError> PasswordFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_at(0, "cannot open " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error_at(0, "cannot read " + path);
  return parse(text);
}

base::Expected<PasswordFile, PasswordFileError> PasswordFile::hash_plain_text(std::string_view text,
                                                                              HashAlgorithm algorithm,
                                                                              int iterations) {
  PasswordFile file;
  auto done = for_each_line(
      text, "username:password",
      [&](std::string_view line) { file.lines_.push_back(Line{std::string(line), {}, std::nullopt}); },
      [&](std::string_view username) { return file.line_of(username); },
      [&](std::size_t number, std::string_view, std::string_view username,
          std::string_view secret) -> base::Expected<void, PasswordFileError> {
        auto existing = PasswordHash::parse(secret);
        auto hash = existing ? std::move(existing) : PasswordHash::create(secret, algorithm, iterations);
        if (!hash) return error_at(number, hash.error());
        file.set(username, std::move(*hash));
        return {};
      });
  if (!done) return base::unexpected(std::move(done.error()));
  return file;
}

std::optional<std::size_t> PasswordFile::line_of(std::string_view username) const {
  const auto it = index_.find(username);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

const PasswordHash* PasswordFile::find(std::string_view username) const {
  const auto it = index_.find(username);
  if (it == index_.end()) return nullptr;
  return &*lines_[it->second].hash;
}

bool PasswordFile::verify(std::string_view username, std::string_view password) const {
  const PasswordHash* hash = find(username);
  if (hash == nullptr) {
    (void)decoy().verify(password);
    return false;
  }
  return hash->verify(password);
}

void PasswordFile::set(std::string_view username, PasswordHash hash) {
  std::string text = std::string(username) + ":" + hash.to_string();
  if (const auto it = index_.find(username); it != index_.end()) {
    Line& line = lines_[it->second];
    line.text = std::move(text);
    line.hash = std::move(hash);
    return;
  }
  index_.emplace(std::string(username), lines_.size());
  lines_.push_back(Line{std::move(text), std::string(username), std::move(hash)});
}

bool PasswordFile::remove(std::string_view username) {
  const auto it = index_.find(username);
  if (it == index_.end()) return false;
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(it->second));
  rebuild_index();
  return true;
}

void PasswordFile::rebuild_index() {
  index_.clear();
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (lines_[i].hash) index_.emplace(lines_[i].username, i);
  }
}

std::string PasswordFile::to_text() const {
  std::string text;
  for (const Line& line : lines_) {
    text += line.text;
    text += '\n';
  }
  return text;
}

}  // namespace pregon::auth
