// Control packets the broker sends on its own initiative.
#include "broker/shard_impl.hpp"

namespace pregon::broker {

void ShardImpl::send_disconnect(Client& c, protocol::ReasonCode reason, std::string_view reason_string) {
  protocol::Disconnect d{reason, {}};
  if (!reason_string.empty()) {
    // A Reason String is allowed on DISCONNECT whatever Request Problem Information says
    // [MQTT-3.1.2-29], but not past the client's Maximum Packet Size [MQTT-3.2.2-19].
    d.properties.reason_string = reason_string;
    auto& bytes = memory.scratch;
    bytes.clear();
    protocol::encode(d, c.version, bytes);
    if (bytes.size() > c.maximum_packet_size) d.properties.reason_string.reset();
  }
  send(c, d);
}

}  // namespace pregon::broker
