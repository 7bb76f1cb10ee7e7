// ShardInterest: which shards may hold a subscription matching a topic, so that a message goes only
// to the shards where it might match instead of to every one (each shard matches a message against
// its own subscriptions; with several shards that was most of the cost of the extra ones).
//
// Per shard, it counts the subscriptions that decide where a message must go: the shard's own
// ordinary subscriptions, and the shared subscriptions whose group that shard owns. Those with a
// wildcard are only counted; those without are counted in a table indexed by the filter's hash (a
// counting filter). A topic may match on a shard when that shard has a wildcard subscription or the
// topic's slot is not 0; two filters sharing a slot cost a needless hand-over, never a message.
//
// Every count changes on the subscribing session's thread before its SUBACK is written, so a
// PUBLISH sent after that SUBACK, read from its socket later on whichever thread, finds it (the
// socket writes and reads in between order the memory accesses).
//
// Ownership: one per broker, in BrokerState. Thread-safety: any thread may change and read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace pregon::broker {

class ShardInterest {
 public:
  explicit ShardInterest(unsigned shards);

  // Shard `shard` gained (+1) or lost (-1) a subscription to `filter` that messages must reach.
  void change(unsigned shard, std::string_view filter, int delta);

  // The slot that a topic's wildcard-free subscriptions are counted in, from routing::topic_hash.
  static size_t slot_of(uint32_t topic_hash) { return topic_hash & (kSlots - 1); }

  // Whether shard `k` may have a subscription matching the topic in `slot`.
  bool may_match(unsigned k, size_t slot) const {
    const Shard& s = shards_[k];
    return s.wildcards.load(std::memory_order_acquire) != 0 || s.exact[slot].load(std::memory_order_acquire) != 0;
  }

 private:
  // 64 KiB per shard: few enough collisions for tens of thousands of distinct topics.
  static constexpr size_t kSlots = size_t{1} << 14;
  struct alignas(64) Shard {
    std::atomic<int64_t> wildcards{0};
    std::unique_ptr<std::atomic<uint32_t>[]> exact;
  };
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace pregon::broker
