#include "protocol/properties_codec.hpp"

#include <cstdint>

#include "protocol/property_table.hpp"
#include "protocol/reason_rules.hpp"

namespace pregon::protocol {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

bool in_range(WireReader& r, const PropertyEntry& e, uint32_t v) {
  if (v < e.min || v > e.max) return r.fail(ReasonCode::ProtocolError, "property value out of range");
  return true;
}

// Reads the value of one property (its identifier already read) and stores it in `out`.
void read_value(WireReader& r, const PropertyEntry& e, Properties& out) {
  switch (e.info.type) {
    case PropertyType::Byte: {
      const uint8_t v = r.u8();
      if (r.ok() && in_range(r, e, v)) out.*std::get<std::optional<uint8_t> Properties::*>(e.field) = v;
      return;
    }
    case PropertyType::TwoByteInteger: {
      const uint16_t v = r.u16();
      if (r.ok() && in_range(r, e, v)) out.*std::get<std::optional<uint16_t> Properties::*>(e.field) = v;
      return;
    }
    case PropertyType::FourByteInteger: {
      const uint32_t v = r.u32();
      if (r.ok() && in_range(r, e, v)) out.*std::get<std::optional<uint32_t> Properties::*>(e.field) = v;
      return;
    }
    case PropertyType::VariableByteInteger: {
      const uint32_t v = r.varint();
      if (r.ok() && in_range(r, e, v)) {
        (out.*std::get<std::vector<uint32_t> Properties::*>(e.field)).push_back(v);
      }
      return;
    }
    case PropertyType::Utf8String: {
      const std::string_view v = r.string();
      if (r.ok()) out.*std::get<std::optional<std::string_view> Properties::*>(e.field) = v;
      return;
    }
    case PropertyType::BinaryData: {
      const Binary v = r.binary();
      if (r.ok()) out.*std::get<std::optional<Binary> Properties::*>(e.field) = v;
      return;
    }
    case PropertyType::Utf8StringPair: {
      const std::string_view name = r.string();
      const std::string_view value = r.string();  // [MQTT-1.5.7-1]
      if (r.ok()) (out.*std::get<std::vector<StringPair> Properties::*>(e.field)).push_back({name, value});
      return;
    }
  }
}

void write_list(WireWriter& w, const Properties& p, PropertyContexts context) {
  for (const PropertyEntry& e : property_table()) {
    if ((e.info.allowed & context) == 0) continue;
    const auto id = static_cast<uint8_t>(e.info.id);
    std::visit(Overloaded{
                   [&](std::optional<uint8_t> Properties::*m) {
                     if (const auto& v = p.*m) { w.u8(id); w.u8(*v); }
                   },
                   [&](std::optional<uint16_t> Properties::*m) {
                     if (const auto& v = p.*m) { w.u8(id); w.u16(*v); }
                   },
                   [&](std::optional<uint32_t> Properties::*m) {
                     if (const auto& v = p.*m) { w.u8(id); w.u32(*v); }
                   },
                   [&](std::vector<uint32_t> Properties::*m) {
                     for (uint32_t v : p.*m) {
                       w.u8(id);
                       w.varint(v);
                       if ((e.repeatable & context) == 0) break;
                     }
                   },
                   [&](std::optional<std::string_view> Properties::*m) {
                     if (const auto& v = p.*m) { w.u8(id); w.string(*v); }
                   },
                   [&](std::optional<Binary> Properties::*m) {
                     if (const auto& v = p.*m) { w.u8(id); w.binary(*v); }
                   },
                   [&](std::vector<StringPair> Properties::*m) {
                     for (const StringPair& v : p.*m) {
                       w.u8(id);
                       w.string(v.name);
                       w.string(v.value);
                     }
                   },
               },
               e.field);
  }
}

}  // namespace

void read_properties(WireReader& r, PropertyContexts context, Properties& out) {
  const uint32_t length = r.varint();
  if (!r.ok()) return;
  if (length > r.remaining()) {
    r.fail(ReasonCode::MalformedPacket, "property length exceeds the packet");
    return;
  }
  WireReader pr(r.bytes(length));
  uint64_t seen = 0;  // identifiers are below 64
  while (pr.ok() && !pr.at_end()) {
    // A Variable Byte Integer on the wire, though every 5.0 identifier fits one byte (2.2.2.2).
    const uint32_t id = pr.varint();
    if (!pr.ok()) break;
    const PropertyEntry* e = property_entry(id);
    if (e == nullptr) {
      pr.fail(ReasonCode::MalformedPacket, "unknown property identifier");
      break;
    }
    if ((e->info.allowed & context) == 0) {
      // "A Control Packet which contains an Identifier which is not valid for its packet type
      // ... is a Malformed Packet" (2.2.2.2).
      pr.fail(ReasonCode::MalformedPacket, "property not allowed in this packet");
      break;
    }
    const uint64_t bit = uint64_t{1} << id;
    if ((seen & bit) != 0 && (e->repeatable & context) == 0) {
      pr.fail(ReasonCode::ProtocolError, "property included more than once");
      break;
    }
    seen |= bit;
    read_value(pr, *e, out);
  }
  if (!pr.ok()) r.fail(pr.error().code, pr.error().what);
}

size_t property_list_size(const Properties& p, PropertyContexts context) {
  WireWriter counter;
  write_list(counter, p, context);
  return counter.size();
}

void write_properties(WireWriter& w, const Properties& p, PropertyContexts context) {
  w.varint(static_cast<uint32_t>(property_list_size(p, context)));  // [MQTT-2.2.2-1]
  write_list(w, p, context);
}

void read_reason_and_properties(WireReader& r, PacketType type, ReasonCode& reason, Properties& props) {
  reason = ReasonCode::Success;
  if (r.at_end()) return;
  reason = static_cast<ReasonCode>(r.u8());
  if (r.ok() && !reason_allowed(type, reason)) {
    r.fail(ReasonCode::ProtocolError, "reason code not defined for this packet");
    return;
  }
  if (r.at_end()) return;  // no Property Length: no properties
  read_properties(r, context_of(type), props);
}

void write_reason_and_properties(WireWriter& w, PacketType type, ReasonCode reason,
                                 const Properties& props) {
  const bool has_properties = property_list_size(props, context_of(type)) > 0;
  if (reason == ReasonCode::Success && !has_properties) return;
  w.u8(static_cast<uint8_t>(reason));
  if (has_properties) write_properties(w, props, context_of(type));
}

}  // namespace pregon::protocol
