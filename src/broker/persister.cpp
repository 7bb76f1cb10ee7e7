#include "broker/persister.hpp"

#include "broker/shard.hpp"
#include "broker/shard_impl.hpp"
#include "broker/stored_records.hpp"

namespace pregon::broker {

using session::Delivery;
using session::Inflight;
using session::Session;

namespace {

uint64_t inflight_tag(const Session& s, uint16_t packet_id) { return (s.id() << 16) | packet_id; }

}  // namespace

void Persister::write_session(const Session& s, uint8_t protocol_level, std::optional<int64_t> disconnected_at) {
  if (!enabled() || !persistent(s)) return;
  storage::StoredSession r;
  r.client_id = s.client_id();
  r.expiry_interval = s.expiry_interval;
  r.disconnected_at_unix_ms = disconnected_at;
  r.protocol_version = protocol_level;
  if (s.will) r.will = storage::StoredWill{to_stored(*s.will->message, ClockPair::now()), s.will->delay_interval};
  batch_.put_session(r);
}

void Persister::erase_session(const Session& s) {
  if (!enabled() || !persistent(s)) return;
  batch_.erase_session(s.client_id());
  for (const auto& d : s.queue()) {
    if (d.stored_sequence != 0) release_message(d.message.get());
  }
  for (const auto& f : s.inflight()) {
    if (f.delivery.stored_sequence != 0 && f.delivery.message) release_message(f.delivery.message.get());
  }
}

void Persister::write_subscription(const Session& s, std::string_view filter, const session::Subscription& sub) {
  if (enabled() && persistent(s)) batch_.put_subscription(s.client_id(), to_stored(filter, sub));
}

void Persister::erase_subscription(const Session& s, std::string_view filter) {
  if (enabled() && persistent(s)) batch_.erase_subscription(s.client_id(), filter);
}

void Persister::track(Session& s, Delivery& d) {
  if (!enabled() || !persistent(s) || d.qos == protocol::QoS::AtMostOnce || d.stored_sequence != 0) return;
  d.stored_sequence = s.next_stored_sequence++;
  hold_message(d.message);
}

void Persister::write_queued(const Session& s, const Delivery& d) {
  if (d.stored_sequence == 0) return;
  batch_.put_queued(s.client_id(), d.stored_sequence, to_stored(d, message_id(d.message.get())));
}

void Persister::write_inflight(const Session& s, const Inflight& f, bool was_queued) {
  const Delivery& d = f.delivery;
  if (d.stored_sequence == 0) return;
  if (was_queued) batch_.erase_queued(s.client_id(), d.stored_sequence);
  const auto state = f.state == Inflight::State::AwaitPubAck ? storage::InflightState::AwaitPubAck
                                                             : storage::InflightState::AwaitPubRec;
  if (f.state == Inflight::State::AwaitPubAck) {
    unwritten_inflight_[inflight_tag(s, f.packet_id)] = static_cast<uint32_t>(batch_.size());
  }
  batch_.put_inflight(s.client_id(), {f.packet_id, state, to_stored(d, message_id(d.message.get()))});
}

void Persister::write_released(const Session& s, const Inflight& f) {
  const Delivery& d = f.delivery;
  if (d.stored_sequence == 0) return;
  // [MQTT-4.3.3-5] after PUBREC only the identifier is kept, to resend PUBREL.
  storage::StoredInflight r{f.packet_id, storage::InflightState::AwaitPubComp, to_stored(d, 0)};
  batch_.put_inflight(s.client_id(), r);
  if (d.message) release_message(d.message.get());
}

void Persister::finish(const Session& s, const Delivery& d, std::optional<uint16_t> packet_id) {
  if (d.stored_sequence == 0) return;
  if (packet_id) {
    // A record not written yet, and never written before (QoS 1 has one), is taken back instead.
    if (auto it = unwritten_inflight_.find(inflight_tag(s, *packet_id)); it != unwritten_inflight_.end()) {
      batch_.withdraw(it->second);
      unwritten_inflight_.erase(it);
    } else {
      batch_.erase_inflight(s.client_id(), *packet_id);
    }
  } else {
    batch_.erase_queued(s.client_id(), d.stored_sequence);
  }
  if (d.message) release_message(d.message.get());
}

void Persister::write_inbound_qos2(const Session& s, uint16_t packet_id) {
  if (enabled() && persistent(s)) batch_.put_inbound_qos2(s.client_id(), packet_id);
}

void Persister::erase_inbound_qos2(const Session& s, uint16_t packet_id) {
  if (enabled() && persistent(s)) batch_.erase_inbound_qos2(s.client_id(), packet_id);
}

void Persister::adopt(const session::MessagePtr& m, uint64_t id) {
  auto [it, fresh] = messages_.try_emplace(m.get(), StoredMessage{id, 0});
  ++it->second.deliveries;
}

uint64_t Persister::hold_message(const session::MessagePtr& m) {
  auto [it, fresh] = messages_.try_emplace(m.get(), StoredMessage{0, 0});
  if (fresh) {
    it->second.id = next_message_id_.fetch_add(1, std::memory_order_relaxed);
    it->second.put_index = static_cast<uint32_t>(batch_.size());
    it->second.put_generation = generation_;
    batch_.put_message(it->second.id, to_stored(*m, ClockPair::now()));
  }
  ++it->second.deliveries;
  return it->second.id;
}

void Persister::release_message(const session::Message* m) {
  auto it = messages_.find(m);
  if (it == messages_.end()) return;
  if (--it->second.deliveries == 0) {
    if (it->second.put_generation == generation_) {
      batch_.withdraw(it->second.put_index);  // never written: nothing to erase
    } else {
      batch_.erase_message(it->second.id);
    }
    messages_.erase(it);
  }
}

uint64_t Persister::message_id(const session::Message* m) const {
  auto it = messages_.find(m);
  return it == messages_.end() ? 0 : it->second.id;
}

void Persister::commit(ShardRouter& router, When when) {
  if (!enabled() || (batch_.empty() && acks_.empty())) return;
  if (writing_ && when == When::Ready && batch_.byte_size() < kMaxWaitingBytes) return;
  writing_ = true;
  ++generation_;
  unwritten_inflight_.clear();
  store_->commit(std::move(batch_), [acks = std::move(acks_), &router, shard = shard_](bool ok) mutable {
    DurableAck::arrive_all(acks, ok, router);
    router.post(shard, [](Shard& s) { s.impl().persister.committed(s.impl().router); });
  });
  batch_ = {};
  acks_ = {};
}

void Persister::committed(ShardRouter& router) {
  writing_ = false;
  commit(router);
}

}  // namespace pregon::broker
