// BrokerState: what all shards share — the configuration and the retained store. Created once by
// the app before the event loops start.
//
// Thread-safety: the configuration is immutable; the retained store is guarded by its own mutex
// (touched only for retained PUBLISHes and on SUBSCRIBE, never per ordinary message).
#pragma once

#include <memory>

#include "config/config.hpp"

namespace pregon::broker {

struct RetainedImpl;

class BrokerState {
 public:
  explicit BrokerState(config::Config config);
  ~BrokerState();
  const config::Config& config() const { return config_; }
  unsigned shard_count() const { return shard_count_; }
  RetainedImpl& retained() { return *retained_; }

 private:
  config::Config config_;
  unsigned shard_count_;
  std::unique_ptr<RetainedImpl> retained_;
};

}  // namespace pregon::broker
