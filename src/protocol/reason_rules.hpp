// Which 5.0 reason codes each packet may carry (5.0 sections 3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1,
// 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1, 3.15.2.1). Pure data, used by the decoders to reject undefined
// codes and by senders that want to check what they are about to send.
#pragma once

#include "protocol/reason_code.hpp"
#include "protocol/version.hpp"

namespace pregon::protocol {

// True when `rc` is defined for packets of `type` in 5.0 [MQTT-3.2.2-8, MQTT-3.4.2-1,
// MQTT-3.5.2-1, MQTT-3.6.2-1, MQTT-3.7.2-1, MQTT-3.9.3-2, MQTT-3.11.3-2, MQTT-3.14.2-1,
// MQTT-3.15.2-1]. False for packet types without a reason code.
bool reason_allowed(PacketType type, ReasonCode rc);

}  // namespace pregon::protocol
