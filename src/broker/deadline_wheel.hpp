// DeadlineWheel: the shard's clients filed by when they may next fall due (connect timeout,
// keep-alive), in buckets one period wide, so that a sweep looks at the bucket whose time has come
// instead of at every client. A bucket is visited once its period is over, so nothing in it is due
// early; a client is unfiled before it is visited and filed again if it is still to be watched (its
// keep-alive moved on since it was filed, say). A deadline further ahead than the wheel reaches is
// filed in its last bucket and refiled from there.
//
// Intrusive: a filed item's place (bucket and index) is kept in the item itself, `wheel_bucket`
// and `wheel_index`, so that removing it is O(1) and filing allocates nothing once the buckets
// have grown.
// Thread-safety: none; one shard's thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "base/indexed_vector.hpp"

namespace pregon::broker {

template <class Item>
class DeadlineWheel {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  static constexpr uint16_t kUnfiled = UINT16_MAX;

  DeadlineWheel(Clock::duration period, uint16_t buckets) : period_(period), buckets_(buckets) {}

  // Files `item` (not filed now) to be visited once `due` has passed; `now` is the current time.
  void file(Item& item, TimePoint due, TimePoint now) {
    start(now);
    uint64_t target = std::max(slot_of(due) + 1, next_slot_);
    target = std::min<uint64_t>(target, next_slot_ + buckets_.size() - 1);
    item.wheel_bucket = static_cast<uint16_t>(target % buckets_.size());
    base::push_indexed(buckets_[item.wheel_bucket], &item, item, &Item::wheel_index);
  }

  // Unfiles `item`; nothing when it is not filed.
  void remove(Item& item) {
    if (item.wheel_bucket == kUnfiled) return;
    base::remove_indexed(buckets_[item.wheel_bucket], item, &Item::wheel_index);
    item.wheel_bucket = kUnfiled;
  }

  // Visits (unfiled) every item of every bucket whose period ended by `now`, each bucket at most
  // once per call. `visit(Item&)` may file the item again and may file or remove others.
  template <class Visit>
  void advance(TimePoint now, Visit visit) {
    start(now);
    const uint64_t current = slot_of(now);
    if (current < next_slot_) return;
    uint64_t slot = current - next_slot_ >= buckets_.size() ? current - buckets_.size() + 1 : next_slot_;
    for (; slot <= current; ++slot) {
      visiting_.swap(buckets_[slot % buckets_.size()]);
      for (Item* item : visiting_) item->wheel_bucket = kUnfiled;
      next_slot_ = slot + 1;  // what a visit files goes after this bucket
      // By index: a visit may remove a later item of this batch (it is then unfiled already).
      for (size_t i = 0; i < visiting_.size(); ++i) visit(*visiting_[i]);
      visiting_.clear();  // keeps the capacity
    }
  }

  size_t size() const {
    size_t n = 0;
    for (const auto& b : buckets_) n += b.size();
    return n;
  }

 private:
  uint64_t slot_of(TimePoint t) const {
    const auto since = t.time_since_epoch();
    return since.count() <= 0 ? 0 : static_cast<uint64_t>(since / period_);
  }
  void start(TimePoint now) {
    if (next_slot_ == 0) next_slot_ = slot_of(now);
  }

  Clock::duration period_;
  std::vector<std::vector<Item*>> buckets_;
  std::vector<Item*> visiting_;
  uint64_t next_slot_ = 0;  // the first slot not visited yet; 0 until the first call
};

}  // namespace pregon::broker
