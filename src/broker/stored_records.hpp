// Conversions between the broker's live state (Message, Subscription, Delivery) and the records of
// the durable store. Deadlines are kept on the steady clock in memory and on the wall clock on disk,
// so that they mean the same after a restart; the conversion takes both clocks' "now".
//
// Pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "session/message.hpp"
#include "session/session.hpp"
#include "storage/records.hpp"

namespace pregon::broker {

// The two clocks at one instant.
struct ClockPair {
  session::TimePoint steady;
  int64_t wall_unix_ms;
  static ClockPair now();
};

storage::StoredMessage to_stored(const session::Message& m, const ClockPair& now);
// Null when the message expired while the broker was down.
session::MessagePtr from_stored(const storage::StoredMessage& m, const ClockPair& now);

storage::StoredSubscription to_stored(std::string_view filter, const session::Subscription& sub);
session::Subscription from_stored(const storage::StoredSubscription& sub);

storage::StoredDelivery to_stored(const session::Delivery& d, uint64_t message_id);
// The delivery without its message, which the caller looks up by the record's message id.
session::Delivery from_stored(const storage::StoredDelivery& d);

}  // namespace pregon::broker
