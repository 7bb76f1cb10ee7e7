// Per-stream ordering bookkeeping for a subscriber: for each publisher it hears from, which sequence
// numbers arrived, to count duplicates and reordering, and in the end loss. Pure; allocates only when
// a gap opens (a message skipped), never for in-order traffic. Not thread-safe: one per subscriber.
//
// Loss is the part of what was sent that never arrived: sent - distinct received, which also counts
// the tail that no later message revealed as a gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pregon::bench {

enum class Arrival {
  InOrder,    // the next expected sequence number, or one beyond it (opening a gap)
  Reordered,  // lower than one already seen, filling a gap
  Duplicate,  // seen before
};

// One publisher's messages as seen by one subscriber.
class StreamTracker {
 public:
  // Gaps kept exactly; beyond this many, the oldest is given up as lost (and a late arrival into it
  // then counts as a duplicate), which bounds memory under heavy QoS 0 loss.
  static constexpr size_t kMaxGaps = 4096;

  Arrival record(uint64_t sequence);

  uint64_t next() const { return next_; }        // one past the highest sequence seen
  uint64_t distinct() const { return distinct_; }  // distinct sequence numbers seen
  uint64_t duplicates() const { return duplicates_; }
  uint64_t reordered() const { return reordered_; }
  size_t open_gaps() const { return gaps_.size(); }

 private:
  struct Gap {
    uint64_t first;
    uint64_t end;  // one past the last missing number
  };
  std::vector<Gap> gaps_;  // ascending, disjoint
  uint64_t next_ = 0;
  uint64_t distinct_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t reordered_ = 0;
};

// The streams of one subscriber, indexed by publisher index - first_publisher.
class SequenceTracker {
 public:
  SequenceTracker(uint32_t first_publisher, uint32_t publishers)
      : first_(first_publisher), streams_(publishers) {}

  // False when the publisher is not one this subscriber listens to (unsigned wrap covers "below").
  bool knows(uint32_t publisher) const { return size_t{publisher - first_} < streams_.size(); }
  Arrival record(uint32_t publisher, uint64_t sequence) { return streams_[publisher - first_].record(sequence); }
  const StreamTracker& stream(uint32_t publisher) const { return streams_[publisher - first_]; }
  uint32_t first_publisher() const { return first_; }
  uint32_t publishers() const { return static_cast<uint32_t>(streams_.size()); }

  uint64_t distinct() const;
  uint64_t duplicates() const;
  uint64_t reordered() const;

 private:
  uint32_t first_;
  std::vector<StreamTracker> streams_;
};

}  // namespace pregon::bench
