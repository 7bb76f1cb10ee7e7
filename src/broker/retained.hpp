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
};

}  // namespace pregon::broker
