#include "broker/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace pregon::broker {
namespace {

using namespace std::chrono_literals;

struct Item {
  int id = 0;
  uint16_t wheel_bucket = UINT16_MAX;
  uint32_t wheel_index = 0;
};

using Wheel = DeadlineWheel<Item>;
const Wheel::TimePoint t0 = Wheel::TimePoint{} + 1000h;

std::vector<int> advance(Wheel& w, Wheel::TimePoint now) {
  std::vector<int> seen;
  w.advance(now, [&](Item& i) { seen.push_back(i.id); });
  return seen;
}

TEST(DeadlineWheel, VisitsAnItemOnlyOnceItsDueTimeHasPassed) {
  Wheel w(250ms, 8);
  Item a{1};
  w.file(a, t0 + 1s, t0);
  EXPECT_TRUE(advance(w, t0 + 999ms).empty());
  EXPECT_EQ(advance(w, t0 + 1250ms), std::vector<int>{1});  // by the end of the due time's period
  EXPECT_EQ(a.wheel_bucket, Wheel::kUnfiled);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(advance(w, t0 + 5s).empty());  // visited once: the visit did not file it again
}

TEST(DeadlineWheel, RemovedItemsAreNotVisitedAndTheOthersStay) {
  Wheel w(250ms, 8);
  Item a{1}, b{2}, c{3};
  for (Item* i : {&a, &b, &c}) w.file(*i, t0 + 500ms, t0);
  w.remove(a);  // the first of the bucket: the last takes its place
  w.remove(a);  // not filed any more: nothing
  EXPECT_EQ(w.size(), 2u);
  auto seen = advance(w, t0 + 1s);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{2, 3}));
}

TEST(DeadlineWheel, ADeadlineBeyondTheWheelIsVisitedEarlyAndCanBeFiledAgain) {
  Wheel w(250ms, 8);  // reaches 2 s ahead
  Item a{1};
  const auto due = t0 + 10s;
  w.file(a, due, t0);
  int early_visits = 0;
  bool due_visit = false;
  for (auto now = t0; now <= t0 + 11s; now += 100ms) {
    w.advance(now, [&](Item& i) {
      if (now < due) {
        ++early_visits;
        w.file(i, due, now);
      } else {
        due_visit = true;
      }
    });
  }
  EXPECT_TRUE(due_visit);
  EXPECT_GE(early_visits, 4);  // once a turn of the wheel
  EXPECT_LE(early_visits, 6);
}

TEST(DeadlineWheel, ALongPauseVisitsEveryItemOnce) {
  Wheel w(250ms, 8);
  std::vector<Item> items(100);
  for (int k = 0; k < 100; ++k) {
    items[static_cast<size_t>(k)].id = k;
    w.file(items[static_cast<size_t>(k)], t0 + std::chrono::milliseconds(37 * k), t0);
  }
  const auto seen = advance(w, t0 + 1h);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(w.size(), 0u);
}

TEST(DeadlineWheel, AnOverdueItemFiledAgainIsVisitedOnTheNextAdvance) {
  Wheel w(250ms, 8);
  Item a{1};
  advance(w, t0 + 10s);
  w.file(a, t0, t0 + 10s);  // already due when filed
  EXPECT_EQ(advance(w, t0 + 10s + 250ms), std::vector<int>{1});
}

}  // namespace
}  // namespace pregon::broker
