#include "observability/broker_query.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "broker/shard.hpp"
#include "observability/process_usage.hpp"

namespace pregon::observability {

namespace {

// Runs `ask` on the loops of shards 0..count-1 and collects the answers, or gives up after `timeout`. The
// shared state outlives an abandoned wait: a late task (or one dropped unrun by a stopped loop)
// only touches its own copy.
template <class T>
std::optional<std::vector<T>> ask_shards(broker::ShardRouter& router, unsigned count, std::chrono::milliseconds timeout,
                                         std::function<T(broker::Shard&)> ask) {
  struct Answers {
    std::mutex mutex;  // guards answers and remaining
    std::condition_variable done;
    std::vector<T> answers;
    size_t remaining;
  };
  const unsigned n = count;
  auto state = std::make_shared<Answers>();
  state->answers.resize(n);
  state->remaining = n;
  for (unsigned i = 0; i < n; ++i) {
    router.post(i, [state, ask, i](broker::Shard& shard) {
      T answer = ask(shard);
      std::lock_guard lock(state->mutex);
      state->answers[i] = std::move(answer);
      if (--state->remaining == 0) state->done.notify_all();
    });
  }
  std::unique_lock lock(state->mutex);
  if (!state->done.wait_for(lock, timeout, [&] { return state->remaining == 0; })) return std::nullopt;
  return std::move(state->answers);
}

}  // namespace

BrokerQuery::BrokerQuery(broker::ShardRouter& router, broker::BrokerState& state, std::string version,
                         std::chrono::milliseconds timeout)
    : router_(router),
      state_(state),
      version_(std::move(version)),
      timeout_(timeout),
      started_(std::chrono::steady_clock::now()) {}

std::optional<Snapshot> BrokerQuery::snapshot() {
  const auto posted = broker::Clock::now();
  auto shards = ask_shards<broker::ShardStats>(router_, router_.shard_count(), timeout_, [posted](broker::Shard& shard) {
    const auto started = broker::Clock::now();
    broker::ShardStats stats = broker::shard_stats(shard);
    stats.loop_lag = std::chrono::duration_cast<std::chrono::microseconds>(started - posted);
    return stats;
  });
  if (!shards) return std::nullopt;
  BrokerWide wide;
  wide.version = version_;
  wide.uptime_seconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
  wide.clients_maximum = static_cast<uint64_t>(std::max<int64_t>(0, state_.connected_clients().maximum()));
  wide.retained_messages = broker::retained_count(state_);
  wide.retained_bytes = broker::retained_bytes(state_);
  if (storage::DurableStore* store = state_.store()) wide.store = store->counters();
  const ProcessUsage usage = process_usage();
  wide.process_cpu_us = usage.cpu_us;
  wide.process_resident_bytes = usage.resident_bytes;
  return aggregate(*shards, std::move(wide));
}

std::optional<std::vector<broker::ClientInfo>> BrokerQuery::clients(std::string_view only_id) {
  const auto now = broker::Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  auto per_shard = ask_shards<std::vector<broker::ClientInfo>>(
      router_, router_.shard_count(), timeout_, [id = std::string(only_id), now, wall_now](broker::Shard& shard) {
        return broker::connected_clients(shard, id, now, wall_now);
      });
  if (!per_shard) return std::nullopt;
  std::vector<broker::ClientInfo> all;
  for (auto& list : *per_shard) std::move(list.begin(), list.end(), std::back_inserter(all));
  return all;
}

std::optional<bool> BrokerQuery::disconnect(std::string_view client_id) {
  auto per_shard = ask_shards<bool>(router_, router_.shard_count(), timeout_, [id = std::string(client_id)](broker::Shard& shard) {
    return broker::disconnect_client(shard, id);
  });
  if (!per_shard) return std::nullopt;
  return std::find(per_shard->begin(), per_shard->end(), true) != per_shard->end();
}

std::optional<std::vector<broker::SubscriptionInfo>> BrokerQuery::subscriptions(size_t limit) {
  auto per_shard = ask_shards<std::vector<broker::SubscriptionInfo>>(
      router_, router_.shard_count(), timeout_, [limit](broker::Shard& shard) { return broker::session_subscriptions(shard, limit); });
  if (!per_shard) return std::nullopt;
  std::vector<broker::SubscriptionInfo> all;
  for (auto& list : *per_shard) {
    for (auto& sub : list) {
      if (all.size() >= limit) break;
      all.push_back(std::move(sub));
    }
  }
  return all;
}

std::vector<broker::RetainedInfo> BrokerQuery::retained(std::string_view after, size_t limit) {
  return broker::retained_messages(state_, after, limit);
}

std::optional<PublishOutcome> BrokerQuery::publish(std::string_view topic, std::span<const uint8_t> payload,
                                                   protocol::QoS qos, bool retain) {
  // One shard publishes to all; shard 0 is as good as any.
  struct Request {
    std::string topic;
    std::vector<uint8_t> payload;
  };
  auto request = std::make_shared<const Request>(Request{std::string(topic), {payload.begin(), payload.end()}});
  auto per_shard = ask_shards<bool>(router_, 1, timeout_, [request, qos, retain](broker::Shard& shard) {
    return broker::publish_from_broker(shard, request->topic, request->payload, qos, retain, broker::Clock::now());
  });
  if (!per_shard) return std::nullopt;
  return per_shard->front() ? PublishOutcome::Published : PublishOutcome::RetainedBudgetFull;
}

void BrokerQuery::publish_sys(std::vector<std::pair<std::string, std::string>> messages) {
  auto shared = std::make_shared<const std::vector<std::pair<std::string, std::string>>>(std::move(messages));
  router_.post(0, [shared](broker::Shard& shard) {
    const auto now = broker::Clock::now();
    for (const auto& [topic, payload] : *shared) {
      const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
      broker::publish_from_broker(shard, topic, bytes, protocol::QoS::AtMostOnce, true, now);
    }
  });
}

}  // namespace pregon::observability
