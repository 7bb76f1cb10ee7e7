// BrokerState: what all shards share — the configuration, the retained store, each shard's message
// memory, each shard's inbox of messages from the others, and what each shard subscribes to.
// Created once by the app before the event loops start, destroyed after them: messages built in a
// shard's memory may outlive the shard (in the retained store, or in another thread's output queue).
//
// Thread-safety: the configuration is immutable (as loaded at start-up; each shard works from its
// own copy, whose limits a reload replaces on the shard's thread); the retained store is guarded
// by its own mutex (touched only for retained PUBLISHes and on SUBSCRIBE, never per ordinary
// message); a shard's memory is allocated from by that shard's thread only; inboxes lock on their
// own; the interest counts are atomic; the durable store is thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "broker/access.hpp"
#include "broker/counters.hpp"
#include "broker/message_inbox.hpp"
#include "broker/shard_interest.hpp"
#include "config/config.hpp"
#include "session/message.hpp"
#include "storage/durable_store.hpp"

namespace pregon::broker {

struct RetainedImpl;

class BrokerState {
 public:
  // `store` null: persistence is off.
  explicit BrokerState(config::Config config, std::unique_ptr<storage::DurableStore> store = nullptr);
  ~BrokerState();
  const config::Config& config() const { return config_; }
  unsigned shard_count() const { return shard_count_; }
  RetainedImpl& retained() { return *retained_; }
  // As loaded at start-up; each shard keeps its own reference, replaced on reload (Shard::set_access).
  const std::shared_ptr<const Access>& access() const { return access_; }
  session::MessageMemory& memory(unsigned shard) { return *memories_[shard]; }
  MessageInbox& inbox(unsigned shard) { return *inboxes_[shard]; }
  // Which shards a message must go to.
  ShardInterest& interest() { return interest_; }

  // Null when persistence is off.
  storage::DurableStore* store() { return store_.get(); }
  // Waits for every pending write and its callback, then closes the store. At shutdown, after the
  // shards' last commit; nothing may write afterwards.
  void close_store() { store_.reset(); }
  // Whether a QoS 1/2 acknowledgement waits until the message is durable (sync batch or always).
  bool durable_acks() const { return store_ != nullptr && config_.persistence.sync != "none"; }
  // Ids for stored messages, unique across shards and above every id recovered from the store.
  std::atomic<uint64_t>& next_message_id() { return next_message_id_; }
  // Subscriptions held by persistent sessions, over all shards. While there are none, a QoS 1
  // message can be acknowledged without waiting for the store. Never below the true count.
  std::atomic<int64_t>& persistent_subscriptions() { return persistent_subscriptions_; }
  // Bytes (Message::footprint) queued in all sessions, for limits.max_total_queued_bytes.
  std::atomic<int64_t>& queued_bytes() { return queued_bytes_; }
  // Sockets open on every thread, for limits.max_connections.
  std::atomic<int64_t>& open_connections() { return open_connections_; }
  // Clients past CONNECT on every thread, now and at most since start-up, for metrics.
  ConnectedClients& connected_clients() { return connected_clients_; }

 private:
  config::Config config_;
  unsigned shard_count_;
  std::shared_ptr<const Access> access_;
  // Declared before everything that holds messages, so that it is destroyed after them.
  std::vector<std::unique_ptr<session::MessageMemory>> memories_;
  std::vector<std::unique_ptr<MessageInbox>> inboxes_;
  ShardInterest interest_;
  std::unique_ptr<RetainedImpl> retained_;
  // Flushed by the server while its loops still exist: commit callbacks post to them.
  std::unique_ptr<storage::DurableStore> store_;
  std::atomic<uint64_t> next_message_id_{1};
  std::atomic<int64_t> persistent_subscriptions_{0};
  std::atomic<int64_t> queued_bytes_{0};
  std::atomic<int64_t> open_connections_{0};
  ConnectedClients connected_clients_;
};

}  // namespace pregon::broker
