#include "base/ring_deque.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>

namespace pregon::base {
namespace {

TEST(RingDeque, HoldsNoMemoryUntilFirstPush) {
  RingDeque<std::shared_ptr<int>> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.begin(), q.end());
}

TEST(RingDeque, BehavesLikeStdDequeUnderRandomOperations) {
  std::mt19937 rng(7);
  RingDeque<int> q;
  std::deque<int> ref;
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 5 || ref.empty()) {
      q.push_back(step);
      ref.push_back(step);
    } else if (op < 8) {
      q.pop_front();
      ref.pop_front();
    } else {
      const size_t at = rng() % ref.size();
      auto it = q.erase(std::next(q.begin(), static_cast<std::ptrdiff_t>(at)));
      auto rit = ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
      EXPECT_EQ(it == q.end(), rit == ref.end());
    }
    ASSERT_EQ(q.size(), ref.size());
    ASSERT_TRUE(std::equal(q.begin(), q.end(), ref.begin(), ref.end()));
  }
}

TEST(RingDeque, PoppedSlotsReleaseWhatTheyHeld) {
  auto value = std::make_shared<int>(1);
  RingDeque<std::shared_ptr<int>> q;
  q.push_back(value);
  q.push_back(value);
  EXPECT_EQ(value.use_count(), 3);
  q.pop_front();
  q.erase(q.begin());
  EXPECT_EQ(value.use_count(), 1);
}

}  // namespace
}  // namespace pregon::base
