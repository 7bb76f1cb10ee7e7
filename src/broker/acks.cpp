// PUBACK, PUBREC and PUBCOMP from clients: the outbound QoS 1/2 flows [MQTT-4.3.2, 4.3.3].
#include "broker/shard_impl.hpp"

namespace pregon::broker {

using protocol::ReasonCode;
using State = session::Inflight::State;

void ShardImpl::on_puback(Client& c, uint16_t packet_id, TimePoint now) {
  Session& s = *c.session;
  if (auto* f = s.find_inflight(packet_id); f != nullptr && f->state == State::AwaitPubAck) {
    persister.finish(s, f->delivery, packet_id);
    s.erase_inflight(packet_id);
    pump(s, now);
  }
}

void ShardImpl::on_pubrec(Client& c, const protocol::FlowPacket& p, TimePoint now) {
  Session& s = *c.session;
  auto* f = s.find_inflight(p.packet_id);
  if (f == nullptr) {
    send(c, protocol::PubRel{p.packet_id, ReasonCode::PacketIdentifierNotFound, {}});
    return;
  }
  if (protocol::is_error(p.reason)) {
    // [MQTT-4.3.3-?] a refused PUBREC ends the flow; the identifier is free again.
    persister.finish(s, f->delivery, p.packet_id);
    s.erase_inflight(p.packet_id);
    pump(s, now);
    return;
  }
  f->state = State::AwaitPubComp;
  // A stored flow sends PUBREL once its new state is durable: resent after a crash, the PUBLISH
  // would reach a client that already released it as a new message.
  std::shared_ptr<DurableAck> ack;
  if (state.durable_acks() && f->delivery.stored_sequence != 0) {
    ack = std::make_shared<DurableAck>(1, index, s.id(), c.serial, p.packet_id, AckKind::PubRel);
    persister.hold(ack);
  }
  persister.write_released(s, *f);
  f->delivery.message.reset();  // only the identifier matters from here on
  acknowledge(c, p.packet_id, AckKind::PubRel, ReasonCode::Success, ack != nullptr);  // [MQTT-4.3.3-3]
}

void ShardImpl::on_pubcomp(Client& c, uint16_t packet_id, TimePoint now) {
  Session& s = *c.session;
  if (auto* f = s.find_inflight(packet_id); f != nullptr && f->state == State::AwaitPubComp) {
    persister.finish(s, f->delivery, packet_id);
    s.erase_inflight(packet_id);
    pump(s, now);
  }
}

}  // namespace pregon::broker
