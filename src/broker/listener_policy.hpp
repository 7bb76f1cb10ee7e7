// ListenerPolicy: what the broker applies per listener to the connections that came in on it.
// The net layer makes one per configured listener and hands it to every connection it accepts
// there (ClientLink::listener()).
//
// Ownership: owned by the server, which outlives every connection. Thread-safety: immutable but
// for open_connections, which every loop updates.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace pregon::broker {

struct ListenerPolicy {
  std::string name;              // "address:port", for logs
  bool allow_anonymous = true;   // clients that did not authenticate may connect
  bool identity_as_username = false;  // a verified client certificate names the user
  uint32_t max_connections = 0;  // open sockets on this listener; 0: no limit of its own
  std::atomic<int64_t> open_connections{0};
};

}  // namespace pregon::broker
