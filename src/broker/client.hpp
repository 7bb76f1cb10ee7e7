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

#include "broker/client_link.hpp"
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

  Client(ClientLink& l, TimePoint now) : link(l), opened_at(now), last_received(now) {}

  ClientLink& link;
  State state = State::AwaitConnect;
  protocol::ProtocolVersion version = protocol::ProtocolVersion::V311;
  TimePoint opened_at;
  TimePoint last_received;
  uint16_t keep_alive = 0;  // seconds, as granted
  session::Session* session = nullptr;

  // What a 5.0 client announced in CONNECT.
  uint16_t receive_maximum = 65535;
  uint32_t maximum_packet_size = std::numeric_limits<uint32_t>::max();
  uint16_t topic_alias_maximum = 0;
  bool request_problem_information = true;

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

  // False once the client sent DISCONNECT 0x00 (the will is discarded) [MQTT-3.1.2-10].
  bool publish_will_on_close = true;
  std::string close_reason = "connection lost";

  bool is_v5() const { return version == protocol::ProtocolVersion::V5; }

 private:
  std::unique_ptr<TopicAliases> aliases_;
};

}  // namespace pregon::broker
