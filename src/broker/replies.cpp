// Control packets the broker sends on its own initiative.
#include "broker/shard_impl.hpp"

namespace pregon::broker {

void ShardImpl::send_disconnect(Client& c, protocol::ReasonCode reason) {
  protocol::Disconnect d{reason, {}};
  send(c, d);
}

}  // namespace pregon::broker
