// One generator connection as a state machine: what it has sent, what it waits for, and what an
// incoming packet means for it. No I/O: the loop (generator_loop.hpp) owns the socket, feeds decoded
// packets to handle() and writes out() to the wire. Owned by one generator thread; not thread-safe.
//
// A publisher encodes its PUBLISH once (make_publisher) and append_publish() copies that template,
// patching only the packet identifier and the payload stamp.
//
// A persistent subscriber (ClientPlan::persistent) connects with a session the broker keeps:
// 3.1.1 clean session 0, 5.0 clean start 1 with Session Expiry Interval kPersistentSessionExpiry.
// At the end it leaves nothing behind that would keep collecting messages: 5.0 disconnects with
// Session Expiry Interval 0 (the session ends with the connection), 3.1.1, which has no such
// field, unsubscribes first (an empty session stays). A delivery stamped before the run began
// comes from a session an earlier run left behind: it is acknowledged and counted as Stale, never
// as a delivery, so loss and duplicate checks see only this run's messages.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bench/payload.hpp"
#include "bench/scenario_plan.hpp"
#include "bench/sequence_tracker.hpp"
#include "protocol/packets.hpp"
#include "transport/client_stream.hpp"

namespace pregon::bench {

enum class ClientState { Idle, Connecting, AwaitConnAck, AwaitSubAck, Ready, Closed };

// What handle() found, for the loop to account.
struct Reaction {
  enum Kind { None, Connected, Refused, Subscribed, Delivered, Duplicate, Stale, Acked, Unexpected } kind = None;
  Stamp stamp;          // Delivered/Duplicate
  bool reordered = false;
};

class BenchClient {
 public:
  // `run_start_ns`: no PUBLISH of this run is stamped earlier (monotonic clock, see payload.hpp).
  BenchClient(const ClientPlan& plan, protocol::ProtocolVersion version, protocol::QoS qos,
              uint64_t run_start_ns = 0);

  const ClientPlan& plan() const { return *plan_; }
  ClientState state() const { return state_; }
  void set_state(ClientState s) { state_ = s; }

  // Queues CONNECT (keep-alive 0: idle connections must stay up for --hold without pings).
  void queue_connect();
  // Queues DISCONNECT (a persistent subscriber first ends or empties its session, see above).
  void queue_disconnect();
  // Encodes the PUBLISH template; publishers only.
  void make_publisher(uint32_t payload_size);

  // Decoded packet from the broker; may queue replies (PUBACK, PUBREC, PUBREL, PUBCOMP).
  Reaction handle(const protocol::Packet& packet);
  Reaction handle(const protocol::Publish& publish);
  Reaction handle(const protocol::FlowPacket& step);

  // Publisher: may another PUBLISH go out now, as far as packet identifiers and the broker's
  // Receive Maximum allow (always true at QoS 0)?
  bool can_publish() const;
  // Publisher: appends one PUBLISH stamped with `now_ns` and the next sequence number.
  void append_publish(uint64_t now_ns);
  uint64_t sent() const { return next_sequence_; }
  uint32_t inflight() const { return inflight_; }

  // Subscriber bookkeeping.
  const SequenceTracker* tracker() const { return tracker_ ? &*tracker_ : nullptr; }

  // Bytes waiting to be written: [out_.data() + out_head_, out_.data() + out_.size()).
  size_t pending() const { return out_.size() - out_head_; }
  const uint8_t* pending_data() const { return out_.data() + out_head_; }
  void consume(size_t n);

  // Bytes of an incomplete packet carried over between reads.
  std::vector<uint8_t> partial;
  int fd = -1;
  // TLS and/or WebSocket between out_ and the socket; none for plain TCP.
  std::unique_ptr<transport::ClientStream> stream;
  bool tcp_up = false;       // the non-blocking connect completed
  bool write_armed = false;  // EPOLLOUT registered
  bool queued = false;       // on the loop's list of clients with output
  uint64_t connect_started_ns = 0;
  uint64_t stall_since_ns = 0;  // publisher: when its window last filled with no progress
  uint64_t forgiven = 0;        // publisher: outstanding messages written off as lost (QoS 0)
  uint64_t last_delivered = 0;  // publisher: delivered count seen when the stall began

 private:
  uint16_t take_packet_id();
  void release_packet_id(uint16_t id);

  const ClientPlan* plan_;
  protocol::ProtocolVersion version_;
  protocol::QoS qos_;
  uint64_t run_start_ns_;
  ClientState state_ = ClientState::Idle;
  std::vector<uint8_t> out_;
  size_t out_head_ = 0;

  // Publisher.
  std::vector<uint8_t> template_;
  size_t payload_offset_ = 0;
  size_t packet_id_offset_ = 0;
  uint64_t next_sequence_ = 0;
  uint32_t inflight_ = 0;
  uint32_t receive_maximum_ = 65535;
  uint16_t next_id_ = 1;
  std::unique_ptr<std::bitset<65536>> ids_in_use_;

  // Subscriber.
  std::optional<SequenceTracker> tracker_;
};

}  // namespace pregon::bench
