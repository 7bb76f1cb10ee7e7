#include "bench/sequence_tracker.hpp"

#include <algorithm>

namespace pregon::bench {

Arrival StreamTracker::record(uint64_t sequence) {
  if (sequence >= next_) {
    if (sequence > next_) {
      if (gaps_.size() == kMaxGaps) gaps_.erase(gaps_.begin());
      gaps_.push_back(Gap{next_, sequence});
    }
    next_ = sequence + 1;
    ++distinct_;
    return Arrival::InOrder;
  }
  // Below the highest seen: it fills a gap, or it is a repeat.
  auto it = std::upper_bound(gaps_.begin(), gaps_.end(), sequence,
                             [](uint64_t s, const Gap& g) { return s < g.end; });
  if (it == gaps_.end() || sequence < it->first) {
    ++duplicates_;
    return Arrival::Duplicate;
  }
  if (sequence == it->first && sequence + 1 == it->end) {
    gaps_.erase(it);
  } else if (sequence == it->first) {
    ++it->first;
  } else if (sequence + 1 == it->end) {
    --it->end;
  } else {
    const Gap upper{sequence + 1, it->end};
    it->end = sequence;
    gaps_.insert(it + 1, upper);
  }
  ++distinct_;
  ++reordered_;
  return Arrival::Reordered;
}

uint64_t SequenceTracker::distinct() const {
  uint64_t n = 0;
  for (const auto& s : streams_) n += s.distinct();
  return n;
}

uint64_t SequenceTracker::duplicates() const {
  uint64_t n = 0;
  for (const auto& s : streams_) n += s.duplicates();
  return n;
}

uint64_t SequenceTracker::reordered() const {
  uint64_t n = 0;
  for (const auto& s : streams_) n += s.reordered();
  return n;
}

}  // namespace pregon::bench
