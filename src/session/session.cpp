#include "session/session.hpp"

#include <algorithm>

namespace pregon::session {

Inflight* Session::find_inflight(uint16_t packet_id) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const Inflight& f) { return f.packet_id == packet_id; });
  return it == inflight_.end() ? nullptr : &*it;
}

bool Session::erase_inflight(uint16_t packet_id) {
  // Acknowledgements usually arrive in order, so the front is the common hit.
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const Inflight& f) { return f.packet_id == packet_id; });
  if (it == inflight_.end()) return false;
  inflight_.erase(it);
  return true;
}

uint16_t Session::next_packet_id() {
  // The window is bounded by Receive Maximum (at most 65535 entries), so a free identifier exists
  // whenever the caller respects that bound.
  for (int tries = 0; tries < 65535; ++tries) {
    last_packet_id_ = static_cast<uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    if (find_inflight(last_packet_id_) == nullptr) return last_packet_id_;
  }
  return 0;
}

bool Session::enqueue(Delivery d, size_t limit) {
  queue_.push_back(std::move(d));
  if (queue_.size() <= limit) return true;
  queue_.pop_front();
  return false;
}

}  // namespace pregon::session
