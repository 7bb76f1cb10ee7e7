// Validation of MQTT UTF-8 encoded strings (5.0 section 1.5.4, 3.1.1 section 1.5.3). Pure function,
// shared by the codec and by topic validation in routing.
#pragma once

#include <string_view>

namespace pregon::protocol {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no code points above U+10FFFF,
// no surrogates U+D800..U+DFFF) and contains no U+0000 [MQTT-1.5.4-1, MQTT-1.5.4-2,
// MQTT-1.5.3-1, MQTT-1.5.3-2]. A byte order mark is an ordinary character and is accepted
// [MQTT-1.5.4-3]. Control characters and non-characters are allowed (the spec says SHOULD NOT).
bool valid_utf8(std::string_view s);

}  // namespace pregon::protocol
