// Client: the broker's view of one network connection — protocol version, the limits the client
// announced, keep-alive, topic aliases in both directions, and the session attached to it.
//
// Ownership: created by Shard::open, destroyed by Shard::on_closed; lives on one shard's thread.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/log_context.hpp"
#include "base/ring_deque.hpp"
#include "broker/client_link.hpp"
#include "broker/durable_ack.hpp"
#include "broker/retained_stream.hpp"
#include "broker/shard.hpp"
#include "protocol/version.hpp"
#include "session/session.hpp"

namespace pregon::broker {

struct TopicHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class Client {
 public:
  enum class State : uint8_t { AwaitConnect, Connected, Closing };

  Client(ClientLink& l, uint64_t serial_number, TimePoint now)
      : link(l), serial(serial_number), opened_at(now), last_received(now) {}

  // Fields grouped by size, so that an idle connection costs as little as it can.
  ClientLink& link;
  const uint64_t serial;  // unique on its shard: tells a later connection of the same session apart
  TimePoint opened_at;
  TimePoint last_received;
  session::Session* session = nullptr;
  State state = State::AwaitConnect;
  protocol::ProtocolVersion version = protocol::ProtocolVersion::V311;
  uint16_t keep_alive = 0;  // seconds, as granted
  // False once the client sent DISCONNECT 0x00 (the will is discarded) [MQTT-3.1.2-10].
  bool publish_will_on_close = true;

  // What a 5.0 client announced in CONNECT.
  bool request_problem_information = true;
  uint16_t receive_maximum = 65535;
  uint16_t topic_alias_maximum = 0;
  // Its place in the shard's DeadlineWheel (connect timeout, keep-alive), while filed there.
  uint16_t wheel_bucket = UINT16_MAX;
  uint32_t maximum_packet_size = std::numeric_limits<uint32_t>::max();
  uint32_t slot = 0;  // index in its shard's `clients`
  uint32_t wheel_index = 0;

  // Why the connection closes, for the log: "connection lost" unless the broker or the client said
  // otherwise. Behind a pointer: it is set once, at the end.
  std::string_view close_reason() const {
    return close_reason_ ? std::string_view(*close_reason_) : std::string_view("connection lost");
  }
  void set_close_reason(std::string why) { close_reason_ = std::make_unique<const std::string>(std::move(why)); }

  // 5.0 topic aliases, made on first use: most connections never use them, and an idle
  // connection should cost little [MQTT-3.3.2-*].
  struct TopicAliases {
    std::vector<std::string> inbound;                    // defined by the client; index = alias - 1
    // Defined by us; looked up by a message's topic view without building a string.
    std::unordered_map<std::string, uint16_t, TopicHash, std::equal_to<>> outbound;
  };
  TopicAliases& aliases() {
    if (!aliases_) aliases_ = std::make_unique<TopicAliases>();
    return *aliases_;
  }

  // PUBACKs, PUBRECs and PUBRELs owed to this client, in the order of the packets they answer
  // [MQTT-4.6.0-2/3/4], while one of them waits until what it confirms is durable. Made on first
  // use, like the aliases.
  struct OwedAck {
    uint16_t packet_id;
    AckKind kind;
    bool ready;
    protocol::ReasonCode reason;
  };
  bool owes_acks() const { return owed_acks_ && !owed_acks_->empty(); }
  base::RingDeque<OwedAck>& owed_acks() {
    if (!owed_acks_) owed_acks_ = std::make_unique<base::RingDeque<OwedAck>>();
    return *owed_acks_;
  }

  bool is_v5() const { return version == protocol::ProtocolVersion::V5; }

  // limits.max_publish_rate / max_publish_bytes_rate: token buckets refilled continuously, holding
  // at most one second's worth. Made on the first PUBLISH when a limit is set.
  struct PublishBudget {
    double messages;
    double bytes;
    TimePoint refilled;
  };
  std::unique_ptr<PublishBudget> publish_budget;

  // Retained messages still to send for subscriptions made on this connection; null when none.
  // Not kept with the session: a reconnecting session is not sent them again [MQTT-3.3.1-9..11].
  std::unique_ptr<RetainedStreams> retained_streams;

 private:
  std::unique_ptr<TopicAliases> aliases_;
  std::unique_ptr<base::RingDeque<OwedAck>> owed_acks_;
  std::unique_ptr<const std::string> close_reason_;
};

// Whom a log line about `c` is about: its client identifier once it has a session, and its peer.
inline base::LogContext log_context(const Client& c) {
  return {c.session != nullptr ? std::string_view(c.session->client_id()) : std::string_view{}, c.link.peer()};
}

}  // namespace pregon::broker
