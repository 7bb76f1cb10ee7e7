// A broker stand-in that accepts connections, answers CONNECT, SUBSCRIBE, the QoS 1/2 flows and
// PINGREQ, and discards every PUBLISH. It measures the generator alone (`pregon bench --null-sink`):
// how fast one thread can send when the other side costs nearly nothing. Runs its own thread;
// start() and stop() are called from one owning thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace pregon::bench {

class NullSink {
 public:
  NullSink() = default;
  ~NullSink() { stop(); }
  NullSink(const NullSink&) = delete;
  NullSink& operator=(const NullSink&) = delete;

  // Listens on 127.0.0.1 at an ephemeral port and returns it; 0 when it cannot listen.
  uint16_t start();
  void stop();
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  void run(int listen_fd);

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace pregon::bench
