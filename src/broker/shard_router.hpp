// ShardRouter: how a shard reaches the other threads' shards. Implemented by the net layer, which
// runs each posted task on the target thread's event loop, in posting order.
//
// Thread-safety: post() may be called from any event-loop thread.
#pragma once

#include <functional>

namespace pregon::broker {

class Shard;

class ShardRouter {
 public:
  virtual ~ShardRouter() = default;
  virtual unsigned shard_count() const = 0;
  // Runs `task` on thread `shard`'s loop with that thread's Shard. Callers batch: one task carries
  // many messages, so a task per message never happens on the hot path.
  virtual void post(unsigned shard, std::function<void(Shard&)> task) = 0;
};

}  // namespace pregon::broker
