// Key layout: see store_keys.hpp.
#include "storage/store_keys.hpp"

#include <span>

#include "storage/byte_io.hpp"

namespace pregon::storage {
namespace {

std::string client_key(std::string_view client_id, ClientKeyKind sub) {
  std::string key = client_prefix(client_id);
  key.push_back(static_cast<char>(sub));
  return key;
}

}  // namespace

std::string format_key() {
  std::string key(1, static_cast<char>(KeyKind::Meta));
  key.append("format");
  return key;
}

std::string message_key(uint64_t message_id) {
  std::string key(1, static_cast<char>(KeyKind::Message));
  ByteWriter(key).u64(message_id);
  return key;
}

std::string retained_key(std::string_view topic) {
  std::string key(1, static_cast<char>(KeyKind::Retained));
  key.append(topic);
  return key;
}

std::string client_prefix(std::string_view client_id) {
  std::string key(1, static_cast<char>(KeyKind::Client));
  ByteWriter w(key);
  w.u32(static_cast<uint32_t>(client_id.size()));
  w.raw(client_id);
  return key;
}

std::string client_prefix_end(std::string_view client_id) {
  // The smallest string above every string that starts with the prefix: drop trailing 0xFF
  // bytes, then increment the last byte. The prefix opens with kind byte 03, so this terminates.
  std::string end = client_prefix(client_id);
  while (static_cast<uint8_t>(end.back()) == 0xFF) end.pop_back();
  end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

std::string session_key(std::string_view client_id) {
  return client_key(client_id, ClientKeyKind::Session);
}

std::string subscription_key(std::string_view client_id, std::string_view filter) {
  std::string key = client_key(client_id, ClientKeyKind::Subscription);
  key.append(filter);
  return key;
}

std::string queued_key(std::string_view client_id, uint64_t sequence) {
  std::string key = client_key(client_id, ClientKeyKind::Queued);
  ByteWriter(key).u64(sequence);
  return key;
}

std::string inflight_key(std::string_view client_id, uint16_t packet_id) {
  std::string key = client_key(client_id, ClientKeyKind::Inflight);
  ByteWriter(key).u16(packet_id);
  return key;
}

std::string inbound_qos2_key(std::string_view client_id, uint16_t packet_id) {
  std::string key = client_key(client_id, ClientKeyKind::InboundQos2);
  ByteWriter(key).u16(packet_id);
  return key;
}

std::string spilled_key(std::string_view client_id, uint64_t sequence) {
  std::string key = client_key(client_id, ClientKeyKind::Spilled);
  ByteWriter(key).u64(sequence);
  return key;
}

std::string kind_begin(KeyKind kind) { return std::string(1, static_cast<char>(kind)); }

std::string kind_end(KeyKind kind) {
  return std::string(1, static_cast<char>(static_cast<uint8_t>(kind) + 1));
}

std::optional<ParsedKey> parse_key(std::string_view key) {
  ByteReader r({reinterpret_cast<const uint8_t*>(key.data()), key.size()});
  auto view = [](std::span<const uint8_t> b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  };
  ParsedKey p;
  const uint8_t kind = r.u8();
  if (!r.ok()) return std::nullopt;
  switch (static_cast<KeyKind>(kind)) {
    case KeyKind::Meta:
      p.kind = KeyKind::Meta;
      p.name = view(r.rest());
      return p;
    case KeyKind::Message:
      p.kind = KeyKind::Message;
      p.number = r.u64();
      break;
    case KeyKind::Retained:
      p.kind = KeyKind::Retained;
      p.name = view(r.rest());
      return p;
    case KeyKind::Client: {
      p.kind = KeyKind::Client;
      p.client_id = view(r.raw(r.u32()));
      const uint8_t sub = r.u8();
      if (!r.ok()) return std::nullopt;
      switch (static_cast<ClientKeyKind>(sub)) {
        case ClientKeyKind::Session:
          break;
        case ClientKeyKind::Subscription:
          p.name = view(r.rest());
          break;
        case ClientKeyKind::Queued:
        case ClientKeyKind::Spilled:
          p.number = r.u64();
          break;
        case ClientKeyKind::Inflight:
        case ClientKeyKind::InboundQos2:
          p.number = r.u16();
          break;
        default:
          return std::nullopt;
      }
      p.client_kind = static_cast<ClientKeyKind>(sub);
      break;
    }
    default:
      return std::nullopt;
  }
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return p;
}

}  // namespace pregon::storage
