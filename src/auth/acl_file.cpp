#include "auth/acl_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "routing/topic.hpp"

namespace pregon::auth {
namespace {

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const std::size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// Splits "word rest" at the first blank; rest is trimmed, and empty when there is no blank.
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
  const std::size_t blank = s.find_first_of(" \t");
  if (blank == std::string_view::npos) return {s, {}};
  return {s.substr(0, blank), trim(s.substr(blank))};
}

std::optional<Access> access_named(std::string_view word) {
  if (word == "read") return Access::kRead;
  if (word == "write") return Access::kWrite;
  if (word == "readwrite") return Access::kReadWrite;
  if (word == "deny") return Access::kDeny;
  return std::nullopt;
}

bool grants(Access line, Access wanted) {
  return line == wanted || (line == Access::kReadWrite && wanted != Access::kDeny);
}

base::Unexpected<AclError> error_at(std::size_t line, std::string message) {
  return base::unexpected(AclError{line, std::move(message)});
}

}  // namespace

base::Expected<Acl, AclError> Acl::parse(std::string_view text) {
  Acl acl;
  std::vector<Rule>* section = &acl.anonymous_;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;

    const auto [keyword, rest] = first_word(line);
    if (keyword == "user") {
      if (rest.empty()) return error_at(number, "`user` needs a username");
      section = &acl.users_.try_emplace(std::string(rest)).first->second;
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      return error_at(number, fmt::format("unknown keyword \"{}\" (expected user, topic or pattern)", keyword));
    }
    const bool pattern = keyword == "pattern";
    Access access = Access::kReadWrite;
    std::string_view filter = rest;
    const auto [word, after] = first_word(rest);
    if (const std::optional<Access> named = access_named(word)) {
      if (after.empty()) return error_at(number, fmt::format("`{} {}` needs a topic filter", keyword, word));
      access = *named;
      filter = after;
    }
    if (filter.empty()) return error_at(number, fmt::format("`{}` needs a topic filter", keyword));
    // [MQTT-4.7.1-2], [MQTT-4.7.1-3], [MQTT-4.7.3-*]: the line is matched as a subscription filter
    // would be, so it has to be one.
    if (!routing::valid_topic_filter(filter)) {
      return error_at(number, fmt::format("invalid topic filter \"{}\"", filter));
    }
    Rule rule{access, AclFilter::compile(filter, pattern), pattern};
    (pattern ? acl.patterns_ : *section).push_back(std::move(rule));
  }
  return acl;
}

base::Expected<Acl, AclError> Acl::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_at(0, "cannot open " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error_at(0, "cannot read " + path);
  return parse(text);
}

template <class F>
void Acl::for_each_rule(const Identity& identity, F&& f) const {
  const std::vector<Rule>* own = &anonymous_;
  if (identity.username) {
    const auto it = users_.find(*identity.username);
    own = it == users_.end() ? nullptr : &it->second;
  }
  if (own != nullptr) {
    for (const Rule& rule : *own) {
      if (!f(rule)) return;
    }
  }
  for (const Rule& rule : patterns_) {
    if (!rule.filter.applies_to(identity)) continue;
    // A grant reached only because the client's name begins with '$' is no grant; a deny still
    // counts (it can only take access away).
    if (rule.access != Access::kDeny && rule.filter.reaches_dollar_topics_through_substitution(identity)) continue;
    if (!f(rule)) return;
  }
}

bool Acl::may_access(const Identity& identity, std::string_view topic, Access wanted) const {
  if (!routing::valid_topic_name(topic)) return false;
  bool denied = false;
  bool granted = false;
  for_each_rule(identity, [&](const Rule& rule) {
    if (rule.access == Access::kDeny) {
      denied = rule.filter.matches(identity, topic);
    } else if (!granted && grants(rule.access, wanted)) {
      granted = rule.filter.matches(identity, topic);
    }
    return !denied;
  });
  return granted && !denied;
}

bool Acl::may_publish(const Identity& identity, std::string_view topic) const {
  return may_access(identity, topic, Access::kWrite);
}

bool Acl::may_receive(const Identity& identity, std::string_view topic) const {
  return may_access(identity, topic, Access::kRead);
}

bool Acl::may_subscribe(const Identity& identity, std::string_view filter) const {
  if (!routing::valid_topic_filter(filter)) return false;
  bool denied = false;
  bool granted = false;
  for_each_rule(identity, [&](const Rule& rule) {
    if (rule.access == Access::kDeny) {
      denied = rule.filter.intersects(identity, filter);
    } else if (!granted && grants(rule.access, Access::kRead)) {
      granted = rule.filter.covers(identity, filter);
    }
    return !denied;
  });
  return granted && !denied;
}

}  // namespace pregon::auth
