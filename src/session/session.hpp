// Session: the state MQTT keeps for a client identifier across network connections — its
// subscriptions, the QoS 1/2 messages queued for it and in flight to it, the QoS 2 packet
// identifiers it has sent us and not yet released, its expiry and its will. Pure state and the rules
// that move messages between queue and in-flight window; no I/O, no clock of its own.
//
// Ownership: a Session belongs to the shard (thread) its client identifier hashes to.
// Thread-safety: none; used only on its shard's thread.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/ring_deque.hpp"
#include "protocol/packets.hpp"
#include "session/message.hpp"

namespace pregon::session {

// The subscription data a session keeps per topic filter.
struct Subscription {
  protocol::SubscriptionOptions options;
  uint32_t subscription_id = 0;  // 0: none
};

// Identifies a shared-subscription group a delivery came through, so that a member leaving can hand
// the message back to the group.
struct SharedOrigin {
  std::string group;
  std::string filter;
  bool operator==(const SharedOrigin&) const = default;
};

// One message on its way to this session.
struct Delivery {
  MessagePtr message;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  bool retain = false;
  // A retained message sent on SUBSCRIBE: encoded for this client alone, not cached on the message,
  // so that a subscription over many retained messages leaves no encoding behind on each of them.
  bool on_subscribe = false;
  std::vector<uint32_t> subscription_ids;
  // Behind a pointer: most deliveries come from no shared subscription, and a queue of thousands
  // should stay small.
  std::unique_ptr<const SharedOrigin> shared;
  // The key of its record in the durable store (persistent sessions only); 0 while not stored.
  uint64_t stored_sequence = 0;
  // Where its record waits in the store's next batch, while no earlier version of it is on disk
  // (broker::Persister's numbering); 0 otherwise.
  uint64_t stored_put = 0;
};

// A QoS 1/2 PUBLISH sent and not yet fully acknowledged.
struct Inflight {
  enum class State : uint8_t { AwaitPubAck, AwaitPubRec, AwaitPubComp };
  uint16_t packet_id = 0;
  State state = State::AwaitPubAck;
  Delivery delivery;
};

struct StoredWill {
  MessagePtr message;
  uint32_t delay_interval = 0;  // seconds (5.0 Will Delay Interval)
};

class Session {
 public:
  Session(std::string client_id, uint64_t id) : client_id_(std::move(client_id)), id_(id) {}

  const std::string& client_id() const { return client_id_; }
  uint64_t id() const { return id_; }

  // Session Expiry Interval in seconds; 0xFFFFFFFF never expires.
  uint32_t expiry_interval = 0;
  // Scratch for the owning shard's fan-out, which merges a message's matching subscriptions per
  // session without a lookup table: the fan-out that last saw this session (fanout_epoch, below)
  // and its slot there. Next to expiry_interval so that the two share eight bytes.
  uint32_t fanout_slot = 0;
  // Behind a pointer, like the username: an idle session without a will costs eight bytes for it.
  std::unique_ptr<StoredWill> will;
  // The username its client authenticated with (or gave, when no password file is used), for ACL
  // checks; null for anonymous clients. Kept behind a pointer: most sessions have none.
  std::unique_ptr<const std::string> username;

  std::map<std::string, Subscription, std::less<>> subscriptions;

  uint64_t fanout_epoch = 0;  // see fanout_slot

  // Outbound QoS 1/2 flow. The in-flight window changes only through these calls, which keep
  // the record of identifiers in use.
  const base::RingDeque<Inflight>& inflight() const { return inflight_; }
  const base::RingDeque<Delivery>& queue() const { return queue_; }
  // Bytes (Message::footprint) of the queued messages.
  size_t queued_bytes() const { return queued_bytes_; }
  Inflight* find_inflight(uint16_t packet_id);
  void add_inflight(Inflight f);
  bool erase_inflight(uint16_t packet_id);
  // Moves the deliveries of the in-flight entries that `take` selects into `out`.
  template <class Pred>
  void take_inflight_if(Pred take, std::vector<Delivery>& out);
  // A packet identifier not in use by any in-flight message [MQTT-2.2.1-3 / 2.3.1-2].
  uint16_t next_packet_id();

  // The queue of deliveries waiting for room in the in-flight window. Limits are the caller's.
  void enqueue(Delivery d);
  Delivery pop_queued();  // precondition: !queue().empty()
  // Moves the queued deliveries that `take` selects into `out`.
  template <class Pred>
  void take_queued_if(Pred take, std::vector<Delivery>& out);

  // Numbers the deliveries this session keeps in the durable store.
  uint64_t next_stored_sequence = 1;
  // The tail of the queue kept in the durable store only, past the in-memory budgets: how many
  // deliveries, from which sequence on (broker::Persister::spill). Newer deliveries join it while
  // it is not empty, so that the queue keeps its order.
  uint64_t spilled_from = 0;
  uint32_t spilled = 0;

 private:
  uint16_t last_packet_id_ = 0;  // here, beside `spilled`, to share its eight bytes

 public:
  // Opaque to the session layer: the owner's object for the connection this session is attached
  // to (the broker's Client), null while the session is offline.
  void* connection = nullptr;
  // When its shard next looks for expired messages in its queue; the epoch when not scheduled.
  TimePoint expiry_check{};
  // Marks every delivery as not stored, and nothing as spilled (the session's records were erased).
  void forget_stored();

  // Inbound QoS 2: packet identifiers PUBREC'd and awaiting PUBREL [MQTT-4.3.3-*].
  // Made on first use: most sessions never receive QoS 2.
  std::unordered_set<uint16_t>& inbound_qos2() {
    if (!inbound_qos2_) inbound_qos2_ = std::make_unique<std::unordered_set<uint16_t>>();
    return *inbound_qos2_;
  }

 private:
  std::string client_id_;
  uint64_t id_;
  bool id_in_use(uint16_t packet_id) const;
  void forget_id(uint16_t packet_id);

  base::RingDeque<Inflight> inflight_;  // both hold no memory while empty
  base::RingDeque<Delivery> queue_;
  size_t queued_bytes_ = 0;
  std::unique_ptr<std::unordered_set<uint16_t>> inbound_qos2_;
  // Identifiers in use, one bit each, kept only while the window is large: below kIdBitmapFrom
  // entries a scan of the window is cheaper than 8 KiB per session.
  static constexpr size_t kIdBitmapFrom = 64;
  std::unique_ptr<std::bitset<65536>> ids_in_use_;
};

template <class Pred>
void Session::take_queued_if(Pred take, std::vector<Delivery>& out) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (take(*it)) {
      queued_bytes_ -= it->message->footprint();
      out.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

template <class Pred>
void Session::take_inflight_if(Pred take, std::vector<Delivery>& out) {
  for (auto it = inflight_.begin(); it != inflight_.end();) {
    if (take(*it)) {
      forget_id(it->packet_id);
      out.push_back(std::move(it->delivery));
      it = inflight_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace pregon::session
