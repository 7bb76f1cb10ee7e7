#include "bench/scenario_plan.hpp"

#include <fmt/format.h>

namespace pregon::bench {
namespace {

ClientPlan client(Role role, uint32_t index, uint32_t thread, uint64_t run_id, std::string topic) {
  const char* tag = role == Role::Publisher ? "pub" : role == Role::Subscriber ? "sub" : "conn";
  return ClientPlan{role, index, thread, fmt::format("pb-{}-{}-{}", run_id, tag, index), std::move(topic)};
}

}  // namespace

ScenarioPlan make_plan(const BenchOptions& o, uint64_t run_id) {
  ScenarioPlan plan;
  plan.scenario = o.scenario;
  const uint32_t n = o.clients;
  const uint32_t threads = o.threads;
  const std::string& p = o.topic_prefix;
  switch (o.scenario) {
    case Scenario::Conn:
      for (uint32_t i = 0; i < n; ++i) plan.clients.push_back(client(Role::Idle, i, i % threads, run_id, {}));
      break;
    case Scenario::Pairs:
      // A pair shares a thread, so its end-to-end window is counted without crossing threads.
      for (uint32_t i = 0; i < n; ++i) {
        auto sub = client(Role::Subscriber, i, i % threads, run_id, fmt::format("{}pair/{}", p, i));
        sub.first_publisher = i;
        sub.publishers = 1;
        plan.clients.push_back(std::move(sub));
      }
      for (uint32_t i = 0; i < n; ++i) {
        plan.clients.push_back(client(Role::Publisher, i, i % threads, run_id, fmt::format("{}pair/{}", p, i)));
      }
      plan.publisher_count = plan.subscriber_count = n;
      plan.fanout = 1;
      break;
    case Scenario::FanIn: {
      auto sub = client(Role::Subscriber, 0, 0, run_id, p + "in/+");
      sub.publishers = n;
      plan.clients.push_back(std::move(sub));
      for (uint32_t i = 0; i < n; ++i) {
        // Publishers start on the threads after the subscriber's, which has the most to read.
        const uint32_t thread = threads == 1 ? 0 : 1 + i % (threads - 1);
        plan.clients.push_back(client(Role::Publisher, i, thread, run_id, fmt::format("{}in/{}", p, i)));
      }
      plan.publisher_count = n;
      plan.subscriber_count = 1;
      plan.fanout = 1;
      break;
    }
    case Scenario::FanOut:
      for (uint32_t i = 0; i < n; ++i) {
        auto sub = client(Role::Subscriber, i, i % threads, run_id, p + "out");
        sub.publishers = 1;
        plan.clients.push_back(std::move(sub));
      }
      plan.clients.push_back(client(Role::Publisher, 0, 0, run_id, p + "out"));
      plan.publisher_count = 1;
      plan.subscriber_count = n;
      plan.fanout = n;
      break;
  }
  for (auto& c : plan.clients) c.persistent = o.persistent && c.role == Role::Subscriber;
  return plan;
}

}  // namespace pregon::bench
