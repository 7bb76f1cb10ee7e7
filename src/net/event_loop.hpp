// EventLoop: one per thread. Waits on an epoll set, runs the handlers of ready descriptors, runs the
// tasks other threads posted (in posting order, in batches), fires a tick at least every 100 ms, and
// ends every iteration with LoopHooks::on_iteration_end before it blocks again.
//
// Ownership: the loop does not own the descriptors or handlers registered with it; whoever adds a
// descriptor removes it before closing it or destroying its handler. Tasks still queued when the
// loop is destroyed are destroyed without running.
//
// Thread-safety: post() and stop() may be called from any thread; everything else only on the
// thread that runs the loop (or before it starts).
#pragma once

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "base/expected.hpp"
#include "broker/shard.hpp"
#include "net/sys_error.hpp"
#include "net/unique_fd.hpp"

namespace pregon::net {

using Clock = broker::Clock;
using TimePoint = broker::TimePoint;

// The shard must see a tick at least every 100 ms; epoll_wait counts whole milliseconds and the
// iteration itself takes time, so aim a little early.
inline constexpr std::chrono::milliseconds kTickInterval{90};

// Receives the readiness of one registered descriptor.
class IoHandler {
 public:
  virtual void on_io(uint32_t events) = 0;

 protected:
  ~IoHandler() = default;
};

// What runs in every iteration besides descriptor handlers and tasks.
class LoopHooks {
 public:
  virtual void on_tick(TimePoint now) = 0;
  // After events, tasks and any tick; the last work before the loop blocks.
  virtual void on_iteration_end(TimePoint now) = 0;

 protected:
  ~LoopHooks() = default;
};

class EventLoop {
 public:
  using Task = std::function<void()>;

  // Throws std::system_error when epoll or the wake-up eventfd cannot be created (start-up).
  explicit EventLoop(std::chrono::milliseconds tick_interval = kTickInterval);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // epoll registration (level-triggered). `handler` is not null and stays alive until remove(fd).
  base::Expected<void, SysError> add(int fd, uint32_t events, IoHandler* handler);
  base::Expected<void, SysError> modify(int fd, uint32_t events, IoHandler* handler);
  void remove(int fd);

  // Any thread: runs `task` on the loop thread in a later iteration, after tasks posted before it.
  void post(Task task);

  // Runs iterations until stop(). Returns with tasks possibly still queued.
  void run(LoopHooks& hooks);
  // One iteration; blocks at most until the next tick is due (or `max_wait`). For tests.
  void run_once(LoopHooks& hooks, std::chrono::milliseconds max_wait = std::chrono::milliseconds::max());

  // Any thread: makes run() return after the current iteration.
  void stop();
  bool stopped() const { return stop_.load(std::memory_order_acquire); }

  // The time taken when the current iteration woke up; cheap, for handlers.
  TimePoint now() const { return now_; }

 private:
  void wake();
  void run_tasks();
  void run_queued();

  static constexpr int kMaxEvents = 256;

  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;  // eventfd: written by post()/stop() from other threads
  const std::chrono::milliseconds tick_interval_;
  TimePoint now_;
  TimePoint next_tick_;
  std::array<epoll_event, kMaxEvents> events_{};
  std::atomic<bool> stop_{false};

  std::mutex tasks_mutex_;  // guards tasks_ only; held for a push_back or a swap, never while running
  std::vector<Task> tasks_;
  std::atomic<bool> queued_{false};  // tasks_ is not empty; read without the mutex between handlers
  std::vector<Task> running_;  // loop thread only: the batch being run; keeps its capacity
};

}  // namespace pregon::net
