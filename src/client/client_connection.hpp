// A small blocking MQTT client connection for the command-line tools: TCP connect (optionally with
// TLS, WebSocket or both, see transport/client_stream.hpp), CONNECT and
// CONNACK, PUBLISH with the QoS 1 and 2 flows in both directions, SUBSCRIBE, keep-alive PINGREQ and
// DISCONNECT. One operation is in flight at a time (the tools never need more), so the client never
// exceeds a server's Receive Maximum.
//
// Everything happens on the caller's thread inside the calls below, which block on poll() with a
// deadline. Incoming PUBLISH packets that arrive while the caller waits for something else are
// acknowledged at once and queued for wait_event().
//
// Ownership: the connection owns its socket and closes it on destruction. It reads the caller's
// watch fds but never closes them. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/expected.hpp"
#include "protocol/packets.hpp"
#include "transport/client_stream.hpp"
#include "transport/client_tls.hpp"

namespace pregon::client {

using Clock = std::chrono::steady_clock;
using UserProperties = std::vector<std::pair<std::string, std::string>>;

struct WillRequest {
  std::string topic;
  std::string payload;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  bool retain = false;
};

// Everything needed to open a session, owned (the codec's packets hold views into it).
struct ConnectRequest {
  std::string host = "localhost";
  uint16_t port = 1883;
  protocol::ProtocolVersion version = protocol::ProtocolVersion::V311;
  std::string client_id;
  bool clean_start = true;
  uint16_t keep_alive = 60;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<uint32_t> session_expiry_interval;  // 5.0 only
  std::optional<WillRequest> will;
  std::chrono::milliseconds connack_timeout{30'000};  // also bounds the TLS and WebSocket handshakes
  // TLS when set; with `websocket` it is WSS.
  std::shared_ptr<const transport::ClientTls> tls;
  bool websocket = false;
  std::string ws_path = "/mqtt";
};

// A PUBLISH to send, owned.
struct OutgoingMessage {
  std::string topic;
  std::string payload;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  bool retain = false;
  // 5.0 properties.
  UserProperties user_properties;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::optional<std::string> content_type;
  std::optional<uint32_t> message_expiry_interval;
};

// A PUBLISH received, copied out of the receive buffer.
struct ReceivedMessage {
  std::string topic;
  std::string payload;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  bool retain = false;
  uint16_t packet_id = 0;
  // 5.0 properties.
  UserProperties user_properties;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::optional<std::string> content_type;
  std::optional<uint32_t> message_expiry_interval;
  std::optional<uint8_t> payload_format_indicator;
  std::optional<uint16_t> topic_alias;
  std::vector<uint32_t> subscription_identifiers;
};

struct ClientError {
  enum class Kind {
    Network,   // resolve, connect, send or receive failed, or the peer closed the connection
    Refused,   // CONNACK with a failure code; `reason` holds it
    Rejected,  // the server refused an operation (PUBACK/PUBREC/SUBACK failure) or disconnected us
    Protocol,  // the server sent something malformed or unexpected
    Timeout,   // no answer in time (CONNACK, keep-alive)
  };
  Kind kind = Kind::Network;
  protocol::ReasonCode reason = protocol::ReasonCode::UnspecifiedError;
  std::string message;  // one line, without "Error: "
};

template <class T>
using ClientResult = base::Expected<T, ClientError>;

// What wait_event() returns.
struct TimedOut {};
struct FdReady {
  int fd;
};
using ClientEvent = std::variant<ReceivedMessage, TimedOut, FdReady>;

struct SubscriptionRequest {
  std::string filter;
  protocol::SubscriptionOptions options;
};

// What the server said in its CONNACK, for the tools' debug output and decisions.
struct SessionInfo {
  bool session_present = false;
  std::string client_id;    // ours, or the one the server assigned (5.0)
  uint16_t keep_alive = 0;  // the effective one (Server Keep Alive wins) [MQTT-3.2.2-21]
  protocol::QoS maximum_qos = protocol::QoS::ExactlyOnce;
  bool retain_available = true;
  uint32_t maximum_packet_size = 0;  // 0: no limit announced
};

class ClientConnection {
 public:
  // Receives one line per packet sent or received when debugging (-d); may be empty.
  using DebugSink = std::function<void(std::string_view)>;

  // Connects, sends CONNECT and waits for CONNACK. A CONNACK failure is ClientError::Refused.
  static ClientResult<std::unique_ptr<ClientConnection>> open(const ConnectRequest& request, DebugSink debug);

  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  const SessionInfo& session() const { return session_; }

  // Sends a PUBLISH and, for QoS 1 and 2, blocks until its flow completes (PUBACK, or PUBREC then
  // PUBCOMP). A failure reason code in the acknowledgement is ClientError::Rejected.
  ClientResult<void> publish(const OutgoingMessage& message);

  // Sends a SUBSCRIBE and returns the SUBACK reason codes, one per request.
  ClientResult<std::vector<protocol::ReasonCode>> subscribe(std::span<const SubscriptionRequest> subscriptions,
                                                            const UserProperties& user_properties);

  // Serves the connection (acknowledgements, keep-alive) until a message arrives, one of
  // `watch_fds` becomes readable, or `deadline` passes.
  ClientResult<ClientEvent> wait_event(std::optional<Clock::time_point> deadline, std::span<const int> watch_fds = {});

  // Sends DISCONNECT (best effort) and closes the socket. Further calls fail.
  void disconnect(protocol::ReasonCode reason = protocol::ReasonCode::NormalDisconnection);

 private:
  // An acknowledgement the current operation may be waiting for, copied out of the buffer.
  struct Response {
    protocol::PacketType type;
    uint16_t packet_id = 0;
    std::vector<protocol::ReasonCode> reasons;
    std::string reason_string;
  };

  ClientConnection(int fd, const ConnectRequest& request, DebugSink debug);

  ClientResult<void> send_packet(const protocol::Packet& packet, std::string_view description);
  ClientResult<void> send_bytes(std::span<const uint8_t> bytes);
  // TLS and/or WebSocket handshakes on the connected socket, before CONNECT.
  ClientResult<void> open_stream(const ConnectRequest& request, Clock::time_point deadline);
  // Reads what the socket has and processes every whole packet.
  ClientResult<void> receive();
  // Polls once; processes every whole packet read. Returns the ready watch fd, if any.
  ClientResult<std::optional<int>> poll_once(std::optional<Clock::time_point> deadline, std::span<const int> watch_fds);
  ClientResult<void> process_input();
  ClientResult<void> handle(const protocol::Packet& packet);
  ClientResult<void> handle_publish(const protocol::Publish& publish);
  ClientResult<Response> await_response(protocol::PacketType type, uint16_t packet_id);
  ClientResult<void> await_connack(Clock::time_point deadline);
  uint16_t next_packet_id();
  void debug(std::string_view line) const;

  int fd_ = -1;
  std::unique_ptr<transport::ClientStream> stream_;  // none for plain TCP
  protocol::ProtocolVersion version_;
  std::string client_id_;
  DebugSink debug_;
  SessionInfo session_;
  bool connack_received_ = false;
  std::optional<ClientError> connack_error_;

  std::vector<uint8_t> input_;
  std::vector<uint8_t> scratch_;  // reused for every encoding
  Clock::time_point last_sent_;
  bool ping_outstanding_ = false;
  uint16_t last_packet_id_ = 0;

  std::deque<ReceivedMessage> inbox_;
  std::deque<Response> responses_;
  // QoS 2 packet ids received (PUBREC sent) and not yet released; a PUBLISH re-sent with one of
  // them is a duplicate and is not delivered again (method B, 4.3.3).
  std::set<uint16_t> incoming_qos2_;
};

// One-line description of a PUBLISH for debug output, e.g. "PUBLISH (d0, q1, r0, m3, 'a/b', ... (5 bytes))".
std::string describe_publish(bool dup, protocol::QoS qos, bool retain, uint16_t packet_id, std::string_view topic,
                             size_t payload_size);

}  // namespace pregon::client
