// Start-up with persistence: opening the durable store the configuration names, and loading what it
// kept back into the shards — sessions with their subscriptions, queues, in-flight and inbound QoS 2
// state, and the retained messages — before any event loop runs.
//
// Expiry continues on wall-clock time: a session whose Session Expiry Interval ran out while the
// broker was down is dropped, and so is a message whose Message Expiry Interval did. A session
// whose connection was open when the broker stopped counts as disconnected at start-up.
//
// Thread-safety: call on the main thread before the loops start.
#pragma once

#include <memory>
#include <span>

#include "broker/broker_state.hpp"
#include "config/config.hpp"
#include "storage/durable_store.hpp"

namespace pregon::broker {

class Shard;

// Null when persistence is off. Throws std::runtime_error when the store cannot be opened, or is
// damaged and persistence.on_corruption is "fail". A damaged store with "quarantine" is moved
// aside (logged as an error) and an empty one is opened.
std::unique_ptr<storage::DurableStore> open_store(const config::Config& config);

// Loads the store of `state` into `shards` (index = shard index). Logs what it restored.
void recover(BrokerState& state, std::span<Shard* const> shards);

}  // namespace pregon::broker
