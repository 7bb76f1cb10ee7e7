// The property table (5.0 section 2.2.2.2, Table 2-4) with what the codec needs beyond the public
// PropertyInfo: the Properties member that holds each property, where it may repeat and the range
// of its value. This one table drives property decoding, validation, encoding and
// Properties::empty(). Internal to the protocol layer; immutable, safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/properties.hpp"

namespace pregon::protocol {

// The member of Properties that stores a property. Its type follows from the wire type: Byte,
// Two/Four Byte Integer → optional of that width; Variable Byte Integer → vector<uint32_t> (only
// Subscription Identifier, which may repeat); UTF-8 string; Binary Data; string pair → vector.
using PropertyField = std::variant<std::optional<uint8_t> Properties::*,
                                   std::optional<uint16_t> Properties::*,
                                   std::optional<uint32_t> Properties::*,
                                   std::vector<uint32_t> Properties::*,
                                   std::optional<std::string_view> Properties::*,
                                   std::optional<Binary> Properties::*,
                                   std::vector<StringPair> Properties::*>;

struct PropertyEntry {
  PropertyInfo info;
  PropertyField field;
  PropertyContexts repeatable;  // contexts where it may appear more than once (others: ProtocolError)
  uint32_t min;                 // allowed range of an integer value; outside it is a ProtocolError
  uint32_t max;
};

// All entries, in identifier order (the order the encoder writes them in).
std::span<const PropertyEntry> property_table();

// The entry for an identifier, or nullptr for one the spec does not define.
const PropertyEntry* property_entry(uint32_t id);

}  // namespace pregon::protocol
