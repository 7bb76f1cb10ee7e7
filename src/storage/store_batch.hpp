// Batch: a set of writes to the durable store that becomes durable all at once (atomically) when
// passed to DurableStore::commit. Build one per unit of work on the owning event loop, then hand
// it over; records are encoded when added, so the caller's objects need not outlive the call.
//
// Operations apply in the order they were added: erase_session followed by put_session in the
// same batch leaves only the new session. Not thread-safe; a batch belongs to one thread until it
// is moved into commit().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

namespace pregon::storage {

class Batch {
 public:
  enum class OpType : uint8_t { Put, Erase, EraseRange };
  // The column family: spilled queue entries are kept apart (store_open.cpp says why).
  enum class Column : uint8_t { Main, Spilled };
  struct Op {
    OpType type = OpType::Put;
    Column column = Column::Main;
    std::string key;
    std::string value;  // the record for Put; the (exclusive) end key for EraseRange
  };

  // The session record itself (keyed by session.client_id).
  void put_session(const StoredSession& session);
  // Erases the session and every key of that client: subscriptions, queue, spilled queue, in-flight
  // and inbound QoS 2 ids (one range deletion per column family).
  void erase_session(std::string_view client_id);

  void put_subscription(std::string_view client_id, const StoredSubscription& subscription);
  void erase_subscription(std::string_view client_id, std::string_view filter);

  // Messages are shared by every delivery that refers to them by id.
  void put_message(uint64_t message_id, const StoredMessage& message);
  void erase_message(uint64_t message_id);

  // A session's queue of deliveries not yet sent; load() returns it in sequence order.
  void put_queued(std::string_view client_id, uint64_t sequence, const StoredDelivery& delivery);
  void erase_queued(std::string_view client_id, uint64_t sequence);

  // The part of a queue kept on disk only, past the session's in-memory budget; read back with
  // DurableStore::read_spilled.
  void put_spilled(std::string_view client_id, uint64_t sequence, const StoredSpilled& spilled);
  void erase_spilled(std::string_view client_id, uint64_t sequence);

  // Keyed by inflight.packet_id.
  void put_inflight(std::string_view client_id, const StoredInflight& inflight);
  void erase_inflight(std::string_view client_id, uint16_t packet_id);

  // Packet ids of incoming QoS 2 PUBLISHes received but not yet released by PUBREL, so that a
  // resent PUBLISH is not delivered twice after a restart [MQTT-4.3.3-10].
  void put_inbound_qos2(std::string_view client_id, uint16_t packet_id);
  void erase_inbound_qos2(std::string_view client_id, uint16_t packet_id);

  void put_retained(std::string_view topic, const StoredMessage& message);
  void erase_retained(std::string_view topic);

  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Bytes of keys and values held, an estimate of what the write will take.
  size_t byte_size() const { return bytes_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  void add(OpType type, std::string key, std::string value, Column column = Column::Main);

  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

}  // namespace pregon::storage
