// BrokerState: what all shards share — the configuration, the retained store, each shard's message
// memory and each shard's inbox of messages from the others. Created once by the app before the
// event loops start, destroyed after them: messages built in a shard's memory may outlive the shard
// (in the retained store, or in another thread's output queue).
//
// Thread-safety: the configuration is immutable; the retained store is guarded by its own mutex
// (touched only for retained PUBLISHes and on SUBSCRIBE, never per ordinary message); a shard's
// memory is allocated from by that shard's thread only; inboxes lock on their own.
#pragma once

#include <memory>
#include <vector>

#include "broker/message_inbox.hpp"
#include "config/config.hpp"
#include "session/message.hpp"

namespace pregon::broker {

struct RetainedImpl;

class BrokerState {
 public:
  explicit BrokerState(config::Config config);
  ~BrokerState();
  const config::Config& config() const { return config_; }
  unsigned shard_count() const { return shard_count_; }
  RetainedImpl& retained() { return *retained_; }
  session::MessageMemory& memory(unsigned shard) { return *memories_[shard]; }
  MessageInbox& inbox(unsigned shard) { return *inboxes_[shard]; }

 private:
  config::Config config_;
  unsigned shard_count_;
  // Declared before everything that holds messages, so that it is destroyed after them.
  std::vector<std::unique_ptr<session::MessageMemory>> memories_;
  std::vector<std::unique_ptr<MessageInbox>> inboxes_;
  std::unique_ptr<RetainedImpl> retained_;
};

}  // namespace pregon::broker
