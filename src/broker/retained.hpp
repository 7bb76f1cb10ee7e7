// The retained-message store shared by all shards, behind its own lock. Touched only for PUBLISHes
// with RETAIN set and on SUBSCRIBE, never for ordinary messages.
#pragma once

#include <mutex>

#include "routing/retained_store.hpp"
#include "session/message.hpp"

namespace pregon::broker {

struct RetainedImpl {
  std::mutex mutex;  // guards store
  routing::RetainedStore<session::MessagePtr> store;
  uint64_t bytes = 0;  // Message::footprint of every stored message, for limits.max_retained_bytes
  uint64_t sys_topics = 0;  // $SYS topics in the store: the broker's own, outside the budgets
};

}  // namespace pregon::broker
