// Persister: what one shard writes to the durable store. The shard reports each change of a
// persistent session's state as it happens; the records go into the batch of the current loop
// iteration, which commit() hands to the store at the end of the iteration together with the
// acknowledgements waiting for it (one group commit for everything a loop pass did).
//
// Only persistent sessions (a Session Expiry Interval above 0; 3.1.1 clean session 0) are written;
// QoS 0 and clean sessions never touch the disk. A message queued for several of this shard's
// sessions is written once, under an id, and erased with its last delivery on this shard; shards
// keep separate records, so no record is shared between threads.
//
// Delivery records: a delivery is kept as "queued" (by the session's sequence number) until it
// enters the in-flight window, then as "in flight" (by packet identifier) until its flow completes.
//
// One commit at a time per shard: while one is being written, the next batch grows across loop
// passes and goes when the first is durable (or grows large). A QoS 1 delivery acknowledged
// meanwhile, and a message whose last delivery ended meanwhile, are taken back out of the waiting
// batch instead of being written and erased: with a subscriber that keeps up, most messages never
// reach the disk, and the publisher is still acknowledged only after the commit that covers it.
//
// Ownership: one per shard; borrows the store, which outlives it.
// Thread-safety: none; used on the shard's thread (commit callbacks run on the store's writer).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/durable_ack.hpp"
#include "session/session.hpp"
#include "storage/durable_store.hpp"

namespace pregon::broker {

class Persister {
 public:
  // `store` null: persistence is off and every call does nothing.
  Persister(storage::DurableStore* store, std::atomic<uint64_t>& next_message_id, unsigned shard)
      : store_(store), next_message_id_(next_message_id), shard_(shard) {}

  bool enabled() const { return store_ != nullptr; }
  static bool persistent(const session::Session& s) { return s.expiry_interval != 0; }

  // The session record (expiry, will, version). `disconnected_at` is absent while connected.
  void write_session(const session::Session& s, uint8_t protocol_level, std::optional<int64_t> disconnected_at);
  // Erases the session with everything it kept, and releases its messages.
  void erase_session(const session::Session& s);
  void write_subscription(const session::Session& s, std::string_view filter, const session::Subscription& sub);
  void erase_subscription(const session::Session& s, std::string_view filter);

  // A QoS 1/2 delivery accepted for a persistent session: numbers it and holds its message.
  // Then write_queued or write_inflight records where it is.
  void track(session::Session& s, session::Delivery& d);
  void write_queued(const session::Session& s, const session::Delivery& d);
  void write_inflight(const session::Session& s, const session::Inflight& f, bool was_queued);
  // PUBREC received: only the packet identifier matters from here on; the message is released.
  void write_released(const session::Session& s, const session::Inflight& f);
  // The delivery is done (acknowledged, expired, dropped): its record goes, its message is released.
  // `packet_id` is set when it was in flight.
  void finish(const session::Session& s, const session::Delivery& d, std::optional<uint16_t> packet_id);

  void write_inbound_qos2(const session::Session& s, uint16_t packet_id);
  void erase_inbound_qos2(const session::Session& s, uint16_t packet_id);

  // Recovery: a message already stored under `id`, held by one more delivery of this shard.
  void adopt(const session::MessagePtr& m, uint64_t id);

  // Reports `ack` after this iteration's writes are durable.
  void hold(std::shared_ptr<DurableAck> ack) { acks_.push_back(std::move(ack)); }

  // Hands the waiting batch and held acknowledgements to the store, unless an earlier commit is
  // still being written (then they wait for it; `now` overrides). No-op when both are empty.
  enum class When { Ready, Now };
  void commit(ShardRouter& router, When when = When::Ready);

 private:
  struct StoredMessage {
    uint64_t id;
    uint32_t deliveries;
    uint32_t put_index = 0;       // its Put in batch_ ...
    uint64_t put_generation = 0;  // ... if this is still generation_
  };
  // The earlier commit is durable (posted to the shard by the store's writer).
  void committed(ShardRouter& router);
  // Past this size the waiting batch goes without waiting for the earlier commit.
  static constexpr size_t kMaxWaitingBytes = size_t{4} << 20;
  uint64_t hold_message(const session::MessagePtr& m);
  void release_message(const session::Message* m);
  uint64_t message_id(const session::Message* m) const;

  storage::DurableStore* store_;
  std::atomic<uint64_t>& next_message_id_;
  const unsigned shard_;
  storage::Batch batch_;
  std::vector<std::shared_ptr<DurableAck>> acks_;
  uint64_t generation_ = 1;  // counts batches handed over; the one in batch_
  bool writing_ = false;     // a commit of this shard is with the store
  // In-flight QoS 1 records put in batch_ (generation_ only): session id << 16 | packet id -> Put index.
  std::unordered_map<uint64_t, uint32_t> unwritten_inflight_;
  // Messages this shard has written, by address: a delivery holding the MessagePtr keeps it alive.
  std::unordered_map<const session::Message*, StoredMessage> messages_;
};

}  // namespace pregon::broker
