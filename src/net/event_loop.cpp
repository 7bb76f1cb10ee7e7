#include "net/event_loop.hpp"

#include <sys/eventfd.h>

#include <cassert>
#include <cerrno>
#include <system_error>

namespace pregon::net {

EventLoop::EventLoop(std::chrono::milliseconds tick_interval)
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      tick_interval_(tick_interval),
      now_(Clock::now()),
      next_tick_(now_ + tick_interval) {
  if (!epoll_fd_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  if (!wake_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  // A null handler marks the wake-up descriptor.
  if (auto r = add(wake_fd_.get(), EPOLLIN, nullptr); !r) {
    throw std::system_error(r.error().code, std::generic_category(), "epoll_ctl(eventfd)");
  }
}

EventLoop::~EventLoop() = default;

base::Expected<void, SysError> EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  assert(handler != nullptr || fd == wake_fd_.get());
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return base::unexpected(SysError{"epoll_ctl(ADD)", errno});
  }
  return {};
}

base::Expected<void, SysError> EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return base::unexpected(SysError{"epoll_ctl(MOD)", errno});
  }
  return {};
}

void EventLoop::remove(int fd) {
  // Fails only when fd was never added; nothing to undo then.
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::post(Task task) {
  bool was_empty;
  {
    std::lock_guard lock(tasks_mutex_);
    was_empty = tasks_.empty();
    tasks_.push_back(std::move(task));
    queued_.store(true, std::memory_order_release);
  }
  // One wake-up per batch: while tasks_ is non-empty the loop has a wake-up pending already, because
  // it reads the eventfd before it swaps the queue.
  if (was_empty) wake();
}

void EventLoop::stop() {
  stop_.store(true, std::memory_order_release);
  wake();
}

void EventLoop::wake() {
  const uint64_t one = 1;
  // EAGAIN means the counter is saturated, which still wakes the loop: ignore the result.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::run_tasks() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_.get(), &count, sizeof count);
  run_queued();
}

// Leaves the eventfd as it is: a wake-up still pending only makes the next epoll_wait return early.
void EventLoop::run_queued() {
  {
    std::lock_guard lock(tasks_mutex_);
    running_.swap(tasks_);
    queued_.store(false, std::memory_order_relaxed);
  }
  for (Task& task : running_) task();
  running_.clear();  // keeps the capacity: no allocation per batch in the steady state
}

void EventLoop::run(LoopHooks& hooks) {
  while (!stopped()) run_once(hooks);
}

void EventLoop::run_once(LoopHooks& hooks, std::chrono::milliseconds max_wait) {
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick_ - Clock::now());
  if (wait.count() < 0) wait = std::chrono::milliseconds(0);
  if (wait > max_wait) wait = max_wait;
  if (stopped()) wait = std::chrono::milliseconds(0);

  const int n = epoll_wait(epoll_fd_.get(), events_.data(), kMaxEvents, static_cast<int>(wait.count()));
  now_ = Clock::now();
  // Tasks first: what another loop posted before a client's packet was sent (messages it routed
  // before acknowledging them, a subscription it made before its SUBACK) is handled before that
  // packet. Also between handlers: a socket is read after epoll_wait returned, so it may hold a
  // packet sent after a task was posted during this pass. n < 0 is EINTR: no events.
  for (int i = 0; i < n; ++i) {
    if (events_[static_cast<size_t>(i)].data.ptr == nullptr) {
      run_tasks();
      break;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (auto* handler = static_cast<IoHandler*>(events_[static_cast<size_t>(i)].data.ptr)) {
      if (queued_.load(std::memory_order_acquire)) run_queued();
      handler->on_io(events_[static_cast<size_t>(i)].events);
    }
  }
  if (now_ >= next_tick_) {
    hooks.on_tick(now_);
    next_tick_ += tick_interval_;
    if (next_tick_ <= now_) next_tick_ = now_ + tick_interval_;  // fell behind: don't burst
  }
  hooks.on_iteration_end(now_);
}

}  // namespace pregon::net
