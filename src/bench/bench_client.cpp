#include "bench/bench_client.hpp"

#include <cstring>
#include <type_traits>

#include "protocol/codec.hpp"

namespace pregon::bench {

using namespace pregon::protocol;

BenchClient::BenchClient(const ClientPlan& plan, ProtocolVersion version, QoS qos, uint64_t run_start_ns)
    : plan_(&plan), version_(version), qos_(qos), run_start_ns_(run_start_ns) {
  if (plan.role == Role::Subscriber) tracker_.emplace(plan.first_publisher, plan.publishers);
}

void BenchClient::queue_connect() {
  Connect c;
  c.version = version_;
  c.clean_start = true;
  c.keep_alive = 0;
  c.client_id = plan_->client_id;
  if (plan_->persistent) {
    if (version_ == ProtocolVersion::V5) {
      // Clean start still discards whatever an earlier connection left (5.0 [MQTT-3.1.2-4]); the
      // expiry keeps the new session past the network connection (5.0 [MQTT-3.1.2-23]).
      c.properties.session_expiry_interval = kPersistentSessionExpiry;
    } else {
      c.clean_start = false;  // 3.1.1 [MQTT-3.1.2-4]: a session that outlives the connection
    }
  }
  encode(c, out_);
  state_ = ClientState::Connecting;
}

void BenchClient::queue_disconnect() {
  Disconnect d;
  if (plan_->persistent && plan_->role == Role::Subscriber) {
    if (version_ == ProtocolVersion::V5) {
      // Lowering a non-zero expiry to 0 on DISCONNECT is allowed (3.14.2.2.2); the session ends here.
      d.properties.session_expiry_interval = 0;
    } else {
      // 3.1.1 cannot end a persistent session without reconnecting clean; an empty one is harmless.
      Unsubscribe u;
      u.packet_id = 2;  // SUBSCRIBE used 1 and was answered long ago
      u.filters.push_back(plan_->topic);
      encode(u, version_, out_);
    }
  }
  encode(d, version_, out_);
}

void BenchClient::make_publisher(uint32_t payload_size) {
  const std::vector<uint8_t> payload(payload_size, 0);
  Publish p;
  p.qos = qos_;
  p.topic = plan_->topic;
  p.packet_id = qos_ == QoS::AtMostOnce ? 0 : 1;  // placeholder, patched per message
  p.payload = payload;
  template_.clear();
  const PublishLayout layout = encode(p, version_, template_);
  packet_id_offset_ = layout.packet_id_offset;
  payload_offset_ = template_.size() - payload_size;
  if (qos_ != QoS::AtMostOnce) ids_in_use_ = std::make_unique<std::bitset<65536>>();
}

bool BenchClient::can_publish() const {
  return qos_ == QoS::AtMostOnce || inflight_ < receive_maximum_;
}

uint16_t BenchClient::take_packet_id() {
  // can_publish() keeps inflight below 65535, so a free identifier exists. [MQTT-2.2.1-3]: never 0.
  while ((*ids_in_use_)[next_id_]) next_id_ = static_cast<uint16_t>(next_id_ == 65535 ? 1 : next_id_ + 1);
  const uint16_t id = next_id_;
  ids_in_use_->set(id);
  next_id_ = static_cast<uint16_t>(next_id_ == 65535 ? 1 : next_id_ + 1);
  ++inflight_;
  return id;
}

void BenchClient::release_packet_id(uint16_t id) {
  if (ids_in_use_ && (*ids_in_use_)[id]) {
    ids_in_use_->reset(id);
    --inflight_;
  }
}

void BenchClient::append_publish(uint64_t now_ns) {
  const size_t at = out_.size();
  out_.resize(at + template_.size());
  uint8_t* p = out_.data() + at;
  std::memcpy(p, template_.data(), template_.size());
  if (packet_id_offset_ != 0) {
    const uint16_t id = take_packet_id();
    p[packet_id_offset_] = static_cast<uint8_t>(id >> 8);
    p[packet_id_offset_ + 1] = static_cast<uint8_t>(id);
  }
  write_stamp({p + payload_offset_, kStampSize}, Stamp{now_ns, plan_->index, next_sequence_++});
}

void BenchClient::consume(size_t n) {
  out_head_ += n;
  if (out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  } else if (out_head_ > 256 * 1024 && out_head_ * 2 > out_.size()) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
    out_head_ = 0;
  }
}

Reaction BenchClient::handle(const Publish& p) {
  if (p.qos == QoS::AtLeastOnce) encode(PubAck{p.packet_id}, version_, out_);
  if (p.qos == QoS::ExactlyOnce) encode(PubRec{p.packet_id}, version_, out_);
  const auto stamp = read_stamp(p.payload);
  if (!tracker_ || !stamp || !tracker_->knows(stamp->publisher)) return {Reaction::None};
  if (stamp->sent_ns < run_start_ns_) return {Reaction::Stale, *stamp};
  const Arrival a = tracker_->record(stamp->publisher, stamp->sequence);
  if (a == Arrival::Duplicate) return {Reaction::Duplicate, *stamp};
  return {Reaction::Delivered, *stamp, a == Arrival::Reordered};
}

Reaction BenchClient::handle(const protocol::FlowPacket& p) {
  switch (p.type) {
    case PacketType::PubRec:
      if (static_cast<uint8_t>(p.reason) >= 0x80) {
        release_packet_id(p.packet_id);  // 5.0: a failed PUBREC ends the exchange (4.3.3)
      } else {
        encode(PubRel{p.packet_id}, version_, out_);
      }
      return {Reaction::Acked};
    case PacketType::PubRel:
      encode(PubComp{p.packet_id}, version_, out_);
      return {Reaction::None};
    default:  // PUBACK, PUBCOMP
      release_packet_id(p.packet_id);
      return {Reaction::Acked};
  }
}

Reaction BenchClient::handle(const Packet& packet) {
  return std::visit(
      [&](const auto& p) -> Reaction {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ConnAck>) {
          if (state_ != ClientState::Connecting) return {Reaction::Unexpected};
          if (p.reason != ReasonCode::Success) return {Reaction::Refused};
          if (p.properties.receive_maximum) receive_maximum_ = *p.properties.receive_maximum;
          if (receive_maximum_ > 65534) receive_maximum_ = 65534;
          if (plan_->role == Role::Subscriber) {
            Subscribe s;
            s.packet_id = 1;
            s.subscriptions.push_back({plan_->topic, SubscriptionOptions{qos_}});
            encode(s, version_, out_);
            state_ = ClientState::AwaitSubAck;
          } else {
            state_ = ClientState::Ready;
          }
          return {Reaction::Connected};
        } else if constexpr (std::is_same_v<T, SubAck>) {
          if (state_ != ClientState::AwaitSubAck) return {Reaction::Unexpected};
          // 0x80 and above is a failure in both versions.
          if (p.reasons.empty() || static_cast<uint8_t>(p.reasons[0]) >= 0x80) return {Reaction::Refused};
          state_ = ClientState::Ready;
          return {Reaction::Subscribed};
        } else if constexpr (std::is_same_v<T, Publish>) {
          return handle(p);
        } else if constexpr (std::is_same_v<T, PubAck> || std::is_same_v<T, PubComp> ||
                             std::is_same_v<T, PubRec> || std::is_same_v<T, PubRel>) {
          return handle(protocol::FlowPacket{T::type, p.packet_id, p.reason});
        } else if constexpr (std::is_same_v<T, PingResp> || std::is_same_v<T, UnsubAck>) {
          return {Reaction::None};
        } else {
          return {Reaction::Unexpected};  // DISCONNECT from the server, or a packet it never sends
        }
      },
      packet);
}

}  // namespace pregon::bench
