#include "routing/topic.hpp"

#include "protocol/topic_name.hpp"

namespace pregon::routing {
namespace {

// Rules shared by names and filters: [MQTT-4.7.3-1] non-empty, [MQTT-4.7.3-2] no U+0000,
// [MQTT-4.7.3-3] at most 65535 bytes. U+0000 is encoded as the single byte 0x00 in well-formed
// UTF-8, so a byte search is exact.
bool valid_topic_string(std::string_view s) {
  return !s.empty() && s.size() <= kMaxTopicLength && s.find('\0') == std::string_view::npos;
}

}  // namespace

bool valid_topic_name(std::string_view name) {
  // [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1]) wildcards are for filters only.
  return valid_topic_string(name) && !protocol::has_wildcard(name);
}

bool valid_topic_filter(std::string_view filter) {
  if (!valid_topic_string(filter)) return false;
  const TopicLevels levels(filter);
  for (auto it = levels.begin(); it != levels.end(); ++it) {
    const std::string_view level = *it;
    if (level.size() > 1 && protocol::has_wildcard(level)) {
      return false;  // a wildcard sharing its level: "a+", "#b" [MQTT-4.7.1-2], [MQTT-4.7.1-3]
    }
    if (level == "#" && !it.last()) return false;  // '#' only in the last level [MQTT-4.7.1-2]
  }
  return true;
}

base::Expected<SubscriptionFilter, FilterError> parse_subscription_filter(std::string_view full) {
  if (!is_shared_filter(full)) {
    if (!valid_topic_filter(full)) return base::unexpected(FilterError::kInvalidFilter);
    return SubscriptionFilter{full, {}};
  }
  // The whole string obeys the general limits too, before we look inside it [MQTT-4.7.3-*].
  if (!valid_topic_string(full)) return base::unexpected(FilterError::kInvalidFilter);
  const std::string_view rest = full.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  // The ShareName ends at the first '/', so it cannot contain one [MQTT-4.8.2-2].
  const std::string_view group = rest.substr(0, slash);
  if (group.empty() || protocol::has_wildcard(group)) {
    return base::unexpected(FilterError::kInvalidShareName);  // [MQTT-4.8.2-1], [MQTT-4.8.2-2]
  }
  if (slash == std::string_view::npos) {
    return base::unexpected(FilterError::kMissingSharedFilter);  // [MQTT-4.8.2-2]
  }
  const std::string_view filter = rest.substr(slash + 1);
  if (!valid_topic_filter(filter)) return base::unexpected(FilterError::kInvalidFilter);
  return SubscriptionFilter{filter, group};
}

std::optional<SharedFilter> parse_shared(std::string_view full) {
  if (!is_shared_filter(full)) return std::nullopt;
  auto parsed = parse_subscription_filter(full);
  if (!parsed) return std::nullopt;
  return SharedFilter{parsed->group, parsed->filter};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  // [MQTT-4.7.2-1] "$SYS/..." and friends are invisible to "#", "+/...".
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  const TopicLevels filter_levels(filter);
  const TopicLevels topic_levels(topic);
  auto f = filter_levels.begin();
  auto t = topic_levels.begin();
  for (;;) {
    if (f == filter_levels.end()) return t == topic_levels.end();
    // '#' matches whatever is left, including nothing: "a/#" matches "a" [MQTT-4.7.1-2].
    if (*f == "#") return true;
    if (t == topic_levels.end()) return false;
    // [MQTT-4.7.3-4] byte comparison, no normalisation.
    if (*f != "+" && *f != *t) return false;
    ++f;
    ++t;
  }
}

}  // namespace pregon::routing
