// ClientLink: what the broker sees of one network connection, and the shared PUBLISH encoding it
// writes. Implemented by the net layer; the broker never touches a file descriptor.
//
// Thread-safety: every call is made on the thread that owns the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/listener_policy.hpp"
#include "session/encoded_publish.hpp"

namespace pregon::broker {

using session::EncodedPublish;

class ClientLink {
 public:
  virtual ~ClientLink() = default;

  // Queues a copy of `bytes`, in order after everything queued before.
  virtual void send(std::span<const uint8_t> bytes) = 0;

  // Queues a shared PUBLISH: byte 0 is replaced by `first_byte` and, when the encoding has a packet
  // identifier, it is replaced by `packet_id`. `p` is kept alive until written.
  virtual void send_publish(std::shared_ptr<const EncodedPublish> p, uint8_t first_byte,
                            uint16_t packet_id) = 0;

  // Bytes queued and not yet written to the socket.
  virtual size_t queued_bytes() const = 0;

  // Asks for one Shard::on_output_drained call once everything queued so far has been written to
  // the socket, for a sender that stopped at a limit of its own (retained messages on subscribe).
  virtual void notify_when_drained() = 0;

  // Stops reading, writes what is queued (bounded in time) and closes the socket. The net layer then
  // reports the close through Shard::on_closed, on this thread, after the current call returns.
  virtual void close() = 0;

  // "address:port" of the peer, for logs.
  virtual const std::string& peer() const = 0;

  // The listener this connection came in on.
  virtual ListenerPolicy& listener() const = 0;

  // The verified TLS client certificate's subject CN, or its first subject alternative name;
  // empty without TLS or without a client certificate.
  virtual std::string_view certificate_identity() const = 0;
};

}  // namespace pregon::broker
