#include "observability/broker_query.hpp"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>

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

// One page from every shard's page: each holds the smallest client ids past the filter's `after`,
// so the smallest of all of them are the broker's page.
template <class T>
broker::Listing<T> merge_pages(std::vector<broker::Listing<T>>& per_shard, size_t limit) {
  broker::Listing<T> out;
  for (auto& page : per_shard) {
    out.matched += page.matched;
    out.more = out.more || page.more;
    std::move(page.items.begin(), page.items.end(), std::back_inserter(out.items));
  }
  std::sort(out.items.begin(), out.items.end(), [](const T& a, const T& b) { return a.client_id < b.client_id; });
  if (out.items.size() > limit) {
    out.more = true;
    out.items.resize(limit);
  }
  return out;
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

std::optional<broker::Listing<broker::ClientInfo>> BrokerQuery::clients(const broker::ListFilter& filter) {
  const auto now = broker::Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  auto per_shard = ask_shards<broker::Listing<broker::ClientInfo>>(
      router_, router_.shard_count(), timeout_, [filter, now, wall_now](broker::Shard& shard) {
        return broker::connected_clients(shard, filter, now, wall_now);
      });
  if (!per_shard) return std::nullopt;
  return merge_pages(*per_shard, filter.limit);
}

std::optional<broker::Listing<broker::SessionInfo>> BrokerQuery::sessions(const broker::ListFilter& filter) {
  const auto now = broker::Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  auto per_shard = ask_shards<broker::Listing<broker::SessionInfo>>(
      router_, router_.shard_count(), timeout_, [filter, now, wall_now](broker::Shard& shard) {
        return broker::sessions(shard, filter, now, wall_now);
      });
  if (!per_shard) return std::nullopt;
  return merge_pages(*per_shard, filter.limit);
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

// Two rounds: every shard matches the topic against its own tree, then every shard names the
// sessions it owns among the matches (a shared group's members live on any shard).
std::optional<std::vector<broker::SubscriptionInfo>> BrokerQuery::subscribers(std::string_view topic) {
  const unsigned n = router_.shard_count();
  auto matched = ask_shards<std::vector<broker::MatchedSubscription>>(
      router_, n, timeout_, [t = std::string(topic)](broker::Shard& shard) { return broker::subscribers_of(shard, t); });
  if (!matched) return std::nullopt;
  auto by_owner = std::make_shared<std::vector<std::vector<broker::MatchedSubscription>>>(n);
  for (auto& list : *matched) {
    for (auto& m : list) (*by_owner)[m.shard].push_back(std::move(m));
  }
  auto named = ask_shards<std::vector<broker::SubscriptionInfo>>(
      router_, n, timeout_, [by_owner](broker::Shard& shard) {
        return broker::name_subscribers(shard, (*by_owner)[shard.index()]);
      });
  if (!named) return std::nullopt;
  std::vector<broker::SubscriptionInfo> all;
  for (auto& list : *named) std::move(list.begin(), list.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.client_id, a.filter) < std::tie(b.client_id, b.filter);
  });
  return all;
}

std::vector<broker::RetainedInfo> BrokerQuery::retained(std::string_view filter, std::string_view after,
                                                        size_t limit) {
  return broker::retained_messages(state_, filter, after, limit);
}

std::optional<bool> BrokerQuery::clear_retained(std::string_view topic) {
  // Like a retained PUBLISH, from one shard; shard 0 is as good as any.
  auto per_shard = ask_shards<bool>(router_, 1, timeout_, [t = std::string(topic)](broker::Shard& shard) {
    return broker::clear_retained(shard, t);
  });
  if (!per_shard) return std::nullopt;
  return per_shard->front();
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
