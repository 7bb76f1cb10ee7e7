// Socket options the broker sets, in one place.
//
// Thread-safety: stateless functions over a descriptor the caller owns.
#pragma once

namespace pregon::net {

// On every accepted client socket: TCP_NODELAY, since MQTT packets are small and latency-bound and
// the output queue already batches them into one write per loop iteration.
// Returns 0 or the errno of the first option that could not be set.
int apply_socket_options(int fd);

// On a listening socket before bind(): SO_REUSEADDR (restart while old connections are in
// TIME_WAIT) and SO_REUSEPORT (one listening socket per loop on the same port; the kernel spreads
// incoming connections among them). Returns 0 or errno.
int apply_listener_options(int fd);

}  // namespace pregon::net
