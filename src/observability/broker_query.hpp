// BrokerQuery: the BrokerView of a running broker. Each question is posted as a task to every
// shard's event loop (ShardRouter::post), which answers from its own state on its own thread; the
// caller waits, at most `timeout`, for all answers. So the loops keep no locks or atomics for
// monitoring, and a reading of one shard is consistent.
//
// Ownership: refers to the router and state, which must outlive it. Thread-safety: any thread but
// an event loop's (it would wait for itself).
#pragma once

#include <chrono>
#include <string>

#include "broker/broker_state.hpp"
#include "broker/shard_router.hpp"
#include "observability/broker_view.hpp"

namespace pregon::observability {

class BrokerQuery final : public BrokerView {
 public:
  BrokerQuery(broker::ShardRouter& router, broker::BrokerState& state, std::string version,
              std::chrono::milliseconds timeout);

  std::optional<Snapshot> snapshot() override;
  std::optional<broker::Listing<broker::ClientInfo>> clients(const broker::ListFilter& filter) override;
  std::optional<bool> disconnect(std::string_view client_id) override;
  std::optional<broker::Listing<broker::SessionInfo>> sessions(const broker::ListFilter& filter) override;
  std::optional<std::vector<broker::SubscriptionInfo>> subscriptions(size_t limit) override;
  std::optional<std::vector<broker::SubscriptionInfo>> subscribers(std::string_view topic) override;
  std::vector<broker::RetainedInfo> retained(std::string_view filter, std::string_view after, size_t limit) override;
  std::optional<bool> clear_retained(std::string_view topic) override;
  std::optional<PublishOutcome> publish(std::string_view topic, std::span<const uint8_t> payload,
                                        protocol::QoS qos, bool retain) override;
  void publish_sys(std::vector<std::pair<std::string, std::string>> messages) override;

 private:
  broker::ShardRouter& router_;
  broker::BrokerState& state_;
  std::string version_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace pregon::observability
