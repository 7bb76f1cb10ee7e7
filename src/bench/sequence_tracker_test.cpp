#include "bench/sequence_tracker.hpp"

#include <gtest/gtest.h>

namespace pregon::bench {
namespace {

TEST(StreamTracker, InOrderOpensNoGaps) {
  StreamTracker t;
  for (uint64_t s = 0; s < 100; ++s) EXPECT_EQ(t.record(s), Arrival::InOrder);
  EXPECT_EQ(t.distinct(), 100u);
  EXPECT_EQ(t.open_gaps(), 0u);
  EXPECT_EQ(t.next(), 100u);
}

TEST(StreamTracker, DuplicatesAreCountedOnce) {
  StreamTracker t;
  t.record(0);
  t.record(1);
  EXPECT_EQ(t.record(1), Arrival::Duplicate);
  EXPECT_EQ(t.record(0), Arrival::Duplicate);
  EXPECT_EQ(t.distinct(), 2u);
  EXPECT_EQ(t.duplicates(), 2u);
}

TEST(StreamTracker, LateArrivalsFillGapsAsReordered) {
  StreamTracker t;
  t.record(0);
  t.record(5);  // gap 1..4
  EXPECT_EQ(t.open_gaps(), 1u);
  EXPECT_EQ(t.record(3), Arrival::Reordered);  // splits into 1..2 and 4
  EXPECT_EQ(t.open_gaps(), 2u);
  EXPECT_EQ(t.record(1), Arrival::Reordered);
  EXPECT_EQ(t.record(2), Arrival::Reordered);
  EXPECT_EQ(t.record(4), Arrival::Reordered);
  EXPECT_EQ(t.open_gaps(), 0u);
  EXPECT_EQ(t.record(4), Arrival::Duplicate);
  EXPECT_EQ(t.distinct(), 6u);
  EXPECT_EQ(t.reordered(), 4u);
  EXPECT_EQ(t.duplicates(), 1u);
}

TEST(StreamTracker, UnfilledGapsAndTailAreLoss) {
  StreamTracker t;
  t.record(0);
  t.record(2);
  const uint64_t sent = 5;  // 0..4 sent; 1, 3 and 4 never arrive
  EXPECT_EQ(sent - t.distinct(), 3u);
}

TEST(StreamTracker, GapListIsBounded) {
  StreamTracker t;
  for (uint64_t s = 0; s < 2 * StreamTracker::kMaxGaps * 2; s += 2) t.record(s);
  EXPECT_EQ(t.open_gaps(), StreamTracker::kMaxGaps);
  EXPECT_EQ(t.record(1), Arrival::Duplicate);  // its gap was given up
}

TEST(SequenceTracker, StreamsPerPublisher) {
  SequenceTracker t(10, 3);
  EXPECT_TRUE(t.knows(10));
  EXPECT_TRUE(t.knows(12));
  EXPECT_FALSE(t.knows(13));
  EXPECT_FALSE(t.knows(9));
  t.record(10, 0);
  t.record(11, 0);
  t.record(11, 0);
  t.record(12, 1);
  t.record(12, 0);
  EXPECT_EQ(t.distinct(), 4u);
  EXPECT_EQ(t.duplicates(), 1u);
  EXPECT_EQ(t.reordered(), 1u);
}

}  // namespace
}  // namespace pregon::bench
