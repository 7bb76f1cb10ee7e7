#include "broker/recovery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "broker/retained.hpp"
#include "broker/shard.hpp"
#include "broker/shard_impl.hpp"
#include "broker/stored_records.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

std::unique_ptr<storage::DurableStore> open_store(const config::Config& config) {
  const auto& p = config.persistence;
  if (!p.enabled) return nullptr;
  storage::StoreOptions options;
  options.dir = p.dir;
  options.sync = p.sync == "always" ? storage::SyncMode::Always
                 : p.sync == "none" ? storage::SyncMode::None
                                    : storage::SyncMode::Batch;
  options.batch_window = std::chrono::microseconds(p.batch_window_us);
  options.batch_max_writes = p.batch_max_writes;
  options.on_corruption =
      p.on_corruption == "fail" ? storage::OnCorruption::Fail : storage::OnCorruption::Quarantine;
  auto store = storage::DurableStore::open(options);
  if (!store) throw std::runtime_error("persistence: " + store.error().message);
  return std::move(*store);
}

namespace {

using session::Delivery;
using session::Inflight;

// Receives the store's records in key order (messages, retained, then client by client) and puts
// them back where they belong.
class Loader final : public storage::LoadVisitor {
 public:
  Loader(BrokerState& state, std::span<Shard* const> shards) : state_(state), shards_(shards) {}

  void on_message(uint64_t id, storage::StoredMessage&& m) override {
    max_message_id_ = std::max(max_message_id_, id);
    if (auto message = from_stored(m, now_)) {
      messages_.emplace(id, Kept{std::move(message), kNoShard});
    } else {
      cleanup_.erase_message(id);  // expired while the broker was down
    }
  }

  void on_retained(std::string_view topic, storage::StoredMessage&& m) override {
    auto message = from_stored(m, now_);
    if (!message || !routing::valid_topic_name(topic)) {
      cleanup_.erase_retained(topic);
      return;
    }
    RetainedImpl& r = state_.retained();
    std::lock_guard lock(r.mutex);
    r.bytes += message->footprint();
    r.store.set(topic, std::move(message));
    ++retained_;
  }

  void on_session(storage::StoredSession&& r) override {
    current_ = nullptr;
    current_client_ = r.client_id;
    ShardImpl& shard = shard_of(r.client_id);
    // A session whose connection was open when the broker stopped counts as closed at start-up.
    const int64_t closed_at = r.disconnected_at_unix_ms.value_or(now_.wall_unix_ms);
    int64_t left_ms = 0;
    if (r.expiry_interval != storage::kSessionNeverExpires) {
      left_ms = closed_at + int64_t{r.expiry_interval} * 1000 - now_.wall_unix_ms;
      if (left_ms <= 0 || r.expiry_interval == 0) {
        ++expired_sessions_;
        // A will still waiting when its session ended is due now [MQTT-3.1.3-9].
        if (r.will) schedule_will(shard, 0, *r.will, now_.wall_unix_ms, r.protocol_version, closed_at);
        orphans_.push_back(r.client_id);  // erased with all its records
        return;
      }
    }
    Session& s = shard.create_session(r.client_id);
    s.expiry_interval = r.expiry_interval;
    if (r.expiry_interval != storage::kSessionNeverExpires) {
      shard.expire_at(s.id(), now_.steady + std::chrono::milliseconds(left_ms));
    }
    current_ = &s;
    current_shard_ = &shard;
    ++sessions_;
    if (!r.disconnected_at_unix_ms) {
      // Its connection ended with the broker, not with a DISCONNECT: its will is due
      // [MQTT-3.1.2-8], after its delay [MQTT-3.1.3-9], published by the shard's loop like any
      // other delayed will. The record now says disconnected at start-up, and keeps the will
      // until it went out, so that another stop before then does not lose it.
      if (r.will) {
        if (auto* w = schedule_will(shard, s.id(), *r.will, closed_at + int64_t{r.will->delay_interval} * 1000,
                                    r.protocol_version, closed_at)) {
          s.will = std::make_unique<session::StoredWill>(session::StoredWill{w->message, r.will->delay_interval});
        }
      }
      shard.persister.write_session(s, r.protocol_version, closed_at);
      s.will.reset();
    } else if (r.will) {
      // A will that was waiting for its delay when the broker stopped: due on the wall clock.
      schedule_will(shard, s.id(), *r.will, closed_at + int64_t{r.will->delay_interval} * 1000, r.protocol_version,
                    closed_at);
    }
  }

  void on_subscription(std::string_view client_id, storage::StoredSubscription&& sub) override {
    Session* s = session_of(client_id);
    if (s == nullptr) return;
    const auto parsed = routing::parse_subscription_filter(sub.filter);
    if (!parsed) return;
    const session::Subscription subscription = from_stored(sub);
    const bool fresh = s->subscriptions.insert_or_assign(sub.filter, subscription).second;
    const SessionRef me{current_shard_->index, s->id()};
    if (parsed->shared()) {
      current_shard_->join_group(std::string(parsed->group), std::string(parsed->filter), me, subscription, fresh);
    } else {
      current_shard_->add_to_tree(sub.filter, me, subscription);
    }
    state_.persistent_subscriptions().fetch_add(1);
  }

  void on_queued(std::string_view client_id, uint64_t sequence, storage::StoredDelivery&& r) override {
    Session* s = session_of(client_id);
    if (s == nullptr) return;
    s->next_stored_sequence = std::max(s->next_stored_sequence, sequence + 1);
    Delivery d = from_stored(r);
    d.stored_sequence = sequence;
    Persister& persister = current_shard_->persister;
    switch (attach_message(d, r.message_id)) {
      case Attached::Missing:
        persister.finish(*s, d, std::nullopt);  // its message expired or is gone
        return;
      case Attached::Copy:
        persister.finish(*s, d, std::nullopt);  // the record under the other shard's message id
        d.stored_sequence = 0;
        persister.track(*s, d);
        persister.write_queued(*s, d);
        break;
      case Attached::Adopted:
        break;
    }
    current_shard_->enqueue(*s, std::move(d));
    ++deliveries_;
  }

  void on_inflight(std::string_view client_id, storage::StoredInflight&& r) override {
    Session* s = session_of(client_id);
    if (s == nullptr) return;
    if (r.packet_id == 0 || s->find_inflight(r.packet_id) != nullptr) return;
    Delivery d = from_stored(r.delivery);
    d.stored_sequence = s->next_stored_sequence++;  // marks it as stored; in-flight records are keyed by id
    Inflight f{r.packet_id, Inflight::State::AwaitPubComp, std::move(d)};
    if (r.state != storage::InflightState::AwaitPubComp) {
      f.state = r.state == storage::InflightState::AwaitPubAck ? Inflight::State::AwaitPubAck
                                                                : Inflight::State::AwaitPubRec;
      Persister& persister = current_shard_->persister;
      switch (attach_message(f.delivery, r.delivery.message_id)) {
        case Attached::Missing:
          // Its message expired or is gone. [MQTT-4.3.3-7] would have it completed, but there is
          // nothing left to resend.
          persister.finish(*s, f.delivery, r.packet_id);
          return;
        case Attached::Copy:
          f.delivery.stored_sequence = 0;
          persister.track(*s, f.delivery);
          persister.write_inflight(*s, f, false);  // same key, this shard's message id
          break;
        case Attached::Adopted:
          break;
      }
    }
    s->add_inflight(std::move(f));
    ++deliveries_;
  }

  void on_inbound_qos2(std::string_view client_id, uint16_t packet_id) override {
    if (Session* s = session_of(client_id)) s->inbound_qos2().insert(packet_id);
  }

  // Spilled messages stay on disk; their session learns how many there are, and from where.
  void on_spilled(std::string_view client_id, uint64_t sequence) override {
    ShardImpl& shard = shard_of(client_id);
    Session* s = shard.sessions->find(client_id);
    if (s == nullptr) {
      cleanup_.erase_spilled(client_id, sequence);  // its session expired or is gone
      return;
    }
    if (s->spilled == 0) s->spilled_from = sequence;
    ++s->spilled;
    s->next_stored_sequence = std::max(s->next_stored_sequence, sequence + 1);
    ++spilled_;
  }

  // Erases what nothing refers to any more, and reports.
  void finish() {
    for (const auto& [id, kept] : messages_) {
      if (kept.shard == kNoShard) cleanup_.erase_message(id);
    }
    for (const auto& client : orphans_) cleanup_.erase_session(client);
    state_.next_message_id().store(max_message_id_ + 1);
    // Each shard's rewrites first, then the erasures: a crash between them loses nothing.
    for (Shard* shard : shards_) shard->impl().persister.commit(shard->impl().router, Persister::When::Now);
    if (auto* store = state_.store(); store != nullptr && !cleanup_.empty()) store->commit(std::move(cleanup_), {});
    spdlog::info("persistence: restored {} session{}, {} queued or in-flight message{}, {} retained message{}{}{}{}",
                 sessions_, sessions_ == 1 ? "" : "s", deliveries_, deliveries_ == 1 ? "" : "s", retained_,
                 retained_ == 1 ? "" : "s",
                 spilled_ > 0 ? fmt::format("; {} queued message{} left on disk (spilled)", spilled_,
                                            spilled_ == 1 ? "" : "s")
                              : "",
                 expired_sessions_ > 0 ? fmt::format("; {} expired while stopped", expired_sessions_) : "",
                 wills_ > 0 ? fmt::format("; {} will{} to publish (of clients gone before or at the stop)", wills_,
                                          wills_ == 1 ? "" : "s")
                            : "");
  }

 private:
  static constexpr unsigned kNoShard = ~0u;
  struct Kept {
    session::MessagePtr message;
    unsigned shard;  // the shard that adopted its record
  };
  enum class Attached { Adopted, Copy, Missing };

  ShardImpl& shard_of(std::string_view client_id) {
    return shards_[shard_of_client_id(client_id, static_cast<unsigned>(shards_.size()))]->impl();
  }

  // The session the current client's records belong to; null when it expired or has no session
  // record (its keys are then erased).
  Session* session_of(std::string_view client_id) {
    if (current_client_ == client_id) return current_;
    current_ = nullptr;
    current_client_ = client_id;
    orphans_.emplace_back(client_id);
    return nullptr;
  }

  // Puts a stored will among the shard's pending wills, due at `due_unix_ms` (at once if that has
  // passed); null when the message expired meanwhile.
  PendingWill* schedule_will(ShardImpl& shard, uint64_t session_id, const storage::StoredWill& stored,
                             int64_t due_unix_ms, uint8_t protocol_level, int64_t closed_at) {
    auto will = from_stored(stored.message, now_);
    if (!will) return nullptr;
    const auto wait = std::chrono::milliseconds(std::max<int64_t>(0, due_unix_ms - now_.wall_unix_ms));
    ++wills_;
    return &shard.pending_wills.emplace_back(
        PendingWill{now_.steady + wait, session_id, std::move(will), protocol_level, closed_at});
  }

  // Gives `d` its message. Message records belong to one shard: when another shard already holds
  // this one (the thread count changed), the caller stores a copy for this shard (Copy).
  Attached attach_message(Delivery& d, uint64_t id) {
    auto it = messages_.find(id);
    if (it == messages_.end()) return Attached::Missing;
    Kept& kept = it->second;
    d.message = kept.message;
    ShardImpl& shard = *current_shard_;
    if (kept.shard != kNoShard && kept.shard != shard.index) return Attached::Copy;
    kept.shard = shard.index;
    shard.persister.adopt(d.message, id);
    return Attached::Adopted;
  }

  BrokerState& state_;
  std::span<Shard* const> shards_;
  const ClockPair now_ = ClockPair::now();
  std::unordered_map<uint64_t, Kept> messages_;
  uint64_t max_message_id_ = 0;
  Session* current_ = nullptr;
  ShardImpl* current_shard_ = nullptr;
  std::string current_client_;
  std::vector<std::string> orphans_;
  storage::Batch cleanup_;
  size_t sessions_ = 0, expired_sessions_ = 0, deliveries_ = 0, retained_ = 0, wills_ = 0, spilled_ = 0;
};

}  // namespace

void recover(BrokerState& state, std::span<Shard* const> shards) {
  storage::DurableStore* store = state.store();
  if (store == nullptr) return;
  Loader loader(state, shards);
  auto stats = store->load(loader);
  if (!stats) throw std::runtime_error("persistence: cannot read the store: " + stats.error().message);
  if (stats->skipped > 0) {
    spdlog::error("persistence: {} damaged record{} skipped", stats->skipped, stats->skipped == 1 ? "" : "s");
  }
  loader.finish();
}

}  // namespace pregon::broker
