#include "broker/persister.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "broker/shard.hpp"
#include "broker/shard_impl.hpp"
#include "broker/stored_records.hpp"

namespace pregon::broker {

using session::Delivery;
using session::Inflight;
using session::Session;

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
  // Its waiting records are taken back: written after the range deletion, they would outlive it.
  for (const auto& d : s.queue()) {
    if (unwritten(d.stored_put)) withdraw(d.stored_put);
  }
  for (const auto& f : s.inflight()) {
    if (unwritten(f.delivery.stored_put)) withdraw(f.delivery.stored_put);
  }
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

void Persister::write_queued(const Session& s, Delivery& d) {
  if (d.stored_sequence == 0) return;
  d.stored_put = defer_delivery(Deferred::Kind::Queued, s, d, d.stored_sequence, 0);
  if (d.stored_put == 0) {
    batch_.put_queued(s.client_id(), d.stored_sequence, to_stored(d, message_id(d.message.get())));
  }
}

void Persister::write_inflight(const Session& s, Inflight& f, bool was_queued) {
  Delivery& d = f.delivery;
  if (d.stored_sequence == 0) return;
  const bool qos1 = f.state == Inflight::State::AwaitPubAck;
  if (was_queued && unwritten(d.stored_put)) {
    if (qos1) {
      // Its queued record was not written: it becomes the in-flight one, and keeps its place.
      Deferred& e = entry(d.stored_put);
      e.kind = Deferred::Kind::Inflight;
      e.packet_id = f.packet_id;
      ++deferred_inflight_;
      return;
    }
    withdraw(d.stored_put);
  } else if (was_queued) {
    batch_.erase_queued(s.client_id(), d.stored_sequence);
  }
  d.stored_put = qos1 && !was_queued ? defer_delivery(Deferred::Kind::Inflight, s, d, 0, f.packet_id) : 0;
  if (d.stored_put != 0) return;
  // Written with the next commit, in order: QoS 2 (rewritten at PUBREC under the same key), a
  // delivery whose queued record is on disk (erased in the same commit), and the rare one that is
  // never deferred.
  const auto state = qos1 ? storage::InflightState::AwaitPubAck : storage::InflightState::AwaitPubRec;
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
  erase_delivery(s, d, packet_id);
  if (d.message) release_message(d.message.get());
}

void Persister::hand_back(const Session& s, const Delivery& d, std::optional<uint16_t> packet_id) {
  if (d.stored_sequence == 0) return;
  erase_delivery(s, d, packet_id);
  if (d.message) release_message(d.message.get(), false);
}

void Persister::erase_delivery(const Session& s, const Delivery& d, std::optional<uint16_t> packet_id) {
  if (unwritten(d.stored_put)) {
    withdraw(d.stored_put);  // not written yet, and never written before: nothing to erase
  } else if (packet_id) {
    batch_.erase_inflight(s.client_id(), *packet_id);
  } else {
    batch_.erase_queued(s.client_id(), d.stored_sequence);
  }
}

void Persister::spill(Session& s, const Delivery& d) {
  if (s.spilled == 0) s.spilled_from = s.next_stored_sequence;
  batch_.put_spilled(s.client_id(), s.next_stored_sequence++,
                     storage::StoredSpilled{to_stored(d, 0), to_stored(*d.message, ClockPair::now())});
  ++s.spilled;
  spilled_ = d.message.get();
}

size_t Persister::unspill(Session& s, size_t max_count, size_t max_bytes, std::vector<Delivery>& out,
                          uint64_t& expired) {
  const ClockPair now = ClockPair::now();
  size_t taken = 0;
  uint64_t last = 0;
  const auto read = store_->read_spilled(
      s.client_id(), s.spilled_from, max_count, max_bytes,
      [&](uint64_t sequence, std::optional<storage::StoredSpilled>&& e) {
        ++taken;
        last = sequence;
        batch_.erase_spilled(s.client_id(), sequence);
        if (!e) return;  // undecodable: logged by the store
        session::MessagePtr m = from_stored(e->message, now);
        if (!m) {
          ++expired;  // [MQTT-3.3.2-5]
          return;
        }
        Delivery d = from_stored(e->delivery);
        d.message = std::move(m);
        d.stored_sequence = sequence;
        // Written again as an ordinary queued record in the same batch that erases the spilled one.
        const uint64_t id = next_message_id_.fetch_add(1, std::memory_order_relaxed);
        messages_.emplace(d.message.get(), StoredMessage{id, 1});
        batch_.put_message(id, e->message);
        batch_.put_queued(s.client_id(), sequence, to_stored(d, id));
        out.push_back(std::move(d));
      });
  // What was read before an error counts like the rest: it is in `out` and in the batch.
  if (!read) spdlog::error("persistence: reading the spilled queue of {}: {}", s.client_id(), read.error().message);
  if (read && taken == 0 && !writing_ && batch_.empty()) {
    // Nothing of it is on its way to the store either: the count is wrong (records lost or damaged).
    spdlog::warn("persistence: {} spilled message{} of {} not found in the store", s.spilled,
                 s.spilled == 1 ? "" : "s", s.client_id());
    s.spilled = 0;
    return 0;
  }
  s.spilled -= static_cast<uint32_t>(std::min<size_t>(taken, s.spilled));
  if (taken > 0) s.spilled_from = last + 1;
  return taken;
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
    Deferred e;
    e.kind = Deferred::Kind::Message;
    e.key = it->second.id;
    e.message = m.get();
    it->second.put = defer(e);
  }
  ++it->second.deliveries;
  return it->second.id;
}

void Persister::release_message(const session::Message* m, bool ack_may_go) {
  auto it = messages_.find(m);
  if (it == messages_.end()) return;
  if (--it->second.deliveries == 0) {
    if (unwritten(it->second.put)) {
      withdraw(it->second.put);  // never written: nothing to erase
      if (it->second.ack != 0 && ack_may_go) {
        // Nothing of the message is left to make durable here: its PUBACK need not wait.
        released_.push_back(std::move(acks_[it->second.ack - 1 - acks_popped_].ack));
      }
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

void Persister::hold(const session::Message& m, std::shared_ptr<DurableAck> ack) {
  const bool spilled = std::exchange(spilled_, nullptr) == &m;  // written at once: it waits for the commit
  if (ack->kind == AckKind::PubAck && !spilled) {
    auto it = messages_.find(&m);
    if (it == messages_.end()) {
      released_.push_back(std::move(ack));  // nothing of it is kept here
      return;
    }
    if (unwritten(it->second.put)) it->second.ack = acks_popped_ + acks_.size() + 1;
  }
  hold(std::move(ack));
}

uint64_t Persister::defer(Deferred e) {
  if (e.kind == Deferred::Kind::Inflight) ++deferred_inflight_;
  ++deferred_live_;
  deferred_bytes_ += record_bytes(e);
  e.since = pass_;
  deferred_.push_back(e);
  return handed_over_ + deferred_.size();
}

uint64_t Persister::defer_delivery(Deferred::Kind kind, const Session& s, const Delivery& d, uint64_t key,
                                   uint16_t packet_id) {
  if (!d.subscription_ids.empty() || d.shared) return 0;
  Deferred e;
  e.kind = kind;
  e.qos = static_cast<uint8_t>(d.qos);
  e.retain = d.retain;
  e.packet_id = packet_id;
  e.key = key;
  e.session = &s;
  e.message = d.message.get();
  return defer(e);
}

size_t Persister::record_bytes(const Deferred& e) {
  if (e.kind != Deferred::Kind::Message) return kDeliveryRecordBytes;
  return kDeliveryRecordBytes + e.message->topic().size() + e.message->payload().size();
}

void Persister::forget(Deferred& e) {
  if (e.kind == Deferred::Kind::Withdrawn) return;
  deferred_bytes_ -= record_bytes(e);
  if (e.kind == Deferred::Kind::Inflight) --deferred_inflight_;
  e.kind = Deferred::Kind::Withdrawn;
  --deferred_live_;
}

void Persister::withdraw(uint64_t put) { forget(entry(put)); }

size_t Persister::ripe(When when, session::TimePoint now) const {
  if (when == When::Now || !patient_ || deferred_inflight_ == 0 ||
      batch_.byte_size() + deferred_bytes_ >= kMaxWaitingBytes) {
    return deferred_.size();
  }
  size_t n = 0;  // entries are in the order of their passes
  while (n < deferred_.size() && now - deferred_[n].since >= kPatience) ++n;
  return n;
}

void Persister::hand_over_deferred(size_t count) {
  const ClockPair now = ClockPair::now();
  for (size_t i = 0; i < count; ++i) {
    Deferred& e = deferred_.front();
    if (e.kind == Deferred::Kind::Message) {
      batch_.put_message(e.key, to_stored(*e.message, now));
    } else if (e.kind != Deferred::Kind::Withdrawn) {
      storage::StoredDelivery d;
      d.message_id = message_id(e.message);
      d.qos = e.qos;
      d.retain = e.retain;
      if (e.kind == Deferred::Kind::Queued) {
        batch_.put_queued(e.session->client_id(), e.key, d);
      } else {
        batch_.put_inflight(e.session->client_id(),
                            {e.packet_id, storage::InflightState::AwaitPubAck, std::move(d)});
      }
    }
    forget(e);
    deferred_.pop_front();
    ++handed_over_;
  }
}

void Persister::commit(ShardRouter& router, When when) {
  if (!enabled()) return;
  const session::TimePoint now = session::Clock::now();
  pass_ = now;
  spilled_ = nullptr;
  if (!released_.empty()) {
    DurableAck::arrive_all(released_, true, router);
    released_.clear();
  }
  if (writing_ && when == When::Ready && batch_.byte_size() + deferred_bytes_ < kMaxWaitingBytes) return;
  hand_over_deferred(ripe(when, now));
  std::vector<std::shared_ptr<DurableAck>> acks;
  while (!acks_.empty() && acks_.front().after <= handed_over_ + 1) {
    if (acks_.front().ack) acks.push_back(std::move(acks_.front().ack));
    acks_.pop_front();
    ++acks_popped_;
  }
  if (batch_.empty() && acks.empty()) return;  // everything due was taken back
  writing_ = true;
  store_->commit(std::move(batch_), [acks = std::move(acks), &router, shard = shard_](bool ok) mutable {
    DurableAck::arrive_all(acks, ok, router);
    router.post(shard, [](Shard& s) { s.impl().store_committed(); });
  });
  batch_ = {};
}

void Persister::committed(ShardRouter& router) {
  writing_ = false;
  commit(router);
}

}  // namespace pregon::broker
