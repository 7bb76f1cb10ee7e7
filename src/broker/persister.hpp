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
// passes and goes when the first is durable (or grows large). A record that becomes obsolete while
// it still waits, with no earlier version of it on disk, is taken back instead of being written and
// erased: a queued delivery sent meanwhile (its record becomes the in-flight one), a QoS 1 delivery
// acknowledged meanwhile, a message whose last delivery ended meanwhile.
//
// With sync "batch" or "always", while QoS 1 deliveries wait in flight to connected clients, which
// usually acknowledge them within milliseconds, new records are held back until they are kPatience old: a commit takes only the
// records that waited that long (with the operations that cannot be taken back), so a subscriber
// that keeps up, even through a backlog, has almost nothing written. A publisher's PUBACK waits
// only for what is left: when this shard took back everything it had of the message (or had
// nothing of it), its report goes at the end of the loop pass, otherwise with the commit that
// writes the message's last record. An idle loop looks again at its next tick.
//
// Ownership: one per shard; borrows the store and the shard's pool, which outlive it.
// Thread-safety: none; used on the shard's thread (commit callbacks run on the store's writer).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/block_pool.hpp"
#include "base/ring_deque.hpp"
#include "broker/durable_ack.hpp"
#include "session/session.hpp"
#include "storage/durable_store.hpp"

namespace pregon::broker {

class Persister {
 public:
  // `store` null: persistence is off and every call does nothing. `pool`: the shard's, for the
  // bookkeeping of stored messages. `durable_acks` false (sync "none"): acknowledgements do not wait
  // for the store, so records do not wait kPatience either; they are written every loop pass.
  Persister(storage::DurableStore* store, std::atomic<uint64_t>& next_message_id, unsigned shard,
            base::BlockPool& pool, bool durable_acks)
      : store_(store),
        next_message_id_(next_message_id),
        shard_(shard),
        patient_(durable_acks),
        messages_(MessageMap::allocator_type(&pool)) {}

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
  void write_queued(const session::Session& s, session::Delivery& d);
  void write_inflight(const session::Session& s, session::Inflight& f, bool was_queued);
  // PUBREC received: only the packet identifier matters from here on; the message is released.
  void write_released(const session::Session& s, const session::Inflight& f);
  // The delivery is done (acknowledged, expired, dropped): its record goes, its message is released.
  // `packet_id` is set when it was in flight.
  void finish(const session::Session& s, const session::Delivery& d, std::optional<uint16_t> packet_id);
  // As finish(), for a shared subscription's delivery given back to its group to go elsewhere:
  // the message is still to be kept, so a PUBACK waiting for it keeps waiting for the commit.
  void hand_back(const session::Session& s, const session::Delivery& d, std::optional<uint16_t> packet_id);

  // Spilling (the shard decides when): `d`, a QoS 1/2 delivery not yet tracked, goes to the store's
  // spilled queue of `s` with a copy of its message, at once, instead of into memory; the session
  // counts it. The acknowledgement of its message held next waits for that write.
  void spill(session::Session& s, const session::Delivery& d);
  // Reads back the oldest spilled entries of `s` (at most `max_count`, stopping after `max_bytes`)
  // into `out` as stored queued deliveries, each with its message record, in one batch with the
  // erasure of their spilled entries. Expired ones are dropped and counted in `expired`. Returns how
  // many entries it took off the session's spilled count: 0 when none is readable yet, because
  // they are still being written.
  size_t unspill(session::Session& s, size_t max_count, size_t max_bytes, std::vector<session::Delivery>& out,
                 uint64_t& expired);

  void write_inbound_qos2(const session::Session& s, uint16_t packet_id);
  void erase_inbound_qos2(const session::Session& s, uint16_t packet_id);

  // Recovery: a message already stored under `id`, held by one more delivery of this shard.
  void adopt(const session::MessagePtr& m, uint64_t id);

  // Reports `ack` once everything this shard added so far is durable: a PUBREL or a held QoS 2
  // PUBLISH, whose record refers to a message that may still wait to be written.
  void hold(std::shared_ptr<DurableAck> ack) {
    acks_.push_back({handed_over_ + deferred_.size() + 1, std::move(ack)});
  }
  // Reports `ack`, the acknowledgement of `m` just routed here, once what this shard keeps of `m` is
  // durable; a PUBACK as soon as this shard keeps nothing of it (never stored, or all taken back).
  void hold(const session::Message& m, std::shared_ptr<DurableAck> ack);

  // Reports the acknowledgements released early, then hands what is due to the store (see above)
  // with the acknowledgements that wait for it, unless an earlier commit is still being written.
  // `Now` hands over everything at once (start-up, shutdown). No-op when nothing is due.
  enum class When { Ready, Now };
  void commit(ShardRouter& router, When when = When::Ready);
  // The earlier commit is durable (posted to the shard by the store's writer).
  void committed(ShardRouter& router);

 private:
  struct StoredMessage {
    uint64_t id;
    uint32_t deliveries;
    uint64_t ack = 0;  // its PUBACK in acks_ (see WaitingAck), while put is unwritten
    uint64_t put = 0;  // its deferred Put (see defer)
  };
  // A Put that can still be taken back: a new message, a queued delivery or a QoS 1 one in flight,
  // none of which has an earlier version on disk. Encoded only when its batch is handed over, so a
  // record taken back costs no encoding. Added to the batch after its other operations, which is
  // safe because nothing else in a batch touches these keys while they are live: their erasure is a
  // withdrawal, and erase_session withdraws the session's. The pointers stay valid while the entry
  // is live: the delivery holds its message, and the session is erased only through erase_session.
  struct Deferred {
    enum class Kind : uint8_t { Withdrawn, Message, Queued, Inflight };
    Kind kind = Kind::Withdrawn;
    uint8_t qos = 0;       // Queued, Inflight
    bool retain = false;   // Queued, Inflight
    uint16_t packet_id = 0;  // Inflight
    uint64_t key = 0;      // Message: its id; Queued: the sequence
    const session::Session* session = nullptr;  // Queued, Inflight
    const session::Message* message = nullptr;
    session::TimePoint since{};  // the loop pass it was added in
  };
  // An acknowledgement that goes with the commit that takes the last of the deferred Puts added
  // before it was held (the numbers below `after`); for a message, those are its records, added in
  // the pass that routed it. Eager operations of that time are in the same commit or an earlier one.
  struct WaitingAck {
    uint64_t after;
    std::shared_ptr<DurableAck> ack;  // null once reported early
  };
  static constexpr size_t kDeliveryRecordBytes = 64;  // a delivery record's size, roughly

  // Past this size the waiting batch goes without waiting for the earlier commit or kPatience.
  static constexpr size_t kMaxWaitingBytes = size_t{4} << 20;
  // Long against a connected client's acknowledgement (well under a millisecond on a LAN), short
  // against what a publisher waiting for its PUBACK would notice.
  static constexpr std::chrono::milliseconds kPatience{100};
  uint64_t hold_message(const session::MessagePtr& m);
  // `ack_may_go`: a waiting PUBACK may be reported early if nothing of the message is left.
  void release_message(const session::Message* m, bool ack_may_go = true);
  void erase_delivery(const session::Session& s, const session::Delivery& d, std::optional<uint16_t> packet_id);
  uint64_t message_id(const session::Message* m) const;

  // Puts are numbered across batches: deferred Puts handed over before, plus the index in
  // deferred_, plus one (0 = none). One above handed_over_ still waits, and can be taken back.
  uint64_t defer(Deferred e);
  // A delivery record to defer; 0 for the rare one with subscription identifiers or a shared
  // subscription, which is written at once (and erased, not taken back).
  uint64_t defer_delivery(Deferred::Kind kind, const session::Session& s, const session::Delivery& d,
                          uint64_t key, uint16_t packet_id);
  bool unwritten(uint64_t put) const { return put > handed_over_; }
  Deferred& entry(uint64_t put) { return deferred_[put - handed_over_ - 1]; }
  void withdraw(uint64_t put);
  // Marks `e` withdrawn and takes it out of the counts.
  void forget(Deferred& e);
  // What its record will take in the batch, roughly (counted against kMaxWaitingBytes).
  static size_t record_bytes(const Deferred& e);
  // Encodes the first `count` deferred Puts (the live ones) into batch_.
  void hand_over_deferred(size_t count);
  // How many deferred Puts the next commit takes: those kPatience old, or all of them.
  size_t ripe(When when, session::TimePoint now) const;

  storage::DurableStore* store_;
  std::atomic<uint64_t>& next_message_id_;
  const unsigned shard_;
  const bool patient_;  // records may wait kPatience
  storage::Batch batch_;
  base::RingDeque<Deferred> deferred_;  // grows to the largest backlog, then allocates no more
  size_t deferred_live_ = 0;
  size_t deferred_inflight_ = 0;  // live Inflight entries
  size_t deferred_bytes_ = 0;  // record_bytes of the live entries
  uint64_t handed_over_ = 0;
  session::TimePoint pass_{};  // when the current loop pass began (the last commit() call)
  // In the order held; acks_popped_ went before (so an entry's number is acks_popped_ + index + 1).
  base::RingDeque<WaitingAck> acks_;
  uint64_t acks_popped_ = 0;
  // Reported at the end of this loop pass: nothing of theirs is left to write on this shard.
  std::vector<std::shared_ptr<DurableAck>> released_;
  bool writing_ = false;  // a commit of this shard is with the store
  const session::Message* spilled_ = nullptr;  // spilled in this loop pass, for hold()
  // Messages this shard has written, by address: a delivery holding the MessagePtr keeps it alive.
  using MessageMap =
      std::unordered_map<const session::Message*, StoredMessage, std::hash<const session::Message*>,
                         std::equal_to<>, base::PoolAllocator<std::pair<const session::Message* const, StoredMessage>>>;
  MessageMap messages_;
};

}  // namespace pregon::broker
