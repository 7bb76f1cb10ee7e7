// MessageInbox: the messages other shards hand to one shard's fan-out. A producer moves in its whole
// batch for that shard once per loop iteration; the owner takes everything at once. Vectors are
// swapped rather than copied whenever the inbox is empty, so their capacity circulates between the
// shards and a hand-over allocates nothing in the steady state.
//
// Thread-safety: put() from any thread, take() on the owner's thread; one short lock each.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "broker/durable_ack.hpp"
#include "session/message.hpp"

namespace pregon::broker {

// A message on its way to another shard's fan-out, with the acknowledgement waiting for it (when
// the publisher's PUBACK/PUBREC waits until the message is durable).
struct Routed {
  session::MessagePtr message;
  std::shared_ptr<DurableAck> ack;
};

class MessageInbox {
 public:
  // Moves `batch`'s messages in, after any already queued, and leaves `batch` empty. Returns true
  // when the inbox was empty: the caller then wakes the owner, since no hand-over is pending.
  bool put(std::vector<Routed>& batch) {
    std::lock_guard lock(mutex_);
    const bool was_empty = queued_.empty();
    if (was_empty) {
      queued_.swap(batch);
    } else {
      for (auto& m : batch) queued_.push_back(std::move(m));
      batch.clear();
    }
    return was_empty;
  }

  // Swaps everything queued into `out`, which must be empty.
  void take(std::vector<Routed>& out) {
    std::lock_guard lock(mutex_);
    out.swap(queued_);
  }

 private:
  std::mutex mutex_;
  std::vector<Routed> queued_;
};

}  // namespace pregon::broker
