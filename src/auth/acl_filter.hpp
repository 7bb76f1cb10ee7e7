// One topic filter from an ACL file, compiled into levels, and the three questions an ACL asks of
// it. A `pattern` line's filter may hold "%u" (username) and "%c" (client id) anywhere inside a
// level; they are filled in per client and the filled-in text is only ever compared byte for byte
// with one level of a topic or filter. So an identity value never acts as a wildcard: a username
// "+" or "#" matches only a level spelled "+" or "#" (which no topic name has, and which in a
// requested filter is a wildcard, not that text), and a username "a/b" never equals a level
// (levels hold no '/'), so it cannot reach across levels; such a rule simply matches nothing.
//
// Matching follows the MQTT rules: '+' one whole level, '#' the rest including the parent level
// [MQTT-4.7.1-2] (5.0: [MQTT-4.7.1-1]), [MQTT-4.7.1-3] (5.0: [MQTT-4.7.1-2]); levels compared byte
// for byte [MQTT-4.7.3-4]; a topic starting with '$' is not matched by a filter starting with a
// wildcard [MQTT-4.7.2-1].
//
// Immutable after compile(); const methods are safe from any thread. matches() allocates nothing;
// covers()/intersects() build the level list of the requested filter (subscribe time only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"

namespace pregon::auth {

class AclFilter {
 public:
  // Precondition: routing::valid_topic_filter(text). With `substitute`, "%u" and "%c" are
  // placeholders; without, every character is literal (a `topic` line).
  static AclFilter compile(std::string_view text, bool substitute);

  // False when the filter uses "%u" (or "%c") and the identity has no username (client id): the
  // rule does not apply to that client at all.
  bool applies_to(const Identity& identity) const;

  // True when a substituted value starts the first level with '$' (username "$SYS" and the
  // pattern "%u/#"). An identity must not be able to reach the server's "$" topics by its name.
  bool reaches_dollar_topics_through_substitution(const Identity& identity) const;

  // Preconditions for the three: applies_to(identity); `topic` a valid topic name, `filter` a
  // valid topic filter (both without any "$share/{group}/" prefix).
  bool matches(const Identity& identity, std::string_view topic) const;
  // Every topic `filter` can match is matched by this filter.
  bool covers(const Identity& identity, std::string_view filter) const;
  // Some topic is matched both by `filter` and by this filter.
  bool intersects(const Identity& identity, std::string_view filter) const;

  const std::string& text() const { return text_; }

 private:
  struct Piece {
    enum class Kind : std::uint8_t { kText, kUsername, kClientId };
    Kind kind = Kind::kText;
    std::string text;  // for kText
  };
  struct Level {
    enum class Kind : std::uint8_t { kExact, kPlus, kHash };
    Kind kind = Kind::kExact;
    std::vector<Piece> pieces;  // for kExact: the level is their concatenation
  };

  static std::string_view value_of(const Piece& piece, const Identity& identity);
  static bool level_equals(const Level& level, const Identity& identity, std::string_view text);
  static bool level_starts_with_dollar(const Level& level, const Identity& identity);

  std::string text_;
  std::vector<Level> levels_;
  bool uses_username_ = false;
  bool uses_client_id_ = false;
};

}  // namespace pregon::auth
