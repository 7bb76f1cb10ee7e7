// Reading and writing a 5.0 property list (Property Length, then properties; section 2.2.2),
// driven by the property table. Internal to the protocol layer; pure.
#pragma once

#include <cstddef>

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"
#include "protocol/wire_reader.hpp"
#include "protocol/wire_writer.hpp"

namespace pregon::protocol {

// Reads a Property Length and the properties it covers into `out`, for `context` (a packet bit or
// kWillContext). On failure, records in `r`:
//   MalformedPacket - length overruns the packet, unknown identifier, identifier not valid for the
//                     packet (5.0 section 2.2.2.2), value not of its type (bad UTF-8, truncated);
//   ProtocolError   - a property that may appear once appears twice, a value out of its range.
void read_properties(WireReader& r, PropertyContexts context, Properties& out);

// Bytes of the properties of `p` allowed in `context`, without the Property Length.
size_t property_list_size(const Properties& p, PropertyContexts context);

// Writes the Property Length and the properties of `p` allowed in `context`, in identifier order.
// Properties not allowed there are left out, so what is written always decodes. A Subscription
// Identifier is written once where it may not repeat (SUBSCRIBE).
void write_properties(WireWriter& w, const Properties& p, PropertyContexts context);

// The tail of 5.0 PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH: a reason code and
// properties, each of which may be left out at the end of the packet (sections 3.4.2.1, 3.14.2.1,
// 3.15.2.1); a missing reason code means 0x00. Checks the reason code is defined for `type`.
void read_reason_and_properties(WireReader& r, PacketType type, ReasonCode& reason, Properties& props);

// Writes that tail in its shortest form: nothing when the reason is 0x00 and there are no
// properties, the reason alone when there are no properties.
void write_reason_and_properties(WireWriter& w, PacketType type, ReasonCode reason,
                                 const Properties& props);

}  // namespace pregon::protocol
