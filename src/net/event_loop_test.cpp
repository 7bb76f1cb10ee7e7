#include "net/event_loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace pregon::net {
namespace {

struct CountingHooks : LoopHooks {
  std::vector<TimePoint> ticks;
  int iterations = 0;
  void on_tick(TimePoint now) override { ticks.push_back(now); }
  void on_iteration_end(TimePoint) override { ++iterations; }
};

TEST(EventLoop, RunsTasksPostedFromOtherThreadsInOrder) {
  EventLoop loop;
  CountingHooks hooks;
  std::vector<int> seen;  // loop thread only
  std::thread poster([&] {
    for (int i = 0; i < 1000; ++i) loop.post([&seen, i] { seen.push_back(i); });
    loop.post([&loop] { loop.stop(); });
  });
  loop.run(hooks);
  poster.join();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
  EXPECT_GE(hooks.iterations, 1);
}

TEST(EventLoop, TicksWhileIdleWithoutSpinning) {
  EventLoop loop(std::chrono::milliseconds(20));
  CountingHooks hooks;
  // No descriptor is ready: every iteration blocks until the next tick is due. (How late a tick
  // comes depends on the machine's load, so only the counts are checked.)
  while (hooks.ticks.size() < 5) loop.run_once(hooks);
  for (size_t i = 1; i < hooks.ticks.size(); ++i) EXPECT_GT(hooks.ticks[i], hooks.ticks[i - 1]);
  EXPECT_LE(hooks.iterations, 2 * static_cast<int>(hooks.ticks.size()) + 2);
}

TEST(EventLoop, StopFromAnotherThreadWakesABlockedLoop) {
  EventLoop loop(std::chrono::milliseconds(10'000));
  CountingHooks hooks;
  std::thread t([&] { loop.run(hooks); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto start = Clock::now();
  loop.stop();
  t.join();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST(EventLoop, ReportsReadyDescriptors) {
  struct Pipe : IoHandler {
    int fds[2];
    int calls = 0;
    void on_io(uint32_t events) override {
      ++calls;
      EXPECT_TRUE(events & EPOLLIN);
      char c;
      ASSERT_EQ(::read(fds[0], &c, 1), 1);
    }
  } p;
  ASSERT_EQ(::pipe(p.fds), 0);
  EventLoop loop;
  CountingHooks hooks;
  ASSERT_TRUE(loop.add(p.fds[0], EPOLLIN, &p));
  ASSERT_EQ(::write(p.fds[1], "x", 1), 1);
  loop.run_once(hooks, std::chrono::milliseconds(1000));
  EXPECT_EQ(p.calls, 1);
  loop.remove(p.fds[0]);
  ::close(p.fds[0]);
  ::close(p.fds[1]);
}

TEST(EventLoop, UnrunTasksAreDestroyed) {
  auto token = std::make_shared<int>(1);
  {
    EventLoop loop;
    loop.post([token] {});
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1);
}

}  // namespace
}  // namespace pregon::net
