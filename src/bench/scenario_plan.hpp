// Who connects, publishes and subscribes in a scenario, and on which generator thread. Pure: made
// from the options alone, so that the shape of every scenario is unit-tested without sockets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_options.hpp"

namespace pregon::bench {

enum class Role { Publisher, Subscriber, Idle };

struct ClientPlan {
  Role role = Role::Idle;
  uint32_t index = 0;   // publisher index, subscriber index, or connection index (per role)
  uint32_t thread = 0;  // generator thread that owns it
  std::string client_id;
  std::string topic;    // publisher: topic name; subscriber: topic filter; idle: empty
  // Subscriber: the publishers it hears from, [first_publisher, first_publisher + publishers).
  uint32_t first_publisher = 0;
  uint32_t publishers = 0;
  // Subscriber with --persistent: connects with a session the broker keeps (see bench_client.hpp).
  bool persistent = false;
};

struct ScenarioPlan {
  Scenario scenario = Scenario::Pairs;
  std::vector<ClientPlan> clients;  // subscribers first, then publishers (or idle connections)
  uint32_t publisher_count = 0;
  uint32_t subscriber_count = 0;
  // Deliveries each published message should make (subscribers matching its topic).
  uint32_t fanout = 0;
};

// `run_id` makes client ids unique per run (the process id): "pb-<run_id>-<role>-<i>".
ScenarioPlan make_plan(const BenchOptions& options, uint64_t run_id);

}  // namespace pregon::bench
