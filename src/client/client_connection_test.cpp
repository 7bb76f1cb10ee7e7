// ClientConnection against a scripted server on a loopback socket: the QoS flows, keep-alive and
// refusals that the integration tests cannot provoke from a well-behaved broker.
#include "client/client_connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "protocol/codec.hpp"

namespace pregon::client {
namespace {

using namespace protocol;

// A listening socket and helpers for the server's side of one connection. The test thread talks
// to the client; the server script runs on its own thread and records what it received.
class ScriptedServer {
 public:
  ScriptedServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ScriptedServer() {
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }

  uint16_t port() const { return port_; }

  template <class Script>
  void run(Script script) {
    thread_ = std::thread([this, script] {
      fd_ = ::accept(listen_fd_, nullptr, nullptr);
      script(*this);
    });
  }
  void join() { thread_.join(); }

  // The next whole packet from the client, as its raw bytes (empty at end of stream).
  std::vector<uint8_t> read_packet() {
    for (;;) {
      auto frame = read_frame(input_, 1 << 20);
      if (frame && *frame) {
        std::vector<uint8_t> packet(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>((*frame)->size));
        input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(packet.size()));
        return packet;
      }
      uint8_t buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return {};
      input_.insert(input_.end(), buffer, buffer + n);
    }
  }
  PacketType read_type() {
    auto p = read_packet();
    return p.empty() ? PacketType{} : static_cast<PacketType>(p[0] >> 4);
  }
  void send(const Packet& p, ProtocolVersion v) {
    std::vector<uint8_t> out;
    encode_packet(p, v, out);
    ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  void send_raw(std::vector<uint8_t> bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  std::vector<PacketType> received;  // filled by scripts, read after join()

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<uint8_t> input_;
  std::thread thread_;
};

ConnectRequest request_for(const ScriptedServer& server, ProtocolVersion v) {
  ConnectRequest r;
  r.host = "127.0.0.1";
  r.port = server.port();
  r.version = v;
  r.client_id = "unit";
  r.connack_timeout = std::chrono::seconds(5);
  return r;
}

TEST(ClientConnection, IncomingQoS2IsDeliveredOnceAndReleased) {
  ScriptedServer server;
  const auto v = ProtocolVersion::V311;
  server.run([v](ScriptedServer& s) {
    s.received.push_back(s.read_type());  // CONNECT
    s.send(ConnAck{}, v);
    const uint8_t payload[] = {'x'};
    Publish p;
    p.qos = QoS::ExactlyOnce;
    p.topic = "t";
    p.packet_id = 5;
    p.payload = payload;
    s.send(p, v);
    s.received.push_back(s.read_type());  // PUBREC
    p.dup = true;                         // re-sent before PUBREL: must not be delivered again
    s.send(p, v);
    s.received.push_back(s.read_type());  // PUBREC
    PubRel rel;
    rel.packet_id = 5;
    s.send(rel, v);
    s.received.push_back(s.read_type());  // PUBCOMP
    s.received.push_back(s.read_type());  // DISCONNECT
    s.close();                            // as a broker does after DISCONNECT; the client waits for it
  });
  auto conn = ClientConnection::open(request_for(server, v), {});
  ASSERT_TRUE(conn) << conn.error().message;
  auto first = (*conn)->wait_event(Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(first);
  ASSERT_TRUE(std::holds_alternative<ReceivedMessage>(*first));
  EXPECT_EQ(std::get<ReceivedMessage>(*first).payload, "x");
  EXPECT_EQ(std::get<ReceivedMessage>(*first).qos, QoS::ExactlyOnce);
  auto second = (*conn)->wait_event(Clock::now() + std::chrono::milliseconds(300));
  ASSERT_TRUE(second);
  EXPECT_TRUE(std::holds_alternative<TimedOut>(*second));
  (*conn)->disconnect();
  server.join();
  EXPECT_EQ(server.received, (std::vector<PacketType>{PacketType::Connect, PacketType::PubRec, PacketType::PubRec,
                                                      PacketType::PubComp, PacketType::Disconnect}));
}

TEST(ClientConnection, OutgoingQoS2RunsTheWholeFlow) {
  ScriptedServer server;
  const auto v = ProtocolVersion::V5;
  server.run([v](ScriptedServer& s) {
    s.received.push_back(s.read_type());
    s.send(ConnAck{}, v);
    auto publish = s.read_packet();
    s.received.push_back(static_cast<PacketType>(publish[0] >> 4));
    auto decoded = decode_packet(publish, v);
    uint16_t id = decoded ? std::get<Publish>(*decoded).packet_id : 0;
    PubRec rec;
    rec.packet_id = id;
    s.send(rec, v);
    s.received.push_back(s.read_type());  // PUBREL
    PubComp comp;
    comp.packet_id = id;
    s.send(comp, v);
  });
  auto conn = ClientConnection::open(request_for(server, v), {});
  ASSERT_TRUE(conn) << conn.error().message;
  OutgoingMessage m;
  m.topic = "t";
  m.payload = "p";
  m.qos = QoS::ExactlyOnce;
  auto sent = (*conn)->publish(m);
  EXPECT_TRUE(sent) << sent.error().message;
  server.join();
  EXPECT_EQ(server.received, (std::vector<PacketType>{PacketType::Connect, PacketType::Publish, PacketType::PubRel}));
}

TEST(ClientConnection, PubAckFailureIsRejected) {
  ScriptedServer server;
  const auto v = ProtocolVersion::V5;
  server.run([v](ScriptedServer& s) {
    s.read_type();
    s.send(ConnAck{}, v);
    auto publish = s.read_packet();
    auto decoded = decode_packet(publish, v);
    PubAck ack;
    ack.packet_id = decoded ? std::get<Publish>(*decoded).packet_id : 0;
    ack.reason = ReasonCode::NotAuthorized;
    s.send(ack, v);
  });
  auto conn = ClientConnection::open(request_for(server, v), {});
  ASSERT_TRUE(conn) << conn.error().message;
  OutgoingMessage m;
  m.topic = "t";
  m.qos = QoS::AtLeastOnce;
  auto sent = (*conn)->publish(m);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, ClientError::Kind::Rejected);
  EXPECT_EQ(sent.error().reason, ReasonCode::NotAuthorized);
  server.join();
}

TEST(ClientConnection, RefusedConnAckReportsTheReturnCode) {
  ScriptedServer server;
  server.run([](ScriptedServer& s) {
    s.read_type();
    s.send_raw({0x20, 0x02, 0x00, 0x02});  // 3.1.1 CONNACK: identifier rejected
  });
  auto conn = ClientConnection::open(request_for(server, ProtocolVersion::V311), {});
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().kind, ClientError::Kind::Refused);
  EXPECT_EQ(to_connect_return_code(conn.error().reason), ConnectReturnCode::IdentifierRejected);
  EXPECT_EQ(conn.error().message, "Connection error: Identifier rejected");
  server.join();
}

TEST(ClientConnection, ServerKeepAliveDrivesPings) {
  ScriptedServer server;
  const auto v = ProtocolVersion::V5;
  server.run([v](ScriptedServer& s) {
    s.read_type();
    ConnAck ack;
    ack.properties.server_keep_alive = 1;  // the client must use it [MQTT-3.2.2-21]
    s.send(ack, v);
    s.received.push_back(s.read_type());  // PINGREQ after a second of silence
    s.send(PingResp{}, v);
  });
  auto request = request_for(server, v);
  request.keep_alive = 600;
  auto conn = ClientConnection::open(request, {});
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ((*conn)->session().keep_alive, 1);
  auto event = (*conn)->wait_event(Clock::now() + std::chrono::milliseconds(1500));
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_TRUE(std::holds_alternative<TimedOut>(*event));
  server.join();
  EXPECT_EQ(server.received, (std::vector<PacketType>{PacketType::PingReq}));
}

TEST(ClientConnection, ConnectionRefusedIsANetworkError) {
  uint16_t port = 0;
  {
    ScriptedServer closed;  // bound, then closed: nothing listens there afterwards
    port = closed.port();
  }
  ConnectRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  auto conn = ClientConnection::open(r, {});
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().kind, ClientError::Kind::Network);
  EXPECT_EQ(conn.error().message, "Connection refused");
}

}  // namespace
}  // namespace pregon::client
