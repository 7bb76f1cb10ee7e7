// ShardRouter: how a shard reaches the other threads' shards. Implemented by the net layer, which
// runs each posted task on the target thread's event loop, in posting order.
//
// Thread-safety: post() may be called from any thread (event loops, and the monitoring threads that
// ask the shards for readings); notify_inbox() from any event-loop thread.
#pragma once

#include <functional>

namespace pregon::broker {

class Shard;

class ShardRouter {
 public:
  virtual ~ShardRouter() = default;
  virtual unsigned shard_count() const = 0;
  // Runs `task` on thread `shard`'s loop with that thread's Shard. Not for the message hot path,
  // which goes through the inboxes.
  virtual void post(unsigned shard, std::function<void(Shard&)> task) = 0;
  // Makes thread `shard` call Shard::drain_inbox() soon, before it reads any more socket input, in
  // order with the tasks posted to it. Allocates nothing.
  virtual void notify_inbox(unsigned shard) = 0;
};

}  // namespace pregon::broker
