// RetainedStream: the retained messages a new subscription still has to receive, as a position in
// the retained store rather than a copy of them. The shard sends them a batch at a time while the
// client has room (output buffer, in-flight window), and goes on when the output drains or
// acknowledgements free the window (retained_stream.cpp).
//
// Ownership: a connection's streams belong to its Client, made when a SUBSCRIBE asks for retained
// messages and freed once sent or with the connection: an idle connection carries only a null
// pointer. Thread-safety: none; on the owning shard's thread.
#pragma once

#include <string>
#include <vector>

#include "session/session.hpp"

namespace pregon::broker {

struct RetainedStream {
  std::string filter;
  session::Subscription subscription;
  // The last topic sent or passed over: the walk goes on after it. Empty: not started.
  std::string after;
};

// A connection's streams, oldest subscription first: each is sent to its end before the next.
using RetainedStreams = std::vector<RetainedStream>;

}  // namespace pregon::broker
