// ShardImpl: the state and handlers behind Shard. Split across files by concern:
//   shard.cpp        input framing and dispatch, ticks, close, shutdown
//   connect.cpp      CONNECT: identifier rules, takeover, session resume, CONNACK
//   publish_in.cpp   PUBLISH and PUBREL from clients: QoS 1/2 flows, topic aliases, retained
//   delivery.cpp     fan-out: matching, merging overlapping subscriptions, in-flight window and queue
//   subscribe.cpp    SUBSCRIBE and UNSUBSCRIBE, shared-group membership
//   retained_stream.cpp  retained messages on subscribe, sent in batches as the client has room
//   acks.cpp         PUBACK, PUBREC, PUBCOMP from clients
//   lifecycle.cpp    wills, session end and expiry
//   replies.cpp      encoding and sending control packets
//
// Thread-safety: everything here runs on the shard's own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker_state.hpp"
#include "broker/client.hpp"
#include "broker/counters.hpp"
#include "broker/deadline_wheel.hpp"
#include "broker/durable_ack.hpp"
#include "broker/message_inbox.hpp"
#include "broker/persister.hpp"
#include "broker/shard.hpp"
#include "protocol/codec.hpp"
#include "routing/subscription_tree.hpp"
#include "session/session.hpp"
#include "session/session_store.hpp"

namespace pregon::broker {

// A subscriber anywhere in the broker: the shard that owns the session, and the session's id.
struct SessionRef {
  unsigned shard = 0;
  uint64_t session_id = 0;
  bool operator==(const SessionRef&) const = default;
};

struct SessionRefHash {
  size_t operator()(const SessionRef& r) const noexcept {
    return std::hash<uint64_t>{}(r.session_id * 31u + r.shard);
  }
};

}  // namespace pregon::broker

template <>
struct std::hash<pregon::broker::SessionRef> : pregon::broker::SessionRefHash {};

namespace pregon::broker {

using session::Delivery;
using session::MessagePtr;
using session::Session;

// The shard that owns a client identifier's session, and a shared group's member list.
unsigned shard_of_client_id(std::string_view client_id, unsigned shard_count);
unsigned shard_of_group(std::string_view group, std::string_view filter, unsigned shard_count);
// The key under which a session keeps a shared subscription: the filter as subscribed.
std::string shared_filter_key(const session::SharedOrigin& origin);

// The client connected to a session, or null while it is offline.
inline Client* attached_client(const Session& s) { return static_cast<Client*>(s.connection); }

// A will waiting for its Will Delay Interval. The session's stored record keeps it meanwhile (with
// the protocol level and disconnection time below, to write the record again without it once it
// went out), so that a restart does not lose it.
struct PendingWill {
  TimePoint due;
  uint64_t session_id;  // 0: its session ended while the broker was down
  MessagePtr message;
  uint8_t protocol_level = 0;
  int64_t disconnected_at_unix_ms = 0;
};

struct ShardImpl {
  ShardImpl(unsigned index, BrokerState& state, ShardRouter& router);

  unsigned index;
  BrokerState& state;
  ShardRouter& router;
  // The broker's configuration, copied: a reload replaces its limits on this thread (set_limits).
  config::Config config;
  session::MessageMemory& memory;  // this thread's pool and encoding scratch
  std::shared_ptr<const Access> access;  // password file, ACL, anonymous access; replaced on reload
  Persister persister;
  // The persister's earlier commit is durable: it goes on, and sessions that waited for their
  // spilled messages to reach the store are pumped.
  void store_committed();
  // Sessions whose spilled messages could not be read back yet (still being written).
  std::vector<uint64_t> awaiting_spilled;
  uint64_t next_client_serial = 1;

  std::vector<Client*> clients;  // in no order; a client's slot is its index
  std::unique_ptr<session::SessionStore> sessions;
  // Detached sessions with a finite expiry: the deadline of each, and the same in deadline order so
  // that a tick looks only at what is due, however many sessions wait. Heap entries whose session
  // reconnected (no longer in `expiring`, or with another deadline) are skipped when they come up.
  std::unordered_map<uint64_t, TimePoint> expiring;
  std::priority_queue<std::pair<TimePoint, uint64_t>, std::vector<std::pair<TimePoint, uint64_t>>, std::greater<>>
      expiry_order;
  void expire_at(uint64_t session_id, TimePoint deadline);
  void end_expired_sessions(TimePoint now);
  // Queued messages with a Message Expiry Interval: when to look at which session's queue, so that
  // an expired message does not wait in memory (or on disk) until its client comes back. Checks are
  // rounded up to whole seconds, so a queue is scanned at most once a second.
  std::priority_queue<std::pair<TimePoint, uint64_t>, std::vector<std::pair<TimePoint, uint64_t>>, std::greater<>>
      message_expiry_order;
  void schedule_expiry_check(Session& s, TimePoint deadline);
  void drop_expired_messages(TimePoint now);
  std::vector<PendingWill> pending_wills;
  routing::SubscriptionTree<SessionRef, session::Subscription> tree;
  std::vector<std::vector<Routed>> outbox;  // per target shard, flushed at end of iteration
  // A session's ordinary subscription into and out of `tree`. These and join_group/leave_group are
  // the only ways in and out: they keep the broker's ShardInterest, on the session's thread.
  void add_to_tree(std::string_view filter, SessionRef me, const session::Subscription& sub);
  void remove_from_tree(std::string_view filter, SessionRef me);
  std::vector<Routed> arrived;              // what the last drain took from our inbox
  uint64_t next_session_serial = 1;
  // Clients by when their connect timeout or keep-alive may next run out: a tick visits the few
  // that may be due, not every client.
  DeadlineWheel<Client> deadlines{std::chrono::milliseconds(250), 64};
  // When `c` is next to be looked at, or nothing (connected without keep-alive, or closing); files
  // it in `deadlines`, or closes it when that time has come.
  void watch(Client& c, TimePoint now);

  // Scratch for merging overlapping subscriptions during fan-out; reused, never shrunk. A session
  // already in `merge` carries this fan-out's epoch and its slot (Session::fanout_*).
  std::vector<std::pair<Session*, Delivery>> merge;
  uint64_t fanout_epoch = 0;

  // shard.cpp
  InputResult on_input(Client& c, std::span<const uint8_t> data, TimePoint now);
  bool dispatch(Client& c, const protocol::Frame& frame, TimePoint now, InputResult& result);
  // Every PUBLISH is decoded into this one object (views into the read buffer), not into a Packet.
  protocol::Publish inbound_publish;
  bool on_publish_frame(Client& c, const protocol::Frame& frame, TimePoint now);
  // PUBACK, PUBREC, PUBREL, PUBCOMP: decoded to what the flows need, not into a Packet.
  bool on_flow_frame(Client& c, const protocol::Frame& frame, TimePoint now);
  void on_disconnect(Client& c, const protocol::Disconnect& p);
  // Charges one PUBLISH of `bytes` to the client's rate limits; false when over either.
  bool within_publish_rate(Client& c, size_t bytes, TimePoint now);
  // A topic name or filter within limits.max_topic_length and max_topic_levels; counts the one exceeded.
  bool within_topic_limits(std::string_view topic);
  // `say_why`: a 5.0 client gets `why` as the DISCONNECT's Reason String.
  void close_client(Client& c, protocol::ReasonCode reason, std::string_view why, bool say_why = false);
  void on_closed(Client& c, TimePoint now);
  // Removes `c` from `clients` (the last takes its slot) and from the open-connection counts, and
  // destroys it.
  void forget_client(Client& c);
  void tick(TimePoint now);

  // Failed logins per client address: past kMaxFailedLogins within kFailedLoginWindow, further
  // attempts from that address are refused without checking a password (which costs a millisecond
  // of this thread) until the window ends. Pruned by tick.
  struct FailedLogins {
    TimePoint since;
    unsigned count = 0;
  };
  std::unordered_map<std::string, FailedLogins> failed_logins;
  static constexpr unsigned kMaxFailedLogins = 10;
  static constexpr auto kFailedLoginWindow = std::chrono::seconds(10);

  // connect.cpp
  bool on_connect(Client& c, protocol::Connect& p, TimePoint now, InputResult& result);
  void refuse_connect(Client& c, std::string_view client_id, protocol::ReasonCode reason, std::string_view why);

  // publish_in.cpp
  // `frame`: the whole packet as received.
  void on_publish(Client& c, protocol::Publish& p, TimePoint now, std::span<const uint8_t> frame);
  void on_pubrel(Client& c, uint16_t packet_id);
  // Stores a RETAIN message as its topic's retained message, or clears it when the payload is empty.
  // With persistence, the change is written too, and reported to `ack` once durable. False when the
  // retained budget (count or bytes) has no room for it: nothing changed. $SYS topics (the broker's
  // own) are kept in memory only and outside the budgets.
  bool keep_retained(const MessagePtr& m, const std::shared_ptr<DurableAck>& ack = nullptr);
  // Sends a PUBACK/PUBREC/PUBREL in order with those owed before it; `wait` holds it until
  // send_durable_ack.
  void acknowledge(Client& c, uint16_t packet_id, AckKind kind, protocol::ReasonCode reason, bool wait);
  void send_ack(Client& c, uint16_t packet_id, AckKind kind, protocol::ReasonCode reason);
  void send_durable_ack(const DurableAck& ack);
  void send_owed_acks(Client& c);
  // Sets a session's expiry; a session that becomes persistent, or stops being so, is written to
  // or erased from the store.
  void set_expiry(Session& s, uint32_t expiry_interval);
  void count_persistent_subscriptions(const Session& s, int64_t sign);

  // delivery.cpp
  // From a client or a will: to all shards. `ack` is reported by each shard once its writes for the
  // message are durable.
  void publish(const MessagePtr& m, TimePoint now, const std::shared_ptr<DurableAck>& ack = nullptr);
  void route_local(const MessagePtr& m, TimePoint now);
  void dispatch_shared(const MessagePtr& m, session::SharedOrigin origin, SessionRef member,
                       session::Subscription sub, TimePoint now, size_t group_size, unsigned attempts);
  void deliver_to_member(const MessagePtr& m, const session::SharedOrigin& origin, SessionRef member,
                         const session::Subscription& sub, TimePoint now, size_t group_size, unsigned attempts);
  // Hands a shared message back to its group's owner to pick another member.
  void regroup(const MessagePtr& m, const session::SharedOrigin& origin, TimePoint now, unsigned attempts);
  void deliver(Session& s, Delivery d, TimePoint now);
  // Moves queued messages into the in-flight window, then goes on with retained streams.
  void pump(Session& s, TimePoint now);
  // False (and nothing sent) when the message expired or is too large for the client.
  bool send_publish(Client& c, const Delivery& d, uint16_t packet_id, bool dup, TimePoint now);
  bool may_send(const Client& c, const Delivery& d, bool dup, TimePoint now);
  void write_publish(Client& c, const Delivery& d, uint16_t packet_id, bool dup, TimePoint now);
  // A held QoS 2 PUBLISH whose in-flight record is now durable (AckKind::Publish).
  void send_held_publish(Client& c, uint16_t packet_id);
  void count_publish_sent(protocol::QoS qos, size_t payload_bytes, size_t packet_bytes) {
    ++counters.publish_sent[static_cast<uint8_t>(qos)];
    counters.publish_bytes_sent += payload_bytes;
    ++counters.packets_sent;
    counters.bytes_sent += packet_bytes;
  }
  size_t window(const Client& c) const;
  // Whether the client's in-flight window and output buffer can take another QoS 1/2 message.
  bool has_room(const Client& c, const Session& s) const;
  // Sends with a fresh packet identifier and records it as in flight.
  void send_in_window(Client& c, Session& s, Delivery d, TimePoint now, bool was_queued);
  // The session queue, counted in the broker-wide total.
  void enqueue(Session& s, Delivery d);
  Delivery dequeue(Session& s);
  // Whether `bytes` more would take `s` over a queue budget (count, its bytes, or all sessions' bytes).
  bool over_budget(const Session& s, size_t bytes) const;
  // Applies the queue budgets before `bytes` more are queued for `s`, dropping its oldest entries
  // under drop_oldest. False: the new message must be dropped.
  bool make_room(Session& s, size_t bytes);
  // Reads the oldest spilled messages of `s` back into its (empty) queue, as many as its budgets
  // allow. False when none could be read yet: they are still being written, and the session is
  // pumped again when they are (store_committed).
  bool refill(Session& s);
  std::vector<Delivery> refilled;  // scratch for refill
  void flush_outbox();
  void drain_inbox(TimePoint now);
  // Drop counters, reported in the log (tick) and as metrics.
  Drops drops;
  Drops reported;  // as of the last log line
  ShardCounters counters;
  TimePoint last_drop_report{};
  void report_drops(TimePoint now);  // one log line, at most every 10 s, when something was dropped

  // subscribe.cpp
  void on_subscribe(Client& c, const protocol::Subscribe& p, TimePoint now);
  void on_unsubscribe(Client& c, const protocol::Unsubscribe& p);
  // On the member's thread; `new_member` false when the session replaces its subscription.
  void join_group(const std::string& group, const std::string& filter, SessionRef member,
                  const session::Subscription& sub, bool new_member);
  void leave_group(const std::string& group, const std::string& filter, SessionRef member);

  // retained_stream.cpp
  // [MQTT-3.3.1-9/10/11] Retain Handling for a subscription just made or replaced on `c`: starts
  // (or restarts) its stream of retained messages, keeps or stops one in progress. Sends nothing.
  void plan_retained(Client& c, const std::string& filter, const session::Subscription& sub, bool existed);
  void stop_retained(Client& c, std::string_view filter);  // UNSUBSCRIBE
  // Sends what the client has room for from its streams, oldest first; the rest waits for
  // pump (acknowledgements, output drained).
  void send_retained(Client& c, TimePoint now);
  std::vector<MessagePtr> retained_batch;  // scratch: one batch taken under the store's lock

  // acks.cpp
  void on_puback(Client& c, uint16_t packet_id, TimePoint now);
  void on_pubrec(Client& c, const protocol::FlowPacket& p, TimePoint now);
  void on_pubcomp(Client& c, uint16_t packet_id, TimePoint now);

  // lifecycle.cpp
  Session* find_session(uint64_t id);
  Session& create_session(std::string client_id);
  void end_session(Session& s, TimePoint now);
  void detach(Client& c, TimePoint now);
  void schedule_will(Session& s, TimePoint now);
  void fire_will(uint64_t session_id, TimePoint now);  // publishes and forgets its pending will
  void fire_pending_will(size_t index, TimePoint now);
  void publish_will(const MessagePtr& will, TimePoint now);
  // Hands queued and unacknowledged QoS 1 messages from shared groups back to their groups.
  void return_shared(Session& s);

  // replies.cpp
  template <class P>
  void send(Client& c, const P& packet);
  // `reason_string` non-empty: sent as the Reason String when the client's Maximum Packet Size allows.
  void send_disconnect(Client& c, protocol::ReasonCode reason, std::string_view reason_string = {});
};

template <class P>
void ShardImpl::send(Client& c, const P& packet) {
  auto& bytes = memory.scratch;
  bytes.clear();
  protocol::encode(packet, c.version, bytes);
  ++counters.packets_sent;
  counters.bytes_sent += bytes.size();
  c.link.send(bytes);
}

}  // namespace pregon::broker
