// SysPublisher: a thread that, every `interval`, reads a Snapshot and has the broker publish the
// $SYS topics (sys_topics.hpp), retained at QoS 0. The first update goes out at start, so that
// $SYS/broker/version is there from the first subscription.
//
// Ownership: refers to the BrokerView, which must outlive it. Thread-safety: construct and destroy
// on one thread; the destructor stops and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "observability/broker_view.hpp"

namespace pregon::observability {

class SysPublisher {
 public:
  SysPublisher(BrokerView& broker, std::chrono::seconds interval);
  ~SysPublisher();
  SysPublisher(const SysPublisher&) = delete;
  SysPublisher& operator=(const SysPublisher&) = delete;

 private:
  void run();

  BrokerView& broker_;
  std::chrono::seconds interval_;
  std::mutex mutex_;  // guards stop_
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pregon::observability
