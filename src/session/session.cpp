#include "session/session.hpp"

#include <algorithm>

namespace pregon::session {

Inflight* Session::find_inflight(uint16_t packet_id) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const Inflight& f) { return f.packet_id == packet_id; });
  return it == inflight_.end() ? nullptr : &*it;
}

void Session::add_inflight(Inflight f) {
  if (ids_in_use_) {
    ids_in_use_->set(f.packet_id);
  } else if (inflight_.size() + 1 >= kIdBitmapFrom) {
    ids_in_use_ = std::make_unique<std::bitset<65536>>();
    for (const auto& g : inflight_) ids_in_use_->set(g.packet_id);
    ids_in_use_->set(f.packet_id);
  }
  inflight_.push_back(std::move(f));
}

bool Session::erase_inflight(uint16_t packet_id) {
  // Acknowledgements usually arrive in order, so the front is the common hit.
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const Inflight& f) { return f.packet_id == packet_id; });
  if (it == inflight_.end()) return false;
  forget_id(packet_id);
  inflight_.erase(it);
  return true;
}

void Session::forget_id(uint16_t packet_id) {
  if (!ids_in_use_) return;
  ids_in_use_->reset(packet_id);
  if (inflight_.size() <= 1) ids_in_use_.reset();  // the window is emptying: give the 8 KiB back
}

bool Session::id_in_use(uint16_t packet_id) const {
  if (ids_in_use_) return ids_in_use_->test(packet_id);
  return std::any_of(inflight_.begin(), inflight_.end(), [&](const Inflight& f) { return f.packet_id == packet_id; });
}

uint16_t Session::next_packet_id() {
  // The window is bounded by Receive Maximum (at most 65535 entries), so a free identifier exists
  // whenever the caller respects that bound.
  for (int tries = 0; tries < 65535; ++tries) {
    last_packet_id_ = static_cast<uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    if (!id_in_use(last_packet_id_)) return last_packet_id_;
  }
  return 0;
}

void Session::enqueue(Delivery d) {
  queued_bytes_ += d.message->footprint();
  queue_.push_back(std::move(d));
}

Delivery Session::pop_queued() {
  Delivery d = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= d.message->footprint();
  return d;
}

void Session::forget_stored() {
  for (auto& d : queue_) d.stored_sequence = d.stored_put = 0;
  for (auto& f : inflight_) f.delivery.stored_sequence = f.delivery.stored_put = 0;
  spilled = 0;
  spilled_from = 0;
}

}  // namespace pregon::session
