// Topic names and topic filters: validation, the "$share/{ShareName}/{filter}" form, the level
// splitter used by the trees, and topic_matches(), the reference matcher every tree is tested
// against. Pure functions over string views: no allocation, no state, safe from any thread.
//
// Spec ids: the two versions number some statements differently. We cite the 3.1.1 id first and
// the 5.0 id in parentheses where they differ:
//   no wildcard in a Topic Name    [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1])
//   '#' alone and last             [MQTT-4.7.1-2] (5.0: [MQTT-4.7.1-1])
//   '+' occupies a whole level     [MQTT-4.7.1-3] (5.0: [MQTT-4.7.1-2])
// Well-formed UTF-8 is checked by the codec when the string is decoded; here we only add the
// topic-specific rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string_view>

#include "base/expected.hpp"

namespace pregon::routing {

// [MQTT-4.7.3-3] A UTF-8 encoded string carries a two-byte length.
inline constexpr std::size_t kMaxTopicLength = 65535;

inline constexpr std::string_view kSharePrefix = "$share/";

// The hash that routing indexes topics by (the match cache, ShardInterest's slots). A message's is
// computed once where it is built (Message::topic_hash) and used on whichever thread routes it, and
// a filter without wildcards is counted by the same value, so every user goes through this one.
inline uint32_t topic_hash(std::string_view topic) {
  return static_cast<uint32_t>(std::hash<std::string_view>{}(topic));
}

// A Topic Name as carried by PUBLISH (and the Will Topic). An empty name is invalid here; the 5.0
// "empty name plus Topic Alias" case is resolved by the session before routing sees the name.
// [MQTT-4.7.3-1] non-empty, [MQTT-4.7.3-2] no U+0000, [MQTT-4.7.3-3] at most 65535 bytes,
// [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1]) no '+' or '#'.
bool valid_topic_name(std::string_view name);

// A Topic Filter as carried by SUBSCRIBE/UNSUBSCRIBE, without any "$share/" interpretation: a
// shared filter such as "$share/g/a/#" is also a syntactically valid ordinary filter.
// [MQTT-4.7.3-1..3], '#' alone in the last level [MQTT-4.7.1-2], '+' alone in its level
// [MQTT-4.7.1-3].
bool valid_topic_filter(std::string_view filter);

// True when `full` starts with "$share/", i.e. the 5.0 server must treat it as a shared
// subscription (and reject it when the rest is malformed).
constexpr bool is_shared_filter(std::string_view full) { return full.starts_with(kSharePrefix); }

// "$share/{group}/{filter}", split. Both views point into the string that was parsed.
struct SharedFilter {
  std::string_view group;
  std::string_view filter;
};

// The SharedFilter when `full` is a well-formed shared subscription, nullopt otherwise (not
// shared, or shared but malformed: use parse_subscription_filter() to tell the two apart).
std::optional<SharedFilter> parse_shared(std::string_view full);

enum class FilterError : std::uint8_t {
  kInvalidFilter,     // breaks [MQTT-4.7.1-*] or [MQTT-4.7.3-*]
  kInvalidShareName,  // "$share/" with an empty ShareName or one holding '+', '#' [MQTT-4.8.2-1/2]
  kMissingSharedFilter,  // "$share/{group}" with no '/' and filter after it [MQTT-4.8.2-2]
};

// What a SUBSCRIBE/UNSUBSCRIBE filter denotes. `group` is empty for an ordinary subscription
// (a valid ShareName never is). Views point into the parsed string.
struct SubscriptionFilter {
  std::string_view filter;
  std::string_view group;
  bool shared() const { return !group.empty(); }
};

// Classifies a filter as received from a 5.0 client: "$share/..." must be a well-formed shared
// subscription, anything else a valid ordinary filter. Every error maps to reason code 0x8F
// (Topic Filter invalid). 3.1.1 has no shared subscriptions: a broker that wants to keep the 3.1.1
// meaning uses valid_topic_filter() for those clients instead.
base::Expected<SubscriptionFilter, FilterError> parse_subscription_filter(std::string_view full);

// The reference matcher. Preconditions: valid_topic_filter(filter) and valid_topic_name(topic);
// outside them the result is unspecified but the call is memory-safe.
// Levels are compared byte for byte, with no normalisation [MQTT-4.7.3-4]. '#' also matches the
// parent level ("a/#" matches "a") [MQTT-4.7.1-2]. A topic beginning with '$' is not matched by
// a filter whose first character is '+' or '#' [MQTT-4.7.2-1].
bool topic_matches(std::string_view filter, std::string_view topic);

// The levels of a topic name or filter, split at '/', as views into the string; no allocation.
// "a/b" gives "a","b"; "/a" gives "","a"; "a/" gives "a",""; "" gives one empty level.
//   for (std::string_view level : TopicLevels(topic)) ...
class TopicLevels {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string_view*;
    using reference = std::string_view;

    Iterator() = default;
    std::string_view operator*() const { return text_.substr(begin_, end_ - begin_); }
    Iterator& operator++() {
      if (end_ == text_.size()) {
        begin_ = kDone;
        end_ = kDone;
      } else {
        begin_ = end_ + 1;
        end_ = find_end(text_, begin_);
      }
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    // True when this level is the last one.
    bool last() const { return end_ == text_.size(); }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.begin_ == b.begin_; }

   private:
    friend class TopicLevels;
    static constexpr std::size_t kDone = static_cast<std::size_t>(-1);
    static std::size_t find_end(std::string_view text, std::size_t from) {
      const std::size_t slash = text.find('/', from);
      return slash == std::string_view::npos ? text.size() : slash;
    }
    Iterator(std::string_view text, std::size_t begin)
        : text_(text), begin_(begin), end_(begin == kDone ? kDone : find_end(text, begin)) {}

    std::string_view text_;
    std::size_t begin_ = kDone;
    std::size_t end_ = kDone;
  };

  explicit TopicLevels(std::string_view text) : text_(text) {}
  Iterator begin() const { return Iterator(text_, 0); }
  Iterator end() const { return Iterator(text_, Iterator::kDone); }

 private:
  std::string_view text_;
};

}  // namespace pregon::routing
