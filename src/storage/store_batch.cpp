// Batch: records are encoded as they are added (record_codec), keys per store_keys.hpp.
#include "storage/store_batch.hpp"

#include <utility>

#include "storage/record_codec.hpp"
#include "storage/store_keys.hpp"

namespace pregon::storage {

void Batch::add(OpType type, std::string key, std::string value, Column column) {
  bytes_ += key.size() + value.size();
  ops_.push_back(Op{type, column, std::move(key), std::move(value)});
}

void Batch::put_session(const StoredSession& session) {
  add(OpType::Put, session_key(session.client_id), encode_record(session));
}

void Batch::erase_session(std::string_view client_id) {
  add(OpType::EraseRange, client_prefix(client_id), client_prefix_end(client_id));
  add(OpType::EraseRange, client_prefix(client_id), client_prefix_end(client_id), Column::Spilled);
}

void Batch::put_subscription(std::string_view client_id, const StoredSubscription& subscription) {
  add(OpType::Put, subscription_key(client_id, subscription.filter), encode_record(subscription));
}

void Batch::erase_subscription(std::string_view client_id, std::string_view filter) {
  add(OpType::Erase, subscription_key(client_id, filter), {});
}

void Batch::put_message(uint64_t message_id, const StoredMessage& message) {
  add(OpType::Put, message_key(message_id), encode_record(message));
}

void Batch::erase_message(uint64_t message_id) { add(OpType::Erase, message_key(message_id), {}); }

void Batch::put_queued(std::string_view client_id, uint64_t sequence,
                       const StoredDelivery& delivery) {
  add(OpType::Put, queued_key(client_id, sequence), encode_record(delivery));
}

void Batch::erase_queued(std::string_view client_id, uint64_t sequence) {
  add(OpType::Erase, queued_key(client_id, sequence), {});
}

void Batch::put_spilled(std::string_view client_id, uint64_t sequence, const StoredSpilled& spilled) {
  add(OpType::Put, spilled_key(client_id, sequence), encode_record(spilled), Column::Spilled);
}

void Batch::erase_spilled(std::string_view client_id, uint64_t sequence) {
  add(OpType::Erase, spilled_key(client_id, sequence), {}, Column::Spilled);
}

void Batch::put_inflight(std::string_view client_id, const StoredInflight& inflight) {
  add(OpType::Put, inflight_key(client_id, inflight.packet_id), encode_record(inflight));
}

void Batch::erase_inflight(std::string_view client_id, uint16_t packet_id) {
  add(OpType::Erase, inflight_key(client_id, packet_id), {});
}

void Batch::put_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  add(OpType::Put, inbound_qos2_key(client_id, packet_id), {});
}

void Batch::erase_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  add(OpType::Erase, inbound_qos2_key(client_id, packet_id), {});
}

void Batch::put_retained(std::string_view topic, const StoredMessage& message) {
  add(OpType::Put, retained_key(topic), encode_record(message));
}

void Batch::erase_retained(std::string_view topic) {
  add(OpType::Erase, retained_key(topic), {});
}

}  // namespace pregon::storage
