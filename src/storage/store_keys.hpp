// The key layout of the durable store. Internal to the storage layer (tests use it too).
//
// A key opens with one kind byte, so each kind of record occupies its own contiguous range; the
// kinds are numbered in the order a recovery wants to see them (messages before the deliveries
// that refer to them). Integers are big-endian so that iteration follows numeric order: a queue
// comes back in sequence order, in-flight entries in packet id order.
//
//   00 "format"                                  store format version (one byte value)
//   01 <message_id u64>                          StoredMessage
//   02 <topic bytes>                             retained StoredMessage
//   03 <len u32> <client id> 01                  StoredSession
//   03 <len u32> <client id> 02 <filter bytes>   StoredSubscription
//   03 <len u32> <client id> 03 <sequence u64>   StoredDelivery (queued)
//   03 <len u32> <client id> 04 <packet_id u16>  StoredInflight
//   03 <len u32> <client id> 05 <packet_id u16>  inbound QoS 2 packet id (empty value)
//   03 <len u32> <client id> 06 <sequence u64>   StoredSpilled, in the "spilled" column family
//
// Client ids may hold any bytes, so they are length-prefixed: the prefix `03 <len> <client id>`
// of one client is never a prefix of another client's keys (not even for "a" and "ab"), and all
// of a session's keys lie in [client_prefix(id), client_prefix_end(id)) for one DeleteRange per
// column family.
// Within a client the session record sorts first. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pregon::storage {

inline constexpr uint8_t kStoreFormatVersion = 1;

enum class KeyKind : uint8_t {
  Meta = 0x00,
  Message = 0x01,
  Retained = 0x02,
  Client = 0x03,
};

enum class ClientKeyKind : uint8_t {
  Session = 0x01,
  Subscription = 0x02,
  Queued = 0x03,
  Inflight = 0x04,
  InboundQos2 = 0x05,
  Spilled = 0x06,
};

std::string format_key();
std::string message_key(uint64_t message_id);
std::string retained_key(std::string_view topic);
std::string session_key(std::string_view client_id);
std::string subscription_key(std::string_view client_id, std::string_view filter);
std::string queued_key(std::string_view client_id, uint64_t sequence);
std::string inflight_key(std::string_view client_id, uint16_t packet_id);
std::string inbound_qos2_key(std::string_view client_id, uint16_t packet_id);
std::string spilled_key(std::string_view client_id, uint64_t sequence);

// All keys of one client start with client_prefix(id) and sort below client_prefix_end(id).
std::string client_prefix(std::string_view client_id);
std::string client_prefix_end(std::string_view client_id);

// The first key of a kind's range, and the first key past it.
std::string kind_begin(KeyKind kind);
std::string kind_end(KeyKind kind);

// A key taken apart; the views point into the key passed to parse_key.
struct ParsedKey {
  KeyKind kind = KeyKind::Meta;
  ClientKeyKind client_kind = ClientKeyKind::Session;  // when kind == Client
  std::string_view client_id;                          // when kind == Client
  std::string_view name;  // topic (Retained), filter (Subscription)
  uint64_t number = 0;    // message id, sequence or packet id
};

// nullopt for a key that does not follow the layout.
std::optional<ParsedKey> parse_key(std::string_view key);

}  // namespace pregon::storage
