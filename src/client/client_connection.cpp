#include "client/client_connection.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "protocol/codec.hpp"

namespace pregon::client {
namespace {

using protocol::PacketType;
using protocol::ProtocolVersion;
using protocol::QoS;
using protocol::ReasonCode;

ClientError error(ClientError::Kind kind, std::string message, ReasonCode reason = ReasonCode::UnspecifiedError) {
  return ClientError{kind, reason, std::move(message)};
}

base::Unexpected<ClientError> fail(ClientError::Kind kind, std::string message,
                                   ReasonCode reason = ReasonCode::UnspecifiedError) {
  return base::unexpected(error(kind, std::move(message), reason));
}

protocol::Binary bytes_of(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::string string_of(protocol::Binary b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// The 3.1/3.1.1 CONNACK return codes in words (3.1.1 table 3.1).
std::string_view connect_return_code_text(protocol::ConnectReturnCode rc) {
  switch (rc) {
    case protocol::ConnectReturnCode::Accepted: return "Connection accepted";
    case protocol::ConnectReturnCode::UnacceptableProtocolVersion: return "Unacceptable protocol version";
    case protocol::ConnectReturnCode::IdentifierRejected: return "Identifier rejected";
    case protocol::ConnectReturnCode::ServerUnavailable: return "Server unavailable";
    case protocol::ConnectReturnCode::BadUserNameOrPassword: return "Bad user name or password";
    case protocol::ConnectReturnCode::NotAuthorized: return "Not authorized";
  }
  return "Unknown return code";
}

std::string_view packet_name(PacketType t) {
  static constexpr std::string_view kNames[] = {
      "RESERVED",  "CONNECT", "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",   "PUBREL",     "PUBCOMP",
      "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
  return kNames[static_cast<unsigned>(t) & 0x0F];
}

// Copies a decoded PUBLISH out of the receive buffer.
ReceivedMessage copy_message(const protocol::Publish& p) {
  ReceivedMessage m;
  m.topic = std::string(p.topic);
  m.payload = string_of(p.payload);
  m.qos = p.qos;
  m.retain = p.retain;
  m.packet_id = p.packet_id;
  const protocol::Properties& props = p.properties;
  for (const protocol::StringPair& up : props.user_properties) {
    m.user_properties.emplace_back(std::string(up.name), std::string(up.value));
  }
  if (props.response_topic) m.response_topic = std::string(*props.response_topic);
  if (props.correlation_data) m.correlation_data = string_of(*props.correlation_data);
  if (props.content_type) m.content_type = std::string(*props.content_type);
  m.message_expiry_interval = props.message_expiry_interval;
  m.payload_format_indicator = props.payload_format_indicator;
  m.topic_alias = props.topic_alias;
  m.subscription_identifiers = props.subscription_identifiers;
  return m;
}

}  // namespace

std::string describe_publish(bool dup, QoS qos, bool retain, uint16_t packet_id, std::string_view topic,
                             size_t payload_size) {
  return fmt::format("PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", dup ? 1 : 0, static_cast<int>(qos),
                     retain ? 1 : 0, packet_id, topic, payload_size);
}

ClientConnection::ClientConnection(int fd, const ConnectRequest& request, DebugSink debug)
    : fd_(fd), version_(request.version), client_id_(request.client_id), debug_(std::move(debug)) {
  session_.client_id = request.client_id;
  session_.keep_alive = request.keep_alive;
  last_sent_ = Clock::now();
}

ClientConnection::~ClientConnection() {
  if (fd_ >= 0) ::close(fd_);
}

ClientResult<std::unique_ptr<ClientConnection>> ClientConnection::open(const ConnectRequest& request, DebugSink debug) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(request.port);
  if (int rc = ::getaddrinfo(request.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fail(ClientError::Kind::Network, fmt::format("Unable to resolve {}: {}", request.host, ::gai_strerror(rc)));
  }
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    last_errno = errno;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return fail(ClientError::Kind::Network, std::strerror(last_errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small packets, sent one at a time

  std::unique_ptr<ClientConnection> conn(new ClientConnection(fd, request, std::move(debug)));
  const auto deadline = Clock::now() + request.connack_timeout;
  if (request.tls || request.websocket) {
    if (auto opened = conn->open_stream(request, deadline); !opened) return base::unexpected(opened.error());
  }

  protocol::Connect connect;
  connect.version = request.version;
  connect.clean_start = request.clean_start;
  connect.keep_alive = request.keep_alive;
  connect.client_id = request.client_id;
  if (request.will) {
    protocol::Will will;
    will.topic = request.will->topic;
    will.payload = bytes_of(request.will->payload);
    will.qos = request.will->qos;
    will.retain = request.will->retain;
    connect.will = will;
  }
  if (request.username) connect.username = std::string_view(*request.username);
  if (request.password) connect.password = bytes_of(*request.password);
  if (protocol::is_v5(request.version)) {
    connect.properties.session_expiry_interval = request.session_expiry_interval;
  }
  if (auto sent = conn->send_packet(connect, "CONNECT"); !sent) return base::unexpected(sent.error());
  if (auto acked = conn->await_connack(deadline); !acked) {
    return base::unexpected(acked.error());
  }
  return conn;
}

void ClientConnection::debug(std::string_view line) const {
  if (debug_) debug_(line);
}

uint16_t ClientConnection::next_packet_id() {
  // Packet identifiers are non-zero [MQTT-2.2.1-3].
  last_packet_id_ = static_cast<uint16_t>(last_packet_id_ == 0xFFFF ? 1 : last_packet_id_ + 1);
  return last_packet_id_;
}

ClientResult<void> ClientConnection::open_stream(const ConnectRequest& request, Clock::time_point deadline) {
  // The stream works on a non-blocking socket; the waits below and in poll_once() do the blocking.
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  const transport::StreamSetup setup{request.tls.get(), request.websocket, request.host, request.port,
                                     request.ws_path};
  auto started = transport::ClientStream::start(fd_, setup);
  if (!started) return fail(ClientError::Kind::Network, started.error());
  stream_ = std::move(*started);
  for (;;) {
    if (auto sent = stream_->flush(); !sent) return fail(ClientError::Kind::Network, sent.error());
    if (stream_->open()) break;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return fail(ClientError::Kind::Timeout, request.tls ? "TLS handshake timed out" : "WebSocket upgrade timed out");
    }
    pollfd pfd{fd_, static_cast<short>(POLLIN | (stream_->wants_write() ? POLLOUT : 0)), 0};
    if (::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, std::numeric_limits<int>::max()))) < 0 &&
        errno != EINTR) {
      return fail(ClientError::Kind::Network, fmt::format("poll failed: {}", std::strerror(errno)));
    }
    if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
      if (auto read = stream_->read(input_); !read) return fail(ClientError::Kind::Network, read.error());
    }
  }
  debug(fmt::format("Client {} {} to {}:{}", client_id_,
                    request.websocket ? (request.tls ? "WSS upgrade done" : "WebSocket upgrade done")
                                      : "TLS handshake done",
                    request.host, request.port));
  return {};
}

ClientResult<void> ClientConnection::send_bytes(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return fail(ClientError::Kind::Network, "Not connected");
  if (stream_) {
    stream_->write(bytes);
    for (;;) {
      if (auto sent = stream_->flush(); !sent) return fail(ClientError::Kind::Network, sent.error());
      if (!stream_->wants_write()) break;
      // Blocks as send() on a blocking socket would.
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
    }
    last_sent_ = Clock::now();
    return {};
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ClientError::Kind::Network, fmt::format("Send failed: {}", std::strerror(errno)));
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  last_sent_ = Clock::now();
  return {};
}

ClientResult<void> ClientConnection::send_packet(const protocol::Packet& packet, std::string_view description) {
  scratch_.clear();
  protocol::encode_packet(packet, version_, scratch_);
  debug(fmt::format("Client {} sending {}", client_id_, description));
  return send_bytes(scratch_);
}

ClientResult<void> ClientConnection::await_connack(Clock::time_point deadline) {
  while (!connack_received_) {
    if (Clock::now() >= deadline) return fail(ClientError::Kind::Timeout, "No CONNACK from the broker");
    auto polled = poll_once(deadline, {});
    if (!polled) return base::unexpected(polled.error());
  }
  if (connack_error_) return base::unexpected(*connack_error_);
  return {};
}

ClientResult<std::optional<int>> ClientConnection::poll_once(std::optional<Clock::time_point> deadline,
                                                             std::span<const int> watch_fds) {
  std::optional<Clock::time_point> wake = deadline;
  const auto keep_alive = std::chrono::seconds(session_.keep_alive);
  if (session_.keep_alive > 0 && connack_received_) {
    Clock::time_point due = last_sent_ + keep_alive;
    wake = wake ? std::min(*wake, due) : due;
  }
  int timeout_ms = -1;
  if (wake) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*wake - Clock::now()).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, std::numeric_limits<int>::max()));
  }
  std::vector<pollfd> fds;
  fds.push_back({fd_, static_cast<short>(POLLIN | (stream_ && stream_->wants_write() ? POLLOUT : 0)), 0});
  for (int fd : watch_fds) fds.push_back({fd, POLLIN, 0});
  int ready = ::poll(fds.data(), fds.size(), timeout_ms);
  if (ready < 0) {
    if (errno == EINTR) return std::optional<int>{};
    return fail(ClientError::Kind::Network, fmt::format("poll failed: {}", std::strerror(errno)));
  }
  if (fds[0].revents != 0) {
    if (auto received = receive(); !received) return base::unexpected(received.error());
  }
  // Keep-alive: PINGREQ when nothing else was sent in the interval [MQTT-3.1.2-20] (5.0); a PINGREQ that
  // stays unanswered for as long means the broker is gone.
  if (session_.keep_alive > 0 && connack_received_ && Clock::now() >= last_sent_ + keep_alive) {
    if (ping_outstanding_) return fail(ClientError::Kind::Timeout, "No PINGRESP from the broker");
    if (auto sent = send_packet(protocol::PingReq{}, "PINGREQ"); !sent) return base::unexpected(sent.error());
    ping_outstanding_ = true;
  }
  for (size_t i = 1; i < fds.size(); ++i) {
    if (fds[i].revents != 0) return std::optional<int>{fds[i].fd};
  }
  return std::optional<int>{};
}

ClientResult<void> ClientConnection::receive() {
  if (stream_) {
    if (auto sent = stream_->flush(); !sent) return fail(ClientError::Kind::Network, sent.error());
    const size_t before = input_.size();
    if (auto read = stream_->read(input_); !read) return fail(ClientError::Kind::Network, read.error());
    if (input_.size() == before) return {};
    return process_input();
  }
  uint8_t buffer[16384];
  ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n == 0) return fail(ClientError::Kind::Network, "Connection closed by the broker");
  if (n < 0 && errno != EINTR && errno != EAGAIN) {
    return fail(ClientError::Kind::Network, fmt::format("Receive failed: {}", std::strerror(errno)));
  }
  if (n <= 0) return {};
  input_.insert(input_.end(), buffer, buffer + n);
  return process_input();
}

ClientResult<void> ClientConnection::process_input() {
  for (;;) {
    auto framed = protocol::read_frame(input_, std::numeric_limits<uint32_t>::max());
    if (!framed) {
      return fail(ClientError::Kind::Protocol, fmt::format("Malformed packet from the broker: {}", framed.error().what),
                  framed.error().code);
    }
    if (!*framed) return {};
    const protocol::Frame frame = **framed;
    auto decoded = protocol::decode(frame, version_);
    if (!decoded) {
      return fail(ClientError::Kind::Protocol,
                  fmt::format("Malformed {} from the broker: {}", packet_name(frame.type), decoded.error().what),
                  decoded.error().code);
    }
    auto handled = handle(*decoded);
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(frame.size));
    if (!handled) return handled;
  }
}

ClientResult<void> ClientConnection::handle(const protocol::Packet& packet) {
  using namespace protocol;
  if (const auto* connack = std::get_if<ConnAck>(&packet)) {
    if (connack_received_) return fail(ClientError::Kind::Protocol, "Second CONNACK from the broker");
    connack_received_ = true;
    const int code =
        is_v5(version_) ? static_cast<int>(connack->reason) : static_cast<int>(to_connect_return_code(connack->reason));
    debug(fmt::format("Client {} received CONNACK ({})", client_id_, code));
    if (is_error(connack->reason)) {
      // 3.1/3.1.1 return codes arrive as their 5.0 equivalents; report them in their own terms.
      std::string text = is_v5(version_)
                             ? std::string(reason_name(connack->reason))
                             : std::string(connect_return_code_text(to_connect_return_code(connack->reason)));
      if (connack->properties.reason_string) text += fmt::format(" ({})", *connack->properties.reason_string);
      connack_error_ = error(ClientError::Kind::Refused, "Connection error: " + text, connack->reason);
      return {};
    }
    session_.session_present = connack->session_present;
    const Properties& props = connack->properties;
    if (props.assigned_client_identifier) {
      session_.client_id = std::string(*props.assigned_client_identifier);
      client_id_ = session_.client_id;
    }
    if (props.server_keep_alive) session_.keep_alive = *props.server_keep_alive;  // [MQTT-3.2.2-21]
    if (props.maximum_qos) session_.maximum_qos = static_cast<QoS>(*props.maximum_qos);
    if (props.retain_available) session_.retain_available = *props.retain_available != 0;
    if (props.maximum_packet_size) session_.maximum_packet_size = *props.maximum_packet_size;
    return {};
  }
  if (!connack_received_) {
    // The first packet from the server is CONNACK.
    return fail(ClientError::Kind::Protocol, "Broker sent a packet before CONNACK");  // [MQTT-3.2.0-1]
  }
  if (const auto* publish = std::get_if<Publish>(&packet)) return handle_publish(*publish);

  auto respond = [&](PacketType type, uint16_t id, std::vector<ReasonCode> reasons, const Properties& props) {
    debug(fmt::format("Client {} received {} (Mid: {})", client_id_, packet_name(type), id));
    Response r{type, id, std::move(reasons), {}};
    if (props.reason_string) r.reason_string = std::string(*props.reason_string);
    responses_.push_back(std::move(r));
    return ClientResult<void>{};
  };
  if (const auto* p = std::get_if<PubAck>(&packet))
    return respond(PacketType::PubAck, p->packet_id, {p->reason}, p->properties);
  if (const auto* p = std::get_if<PubRec>(&packet))
    return respond(PacketType::PubRec, p->packet_id, {p->reason}, p->properties);
  if (const auto* p = std::get_if<PubComp>(&packet))
    return respond(PacketType::PubComp, p->packet_id, {p->reason}, p->properties);
  if (const auto* p = std::get_if<SubAck>(&packet))
    return respond(PacketType::SubAck, p->packet_id, p->reasons, p->properties);
  if (const auto* p = std::get_if<UnsubAck>(&packet))
    return respond(PacketType::UnsubAck, p->packet_id, p->reasons, p->properties);
  if (const auto* p = std::get_if<PubRel>(&packet)) {
    debug(fmt::format("Client {} received PUBREL (Mid: {})", client_id_, p->packet_id));
    PubComp comp;
    comp.packet_id = p->packet_id;
    // Releasing an identifier we do not hold is answered, not fatal (5.0 reason 0x92).
    if (incoming_qos2_.erase(p->packet_id) == 0 && is_v5(version_)) comp.reason = ReasonCode::PacketIdentifierNotFound;
    return send_packet(comp, fmt::format("PUBCOMP (Mid: {})", comp.packet_id));
  }
  if (std::holds_alternative<PingResp>(packet)) {
    debug(fmt::format("Client {} received PINGRESP", client_id_));
    ping_outstanding_ = false;
    return {};
  }
  if (const auto* d = std::get_if<Disconnect>(&packet)) {
    std::string text = fmt::format("Disconnected by the broker: {}", reason_name(d->reason));
    if (d->properties.reason_string) text += fmt::format(" ({})", *d->properties.reason_string);
    return fail(ClientError::Kind::Rejected, text, d->reason);
  }
  if (std::holds_alternative<Auth>(packet)) {
    return fail(ClientError::Kind::Protocol, "Broker sent AUTH; enhanced authentication is not supported");
  }
  return fail(ClientError::Kind::Protocol, "Unexpected packet from the broker");
}

ClientResult<void> ClientConnection::handle_publish(const protocol::Publish& publish) {
  debug(fmt::format("Client {} received {}", client_id_,
                    describe_publish(publish.dup, publish.qos, publish.retain, publish.packet_id, publish.topic,
                                     publish.payload.size())));
  switch (publish.qos) {
    case QoS::AtMostOnce: inbox_.push_back(copy_message(publish)); return {};
    case QoS::AtLeastOnce: {
      inbox_.push_back(copy_message(publish));
      protocol::PubAck ack;
      ack.packet_id = publish.packet_id;
      return send_packet(ack, fmt::format("PUBACK (Mid: {})", ack.packet_id));
    }
    case QoS::ExactlyOnce: {
      // Deliver on PUBLISH, remember the identifier until PUBREL so that a re-sent PUBLISH is not
      // delivered twice [MQTT-4.3.3-10].
      if (incoming_qos2_.insert(publish.packet_id).second) inbox_.push_back(copy_message(publish));
      protocol::PubRec rec;
      rec.packet_id = publish.packet_id;
      return send_packet(rec, fmt::format("PUBREC (Mid: {})", rec.packet_id));
    }
  }
  return fail(ClientError::Kind::Protocol, "PUBLISH with an invalid QoS");
}

ClientResult<ClientConnection::Response> ClientConnection::await_response(PacketType type, uint16_t packet_id) {
  for (;;) {
    while (!responses_.empty()) {
      Response r = std::move(responses_.front());
      responses_.pop_front();
      if (r.type == type && r.packet_id == packet_id) return r;
      debug(fmt::format("Client {} ignoring unexpected {} (Mid: {})", client_id_, packet_name(r.type), r.packet_id));
    }
    auto polled = poll_once(std::nullopt, {});
    if (!polled) return base::unexpected(polled.error());
  }
}

namespace {

std::string rejection(std::string_view what, const std::vector<ReasonCode>& reasons, const std::string& reason_string) {
  std::string text = fmt::format(
      "{} rejected: {}", what, protocol::reason_name(reasons.empty() ? ReasonCode::UnspecifiedError : reasons.front()));
  if (!reason_string.empty()) text += fmt::format(" ({})", reason_string);
  return text;
}

}  // namespace

ClientResult<void> ClientConnection::publish(const OutgoingMessage& message) {
  if (message.qos > session_.maximum_qos) {
    // A client must not send a QoS above the server's Maximum QoS [MQTT-3.2.2-11].
    return fail(ClientError::Kind::Rejected,
                fmt::format("The broker supports QoS {} at most", static_cast<int>(session_.maximum_qos)),
                ReasonCode::QoSNotSupported);
  }
  if (message.retain && !session_.retain_available) {
    return fail(ClientError::Kind::Rejected, "The broker does not support retained messages",  // [MQTT-3.2.2-14]
                ReasonCode::RetainNotSupported);
  }
  protocol::Publish p;
  p.qos = message.qos;
  p.retain = message.retain;
  p.topic = message.topic;
  p.payload = bytes_of(message.payload);
  if (message.qos != QoS::AtMostOnce) p.packet_id = next_packet_id();
  if (protocol::is_v5(version_)) {
    for (const auto& [name, value] : message.user_properties) p.properties.user_properties.push_back({name, value});
    if (message.response_topic) p.properties.response_topic = std::string_view(*message.response_topic);
    if (message.correlation_data) p.properties.correlation_data = bytes_of(*message.correlation_data);
    if (message.content_type) p.properties.content_type = std::string_view(*message.content_type);
    p.properties.message_expiry_interval = message.message_expiry_interval;
  }
  if (session_.maximum_packet_size != 0 && protocol::encoded_size(p, version_) > session_.maximum_packet_size) {
    // Larger packets than the server's Maximum Packet Size must not be sent [MQTT-3.2.2-15].
    return fail(ClientError::Kind::Rejected,
                fmt::format("Message too large for the broker (maximum packet size {})", session_.maximum_packet_size),
                ReasonCode::PacketTooLarge);
  }
  auto sent = send_packet(p, describe_publish(false, p.qos, p.retain, p.packet_id, p.topic, p.payload.size()));
  if (!sent) return sent;
  if (p.qos == QoS::AtMostOnce) return {};
  if (p.qos == QoS::AtLeastOnce) {
    auto ack = await_response(PacketType::PubAck, p.packet_id);
    if (!ack) return base::unexpected(ack.error());
    if (!ack->reasons.empty() && protocol::is_error(ack->reasons.front())) {
      return fail(ClientError::Kind::Rejected, rejection("Publish", ack->reasons, ack->reason_string),
                  ack->reasons.front());
    }
    return {};
  }
  auto rec = await_response(PacketType::PubRec, p.packet_id);
  if (!rec) return base::unexpected(rec.error());
  if (!rec->reasons.empty() && protocol::is_error(rec->reasons.front())) {
    // A PUBREC failure ends the flow; no PUBREL follows (5.0 section 4.3.3).
    return fail(ClientError::Kind::Rejected, rejection("Publish", rec->reasons, rec->reason_string),
                rec->reasons.front());
  }
  protocol::PubRel rel;
  rel.packet_id = p.packet_id;
  if (auto released = send_packet(rel, fmt::format("PUBREL (Mid: {})", rel.packet_id)); !released) return released;
  auto comp = await_response(PacketType::PubComp, p.packet_id);
  if (!comp) return base::unexpected(comp.error());
  if (!comp->reasons.empty() && protocol::is_error(comp->reasons.front())) {
    return fail(ClientError::Kind::Rejected, rejection("Publish", comp->reasons, comp->reason_string),
                comp->reasons.front());
  }
  return {};
}

ClientResult<std::vector<ReasonCode>> ClientConnection::subscribe(std::span<const SubscriptionRequest> subscriptions,
                                                                  const UserProperties& user_properties) {
  protocol::Subscribe s;
  s.packet_id = next_packet_id();
  for (const SubscriptionRequest& r : subscriptions) s.subscriptions.push_back({r.filter, r.options});
  if (protocol::is_v5(version_)) {
    for (const auto& [name, value] : user_properties) s.properties.user_properties.push_back({name, value});
  }
  std::string description = fmt::format("SUBSCRIBE (Mid: {})", s.packet_id);
  for (const SubscriptionRequest& r : subscriptions) {
    description += fmt::format(" '{}' (QoS {})", r.filter, static_cast<int>(r.options.max_qos));
  }
  if (auto sent = send_packet(s, description); !sent) return base::unexpected(sent.error());
  auto ack = await_response(PacketType::SubAck, s.packet_id);
  if (!ack) return base::unexpected(ack.error());
  if (ack->reasons.size() != subscriptions.size()) {
    // One reason code per topic filter, in order [MQTT-3.9.3-1].
    return fail(ClientError::Kind::Protocol, "SUBACK does not match the SUBSCRIBE");
  }
  return std::move(ack->reasons);
}

ClientResult<ClientEvent> ClientConnection::wait_event(std::optional<Clock::time_point> deadline,
                                                       std::span<const int> watch_fds) {
  for (;;) {
    if (!inbox_.empty()) {
      ReceivedMessage m = std::move(inbox_.front());
      inbox_.pop_front();
      return ClientEvent{std::move(m)};
    }
    if (deadline && Clock::now() >= *deadline) return ClientEvent{TimedOut{}};
    auto polled = poll_once(deadline, watch_fds);
    if (!polled) return base::unexpected(polled.error());
    if (*polled) return ClientEvent{FdReady{**polled}};
  }
}

void ClientConnection::disconnect(ReasonCode reason) {
  if (fd_ < 0) return;
  protocol::Disconnect d;
  d.reason = reason;
  if (send_packet(d, "DISCONNECT")) {
    // Half-close and wait briefly for the broker to close, so that our close does not reset the
    // connection while the DISCONNECT is still unread on the other side.
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    uint8_t buffer[4096];
    while (Clock::now() < deadline) {
      pollfd pfd{fd_, POLLIN, 0};
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) break;
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) break;
    }
  }
  stream_.reset();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pregon::client
