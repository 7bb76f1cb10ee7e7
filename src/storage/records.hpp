// The records pregon keeps on disk: plain values, independent of the session and routing layers, so
// that the store can be tested, fuzzed and migrated on its own. The broker converts its live state
// to and from these; record_codec.hpp turns them into bytes.
//
// Plain data, no invariants beyond the field comments; copy and move freely. Not synchronized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pregon::storage {

using Bytes = std::vector<uint8_t>;

// A User Property (MQTT 5.0, 3.3.2.3.7): a name/value pair; order and duplicates are kept.
struct StoredUserProperty {
  std::string name;
  std::string value;

  bool operator==(const StoredUserProperty&) const = default;
};

// An application message as it was accepted from its publisher: what is needed to deliver it
// again after a restart, to any protocol version.
struct StoredMessage {
  std::string topic;
  Bytes payload;
  uint8_t qos = 0;  // 0, 1 or 2
  bool retain = false;
  std::optional<uint8_t> payload_format_indicator;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<Bytes> correlation_data;
  std::vector<StoredUserProperty> user_properties;
  // Wall-clock deadline in unix milliseconds derived from the Message Expiry Interval; absent when
  // the message does not expire. Wall clock, not steady clock: it must mean the same after a
  // restart, and the remaining interval is recomputed from it when forwarding [MQTT-3.3.2-6].
  std::optional<int64_t> expires_at_unix_ms;
  // The publishing client's id, so that No Local still holds after a restart [MQTT-3.8.3-3].
  std::string origin_client_id;

  bool operator==(const StoredMessage&) const = default;
};

// One subscription of a session. `options` is the MQTT 5.0 Subscription Options byte as on the
// wire (3.8.3.1): bits 0-1 Maximum QoS, bit 2 No Local, bit 3 Retain As Published, bits 4-5
// Retain Handling. For MQTT 3.x sessions only the QoS bits are set.
struct StoredSubscription {
  std::string filter;
  uint8_t options = 0;
  uint32_t subscription_identifier = 0;  // 0 = none (a real identifier is 1..268,435,455)

  uint8_t max_qos() const { return options & 0x03u; }
  bool no_local() const { return (options & 0x04u) != 0; }
  bool retain_as_published() const { return (options & 0x08u) != 0; }
  uint8_t retain_handling() const { return (options >> 4) & 0x03u; }

  bool operator==(const StoredSubscription&) const = default;
};

// The shared subscription a delivery was chosen for ($share/<group>/<filter>), so that after a
// restart the broker still knows which deliveries came from a group (4.8.2): a started QoS 2 flow
// stays with its client [MQTT-4.8.2-4], a queued one may go to another member.
struct StoredSharedTarget {
  std::string group;
  std::string filter;

  bool operator==(const StoredSharedTarget&) const = default;
};

// A message routed to one session: a reference to a StoredMessage (by message_id) plus what is
// particular to this receiver.
struct StoredDelivery {
  uint64_t message_id = 0;
  uint8_t qos = 0;      // granted QoS of this delivery: min(publish QoS, subscription max QoS)
  bool retain = false;  // RETAIN flag as it is to be sent (Retain As Published applied)
  std::vector<uint32_t> subscription_identifiers;  // [MQTT-3.3.4-3]
  std::optional<StoredSharedTarget> shared;

  bool operator==(const StoredDelivery&) const = default;
};

// A queued delivery kept on disk past its session's in-memory budget (a spilled queue), with its own
// copy of the message: it is read back alone, by sequence, when the queue has room again.
struct StoredSpilled {
  StoredDelivery delivery;  // delivery.message_id unused (0)
  StoredMessage message;

  bool operator==(const StoredSpilled&) const = default;
};

// Where an outgoing QoS 1/2 PUBLISH stands in its flow (4.3.2, 4.3.3).
enum class InflightState : uint8_t {
  AwaitPubAck = 0,   // QoS 1 PUBLISH sent
  AwaitPubRec = 1,   // QoS 2 PUBLISH sent
  AwaitPubComp = 2,  // PUBREL sent; the message itself is no longer needed [MQTT-4.3.3-5]
};

// An outgoing QoS 1/2 message that was sent and awaits acknowledgement; resent with DUP on the
// session's next connection [MQTT-4.4.0-1].
struct StoredInflight {
  uint16_t packet_id = 0;
  InflightState state = InflightState::AwaitPubAck;
  StoredDelivery delivery;

  bool operator==(const StoredInflight&) const = default;
};

// The Will Message of a session and its Will Delay Interval (3.1.3.2).
struct StoredWill {
  StoredMessage message;
  uint32_t delay_interval = 0;  // seconds

  bool operator==(const StoredWill&) const = default;
};

inline constexpr uint32_t kSessionNeverExpires = 0xFFFFFFFFu;  // 3.1.2.11.2

// The session state that outlives a network connection (4.1).
struct StoredSession {
  std::string client_id;
  uint32_t expiry_interval = 0;  // seconds; kSessionNeverExpires = never
  // When the network connection closed, in unix milliseconds; absent while connected. After a
  // restart, a session without it is treated as disconnected at start-up.
  std::optional<int64_t> disconnected_at_unix_ms;
  std::optional<StoredWill> will;
  uint8_t protocol_version = 0;  // the Protocol Level byte of its CONNECT: 3, 4 or 5

  bool operator==(const StoredSession&) const = default;
};

}  // namespace pregon::storage
