#include "auth/acl_filter.hpp"

#include "routing/topic.hpp"

namespace pregon::auth {
namespace {

constexpr std::string_view kUsernamePlaceholder = "%u";
constexpr std::string_view kClientIdPlaceholder = "%c";

std::vector<std::string_view> levels_of(std::string_view text) {
  std::vector<std::string_view> levels;
  for (std::string_view level : routing::TopicLevels(text)) levels.push_back(level);
  return levels;
}

bool is_dollar_level(std::string_view level) { return level.starts_with('$'); }

}  // namespace

AclFilter AclFilter::compile(std::string_view text, bool substitute) {
  AclFilter filter;
  filter.text_ = std::string(text);
  for (std::string_view level : routing::TopicLevels(text)) {
    Level compiled;
    if (level == "+") {
      compiled.kind = Level::Kind::kPlus;
    } else if (level == "#") {
      compiled.kind = Level::Kind::kHash;
    } else {
      std::string literal;
      std::size_t i = 0;
      while (i < level.size()) {
        const std::string_view rest = level.substr(i);
        const bool user = substitute && rest.starts_with(kUsernamePlaceholder);
        const bool client = substitute && rest.starts_with(kClientIdPlaceholder);
        if (!user && !client) {
          literal += level[i++];
          continue;
        }
        if (!literal.empty()) compiled.pieces.push_back(Piece{Piece::Kind::kText, std::move(literal)});
        literal.clear();
        compiled.pieces.push_back(Piece{user ? Piece::Kind::kUsername : Piece::Kind::kClientId, {}});
        filter.uses_username_ |= user;
        filter.uses_client_id_ |= client;
        i += 2;
      }
      if (!literal.empty() || compiled.pieces.empty()) {
        compiled.pieces.push_back(Piece{Piece::Kind::kText, std::move(literal)});
      }
    }
    filter.levels_.push_back(std::move(compiled));
  }
  return filter;
}

bool AclFilter::applies_to(const Identity& identity) const {
  return (!uses_username_ || identity.username.has_value()) && (!uses_client_id_ || identity.client_id.has_value());
}

std::string_view AclFilter::value_of(const Piece& piece, const Identity& identity) {
  switch (piece.kind) {
    case Piece::Kind::kText: return piece.text;
    case Piece::Kind::kUsername: return identity.username.value_or(std::string_view());
    case Piece::Kind::kClientId: return identity.client_id.value_or(std::string_view());
  }
  return {};
}

// The concatenated pieces compared with `text`, piece by piece, without building the string. A
// substituted value is plain bytes here, whatever characters it holds.
bool AclFilter::level_equals(const Level& level, const Identity& identity, std::string_view text) {
  for (const Piece& piece : level.pieces) {
    const std::string_view value = value_of(piece, identity);
    if (!text.starts_with(value)) return false;
    text.remove_prefix(value.size());
  }
  return text.empty();
}

bool AclFilter::level_starts_with_dollar(const Level& level, const Identity& identity) {
  if (level.kind != Level::Kind::kExact) return false;
  for (const Piece& piece : level.pieces) {
    const std::string_view value = value_of(piece, identity);
    if (!value.empty()) return value.front() == '$';
  }
  return false;
}

bool AclFilter::reaches_dollar_topics_through_substitution(const Identity& identity) const {
  if (levels_.empty() || levels_.front().kind != Level::Kind::kExact) return false;
  for (const Piece& piece : levels_.front().pieces) {
    const std::string_view value = value_of(piece, identity);
    if (value.empty()) continue;
    return piece.kind != Piece::Kind::kText && value.front() == '$';
  }
  return false;
}

// covers() with a wildcard-free request, walked in place: this runs for every delivered message,
// so it allocates nothing.
bool AclFilter::matches(const Identity& identity, std::string_view topic) const {
  const routing::TopicLevels levels(topic);
  auto it = levels.begin();
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    const Level& own = levels_[i];
    if (own.kind == Level::Kind::kHash) return !(i == 0 && is_dollar_level(*levels.begin()));  // [MQTT-4.7.2-1]
    if (it == levels.end()) return false;
    const std::string_view level = *it;
    if (own.kind == Level::Kind::kPlus) {
      if (i == 0 && is_dollar_level(level)) return false;  // [MQTT-4.7.2-1]
    } else if (!level_equals(own, identity, level)) {
      return false;
    }
    ++it;
  }
  return it == levels.end();
}

bool AclFilter::covers(const Identity& identity, std::string_view filter) const {
  const std::vector<std::string_view> request = levels_of(filter);
  std::size_t i = 0;
  for (; i < levels_.size(); ++i) {
    const Level& own = levels_[i];
    if (own.kind == Level::Kind::kHash) {
      // '#' takes every remaining level and the parent [MQTT-4.7.1-2]; but a leading '#' takes
      // no "$" topic [MQTT-4.7.2-1], so it cannot cover a request naming one.
      return !(i == 0 && is_dollar_level(request.front()));
    }
    if (i >= request.size()) return false;  // the request ends where we still need a level
    const std::string_view asked = request[i];
    if (asked == "#") return false;  // the request reaches any depth; only '#' here covers that
    if (own.kind == Level::Kind::kPlus) {
      if (i == 0 && is_dollar_level(asked)) return false;  // [MQTT-4.7.2-1]
      continue;
    }
    if (asked == "+") return false;  // one exact level cannot cover every level
    if (!level_equals(own, identity, asked)) return false;
  }
  return i == request.size();
}

bool AclFilter::intersects(const Identity& identity, std::string_view filter) const {
  const std::vector<std::string_view> request = levels_of(filter);
  for (std::size_t i = 0;; ++i) {
    const bool own_done = i == levels_.size();
    const bool request_done = i == request.size();
    if (own_done && request_done) return true;
    if (own_done) return request[i] == "#";  // "a" and "a/#" share the topic "a"
    if (request_done) return levels_[i].kind == Level::Kind::kHash;
    const Level& own = levels_[i];
    const std::string_view asked = request[i];
    const bool own_wild = own.kind != Level::Kind::kExact;
    const bool asked_wild = asked == "+" || asked == "#";
    // [MQTT-4.7.2-1]: a leading wildcard meets no "$" topic, so it shares nothing with a filter
    // whose first level names one.
    if (i == 0 && own_wild && !asked_wild && is_dollar_level(asked)) return false;
    if (i == 0 && asked_wild && !own_wild && level_starts_with_dollar(own, identity)) return false;
    if (own.kind == Level::Kind::kHash || asked == "#") return true;
    if (own_wild || asked_wild) continue;
    if (!level_equals(own, identity, asked)) return false;
  }
}

}  // namespace pregon::auth
