#include "observability/sys_publisher.hpp"

#include <pthread.h>

#include "observability/sys_topics.hpp"

namespace pregon::observability {

SysPublisher::SysPublisher(BrokerView& broker, std::chrono::seconds interval) : broker_(broker), interval_(interval) {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "pregon-sys");
}

SysPublisher::~SysPublisher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SysPublisher::run() {
  LoadAverages load;
  auto previous = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    if (auto snapshot = broker_.snapshot()) {
      const auto now = std::chrono::steady_clock::now();
      load.update(*snapshot, std::chrono::duration<double>(now - previous).count());
      previous = now;
      std::vector<std::pair<std::string, std::string>> messages;
      for (auto& m : sys_messages(*snapshot)) messages.emplace_back(std::move(m.topic), std::move(m.payload));
      for (auto& m : load.messages()) messages.emplace_back(std::move(m.topic), std::move(m.payload));
      broker_.publish_sys(std::move(messages));
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace pregon::observability
