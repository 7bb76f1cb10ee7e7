#include "broker/shard_interest.hpp"

#include "protocol/topic_name.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

ShardInterest::ShardInterest(unsigned shards) : shards_(std::make_unique<Shard[]>(shards)) {
  for (unsigned k = 0; k < shards; ++k) shards_[k].exact = std::make_unique<std::atomic<uint32_t>[]>(kSlots);
}

void ShardInterest::change(unsigned shard, std::string_view filter, int delta) {
  Shard& s = shards_[shard];
  if (protocol::has_wildcard(filter)) {
    s.wildcards.fetch_add(delta, std::memory_order_acq_rel);
  } else {
    s.exact[slot_of(routing::topic_hash(filter))].fetch_add(static_cast<uint32_t>(delta), std::memory_order_acq_rel);
  }
}

}  // namespace pregon::broker
