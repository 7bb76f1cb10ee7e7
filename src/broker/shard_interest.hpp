// ShardInterest: which topics the other shards may have subscribers for, so that a message goes
// only to the shards where it might match instead of to every one (each shard matches a message
// against its own subscriptions; with several shards that was most of the cost of the extra ones).
//
// A shard counts the memberships of each filter in its own subscription tree (ordinary
// subscriptions and the shared groups it owns) and tells every other shard when a filter gains its
// first member or loses its last, in a task posted to them. A receiver keeps, per sender, the set
// of wildcard-free filters and the number of filters with a wildcard: a topic may match there when
// that number is not 0 or the set holds the topic itself. The task is posted before the SUBACK
// goes out, and a loop runs its tasks before the socket events of the same pass, so a PUBLISH
// caused by that SUBACK finds the filter known.
//
// Ownership: one per shard. Thread-safety: none; each instance is used on its shard's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "routing/level_map.hpp"

namespace pregon::broker {

class ShardInterest {
 public:
  explicit ShardInterest(unsigned shards) : known_(shards) {}

  // This shard's tree gained (+1) or lost (-1) a membership of `filter`. True when the filter
  // appeared or disappeared, which the other shards must be told.
  bool count(std::string_view filter, int delta);

  // What shard `from` said about one of its filters.
  void learn(unsigned from, std::string_view filter, bool present);

  // Whether shard `k` may have a subscription matching `topic`.
  bool may_match(unsigned k, std::string_view topic) const {
    const Known& s = known_[k];
    return s.wildcards != 0 || (!s.exact.empty() && s.exact.contains(topic));
  }

 private:
  struct Known {
    std::unordered_set<std::string, routing::LevelHash, std::equal_to<>> exact;
    uint64_t wildcards = 0;
  };
  routing::LevelMap<uint64_t> own_;  // this shard's filters: memberships of each
  std::vector<Known> known_;         // by shard; this shard's entry stays empty
};

}  // namespace pregon::broker
