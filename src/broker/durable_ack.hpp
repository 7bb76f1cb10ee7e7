// DurableAck: a PUBACK or PUBREC that may be sent only once the message it acknowledges is durable
// wherever it must survive (every shard's queues of persistent sessions, the retained store), or a
// PUBREL or QoS 2 PUBLISH that may be sent only once the session's record of the flow is. Every shard that routes the
// message, and the retained store when it keeps it, report once, after their writes for it are
// durable (a shard that keeps nothing of a QoS 1 message, or took back all it had, reports at once);
// the last report hands the packet back to the origin shard, which sends it in order with the
// client's other acknowledgements.
//
// Thread-safety: arrive() from any thread; the other fields are fixed at construction.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "broker/shard_router.hpp"

namespace pregon::broker {

// PubAck, PubRec: to a client's PUBLISH. PubRel: to its PUBREC. Publish: a QoS 2 PUBLISH to it,
// held until its in-flight record is durable.
enum class AckKind : uint8_t { PubAck, PubRec, PubRel, Publish };

struct DurableAck {
  DurableAck(unsigned reports, unsigned origin_shard, uint64_t session_id, uint64_t client_serial, uint16_t packet_id,
             AckKind what)
      : remaining(reports),
        origin(origin_shard),
        session(session_id),
        client(client_serial),
        packet(packet_id),
        kind(what) {}

  // One report. `ok` false: a write failed, and the acknowledgement becomes an error.
  static void arrive(const std::shared_ptr<DurableAck>& ack, bool ok, ShardRouter& router);
  // One report for each of `acks` (one commit's; null entries are skipped); those completed go back
  // to their origin shards in one task per shard.
  static void arrive_all(std::vector<std::shared_ptr<DurableAck>>& acks, bool ok, ShardRouter& router);

  std::atomic<unsigned> remaining;
  std::atomic<bool> failed{false};
  const unsigned origin;
  const uint64_t session;
  const uint64_t client;  // Client::serial of the connection that sent the PUBLISH
  const uint16_t packet;
  const AckKind kind;
};

}  // namespace pregon::broker
