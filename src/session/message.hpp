// Message: an application message as the broker holds it between receipt and delivery — owned
// copies of the topic, payload and the properties that travel with it, immutable once built, and
// shared by reference (MessagePtr) among every queue, in-flight window and thread that holds it.
//
// It also caches its PUBLISH encodings: one per variant (protocol family, QoS, retain), built on
// first use by whichever thread needs it and then shared by all receivers of that variant.
//
// Memory: a message built from a client's PUBLISH takes three blocks of its thread's BlockPool
// (the shared_ptr control block with the message, its topic and payload together, and each
// encoding), so relaying allocates nothing once the pools are warm. Messages made without a pool
// (wills, broker-generated messages, tests) use the heap the same way.
//
// Thread-safety: immutable after construction except the encoding cache, which is lock-free
// (each slot is published with compare-and-swap; a thread that loses the race frees its copy).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/block_pool.hpp"
#include "protocol/packets.hpp"
#include "session/encoded_publish.hpp"

namespace pregon::session {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct MessageProperties {
  std::optional<uint8_t> payload_format_indicator;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::vector<uint8_t>> correlation_data;
  std::vector<std::pair<std::string, std::string>> user_properties;

  bool empty() const {
    return !payload_format_indicator && !content_type && !response_topic && !correlation_data &&
           user_properties.empty();
  }
};

class Message;
using MessagePtr = std::shared_ptr<const Message>;

// What one thread needs to build messages and their encodings without allocating: its pool, and a
// scratch buffer to encode into. Owned per event-loop thread; outlives every message built with it.
struct MessageMemory {
  base::BlockPool pool;
  std::vector<uint8_t> scratch;
};

class Message : public std::enable_shared_from_this<Message> {
  struct Private {};  // keeps construction to the factories below, through std::allocate_shared

 public:
  // Copies what it keeps out of a decoded PUBLISH (whose views die with the read buffer) into
  // blocks of `memory`'s pool. `topic` is the resolved topic (a topic alias already replaced). An
  // expiry deadline is set when the publisher gave a Message Expiry Interval. `frame`, when given,
  // is the whole packet as received and holds `topic` and the payload, as a 3.1/3.1.1 PUBLISH does:
  // it is kept as it is, in one block that is both the message's topic and payload and its shared
  // encoding for 3.x receivers of the same QoS and retain flag, so relaying it encodes nothing.
  static MessagePtr from_publish(MessageMemory& memory, const protocol::Publish& p, std::string_view topic,
                                 uint64_t origin_session, TimePoint now, std::span<const uint8_t> frame = {});

  // Builds a message from a will.
  static MessagePtr from_will(const protocol::Will& w, uint64_t origin_session, TimePoint now);

  // Builds a message with plain fields (broker-generated messages, tests).
  static MessagePtr make(std::string topic, std::vector<uint8_t> payload, protocol::QoS qos, bool retain,
                         MessageProperties props = {}, std::optional<uint32_t> expiry_interval = {},
                         uint64_t origin_session = 0, TimePoint now = Clock::now());

  Message(Private, base::BlockPool* pool, std::string_view topic, std::span<const uint8_t> payload);
  // Keeps `frame` (see from_publish), where `topic` and `payload` lie.
  Message(Private, base::BlockPool* pool, std::span<const uint8_t> frame, std::string_view topic,
          std::span<const uint8_t> payload, protocol::QoS qos, bool retain);
  ~Message();
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // Starts loading the topic and the first payload bytes into this core's caches (a message built
  // on another thread, about to be routed here).
  void prefetch() const {
    __builtin_prefetch(topic_.data());
    __builtin_prefetch(topic_.data() + 64);
  }

  std::string_view topic() const { return topic_; }
  // routing::topic_hash of the topic, computed once where the message is built, so that the
  // threads routing it need not.
  uint32_t topic_hash() const { return topic_hash_; }
  std::span<const uint8_t> payload() const { return payload_; }
  // What memory budgets count for it: its topic and payload.
  size_t footprint() const { return topic_.size() + payload_.size(); }
  protocol::QoS qos() const { return qos_; }
  bool retain() const { return retain_; }
  const MessageProperties& properties() const { return props_ ? *props_ : kNoProperties; }
  uint64_t origin_session() const { return origin_session_; }
  bool has_expiry() const { return expiry_deadline_.has_value(); }
  const std::optional<TimePoint>& expiry_deadline() const { return expiry_deadline_; }
  bool expired(TimePoint now) const { return expiry_deadline_ && now >= *expiry_deadline_; }
  // Seconds left of the Message Expiry Interval, rounded up (never 0 while not expired).
  std::optional<uint32_t> remaining_expiry(TimePoint now) const;

  // The shared encoding for a receiver that needs no per-receiver properties (no subscription
  // identifiers, no topic alias, no expiry to count down). Packet identifier 0 and DUP clear;
  // ClientLink::send_publish patches them. Built, when missing, in the calling thread's `memory`.
  std::shared_ptr<const EncodedPublish> shared_encoding(MessageMemory& memory, protocol::ProtocolVersion v,
                                                        protocol::QoS qos, bool retain) const;

  // A per-receiver encoding (subscription identifiers, a topic alias, or a counted-down expiry),
  // written over `out`. `topic_alias` 0 means none; `send_topic` false sends an empty topic with the
  // alias.
  void encode(std::vector<uint8_t>& out, protocol::ProtocolVersion v, protocol::QoS qos, bool retain, bool dup,
              uint16_t packet_id, std::span<const uint32_t> subscription_ids, uint16_t topic_alias,
              bool send_topic, TimePoint now) const;

  // Size of the encoding `encode` would produce (for the receiver's Maximum Packet Size).
  size_t encoded_size(protocol::ProtocolVersion v, protocol::QoS qos,
                      std::span<const uint32_t> subscription_ids, uint16_t topic_alias, bool send_topic,
                      TimePoint now) const;

 private:
  static std::shared_ptr<Message> allocate(base::BlockPool* pool, std::string_view topic,
                                           std::span<const uint8_t> payload);
  protocol::Publish to_publish(protocol::ProtocolVersion v, protocol::QoS qos, bool retain, bool dup,
                               uint16_t packet_id, std::span<const uint32_t> subscription_ids,
                               uint16_t topic_alias, bool send_topic, TimePoint now) const;

  // One pool block: the topic, then the payload; or an EncodedPublish and the received packet, which
  // holds both (then also one of encodings_).
  void* storage_ = nullptr;
  std::string_view topic_;
  std::span<const uint8_t> payload_;
  protocol::QoS qos_ = protocol::QoS::AtMostOnce;
  bool retain_ = false;
  uint32_t topic_hash_ = 0;
  void set_properties(MessageProperties props);
  static const MessageProperties kNoProperties;

  // Behind a pointer, null when there are none (most messages): a queued message is then small
  // enough that a backlog of thousands stays in the caches.
  std::unique_ptr<const MessageProperties> props_;
  std::optional<TimePoint> expiry_deadline_;
  uint64_t origin_session_ = 0;
  // [family: 0 = 3.1/3.1.1, 1 = 5.0][qos][retain]
  mutable std::array<std::atomic<EncodedPublish*>, 12> encodings_{};
};

}  // namespace pregon::session
