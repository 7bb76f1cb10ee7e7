// BrokerView: what the HTTP API and the $SYS publisher ask of the running broker. BrokerQuery
// implements it over the shards' event loops; tests implement it with fixed answers.
//
// An empty optional means the broker did not answer in time (an event loop busy past the bounded
// wait, or shutting down); callers report it rather than wait longer.
//
// Thread-safety: implementations may be called from any thread but the event loops', concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/shard_admin.hpp"
#include "observability/metrics.hpp"
#include "protocol/version.hpp"

namespace pregon::observability {

// The outcome of a publish through the API.
enum class PublishOutcome { Published, RetainedBudgetFull };

class BrokerView {
 public:
  virtual ~BrokerView() = default;
  virtual std::optional<Snapshot> snapshot() = 0;
  // Connected clients passing `filter` (its `connected` is ignored), one page of them.
  virtual std::optional<broker::Listing<broker::ClientInfo>> clients(const broker::ListFilter& filter) = 0;
  // Whether a client with that id was connected (and is now being disconnected).
  virtual std::optional<bool> disconnect(std::string_view client_id) = 0;
  // Sessions, connected or not, passing `filter`, one page of them.
  virtual std::optional<broker::Listing<broker::SessionInfo>> sessions(const broker::ListFilter& filter) = 0;
  virtual std::optional<std::vector<broker::SubscriptionInfo>> subscriptions(size_t limit) = 0;
  // The subscriptions a PUBLISH to `topic` (a valid topic name) would be offered to, ordered by
  // client id and filter.
  virtual std::optional<std::vector<broker::SubscriptionInfo>> subscribers(std::string_view topic) = 0;
  // See broker::retained_messages.
  virtual std::vector<broker::RetainedInfo> retained(std::string_view filter, std::string_view after,
                                                     size_t limit) = 0;
  // Whether `topic` (a valid topic name outside '$') had a retained message, now cleared.
  virtual std::optional<bool> clear_retained(std::string_view topic) = 0;
  virtual std::optional<PublishOutcome> publish(std::string_view topic, std::span<const uint8_t> payload,
                                                protocol::QoS qos, bool retain) = 0;
  // $SYS: publishes each message retained at QoS 0 (kept in memory only). Does not wait.
  virtual void publish_sys(std::vector<std::pair<std::string, std::string>> messages) = 0;
};

}  // namespace pregon::observability
