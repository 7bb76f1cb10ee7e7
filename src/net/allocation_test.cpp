// Proves the message path allocates nothing per message once warmed up: counts the operator new
// calls this thread makes while messages are queued, written, read and handed over.
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <thread>

#include "base/allocation_counter.hpp"
#include "broker/shard_impl.hpp"
#include "net/connection_set.hpp"
#include "net/output_queue.hpp"
#include "net/server.hpp"
#include "protocol/codec.hpp"
#include "session/encoded_publish_for_tests.hpp"

namespace pregon::net {
namespace {

TEST(OutputQueueAllocation, SteadyStateAllocatesNothing) {
  auto big = session::owned_encoding(std::vector<uint8_t>(4096, 0x32), 8);
  auto small = session::owned_encoding(std::vector<uint8_t>(40, 0x30), 0);
  const uint8_t puback[4] = {0x40, 0x02, 0x00, 0x01};
  std::vector<iovec> iov(1024);
  OutputQueue q;

  auto one_round = [&](uint16_t id) {
    for (int i = 0; i < 200; ++i) {
      q.append(puback);
      q.append_publish(big, 0x32, id);
      q.append_publish(small, 0x30, 0);
    }
    while (!q.empty()) {
      const size_t n = q.gather(iov);
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) total += iov[i].iov_len;
      q.consume(total / 2 + 1 > total ? total : total / 2 + 1);  // partial writes, like a busy socket
    }
  };
  one_round(1);  // warm-up: the vectors reach their working size
  one_round(2);
  const size_t before = pregon::base::thread_allocation_count;
  for (uint16_t id = 3; id < 20; ++id) one_round(id);
  EXPECT_EQ(pregon::base::thread_allocation_count - before, 0u);
}

// Echoes every input and adds a shared PUBLISH reference, like a broker answering and fanning out.
struct EchoHandler : ConnectionHandler {
  std::shared_ptr<const broker::EncodedPublish> publish;
  void on_open(TcpConnection&, TimePoint) override {}
  broker::InputResult on_input(TcpConnection& c, std::span<const uint8_t> d, TimePoint) override {
    c.send(d);
    c.send_publish(publish, 0x32, 7);
    return {d.size(), -1};
  }
  void on_closed(TcpConnection&, TimePoint) override {}
  void on_output_drained(TcpConnection&, TimePoint) override {}
  void tick(TimePoint) override {}
  void end_of_iteration() override {}
  void shutdown(TimePoint) override {}
};

TEST(ConnectionAllocation, ReadHandWriteRoundTripAllocatesNothing) {
  auto p = session::owned_encoding(std::vector<uint8_t>(2048, 0x32), 6);
  EchoHandler handler;
  handler.publish = p;
  EventLoop loop(std::chrono::milliseconds(1'000'000));  // no tick inside the measured window
  ConnectionSet set(loop, handler, {});
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  broker::ListenerPolicy listener;
  ASSERT_NE(set.adopt(Accepted{UniqueFd(fds[0]), "pair", &listener, nullptr}), nullptr);

  char message[100] = {0x30, 98};
  char back[8192];
  auto round_trip = [&] {
    ASSERT_EQ(::send(peer.get(), message, sizeof message, 0), static_cast<ssize_t>(sizeof message));
    loop.run_once(set, std::chrono::milliseconds(100));
    size_t got = 0;
    while (got < sizeof message + p->bytes.size()) {
      const ssize_t n = ::recv(peer.get(), back, sizeof back, 0);
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
  };
  for (int i = 0; i < 10; ++i) round_trip();  // warm-up
  const size_t before = pregon::base::thread_allocation_count;
  for (int i = 0; i < 200; ++i) round_trip();
  EXPECT_EQ(pregon::base::thread_allocation_count - before, 0u);
}

// The same over WebSocket: frames are unmasked in the read buffer and each batch of output gets a
// header sealed in front of it, so the round trip still allocates nothing.
TEST(ConnectionAllocation, WebSocketRoundTripAllocatesNothing) {
  auto p = session::owned_encoding(std::vector<uint8_t>(2048, 0x32), 6);
  EchoHandler handler;
  handler.publish = p;
  EventLoop loop(std::chrono::milliseconds(1'000'000));
  ConnectionSet set(loop, handler, {});
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  broker::ListenerPolicy listener;
  ASSERT_NE(set.adopt(Accepted{UniqueFd(fds[0]), "pair", &listener, nullptr,
                               std::make_unique<WebSocketStream>("/mqtt")}),
            nullptr);
  const std::string request =
      "GET /mqtt HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_EQ(::send(peer.get(), request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  loop.run_once(set, std::chrono::milliseconds(100));
  char back[8192];
  const ssize_t answer = ::recv(peer.get(), back, sizeof back, 0);
  ASSERT_GT(answer, 0);
  ASSERT_EQ(std::string_view(back, 12), "HTTP/1.1 101");

  uint8_t frame[2 + 4 + 100] = {0x82, 0x80 | 100, 1, 2, 3, 4};  // a masked binary frame
  const uint8_t mqtt[2] = {0x30, 98};
  for (size_t i = 0; i < 100; ++i) frame[6 + i] = (i < 2 ? mqtt[i] : 0) ^ frame[2 + i % 4];
  auto round_trip = [&] {
    ASSERT_EQ(::send(peer.get(), frame, sizeof frame, 0), static_cast<ssize_t>(sizeof frame));
    loop.run_once(set, std::chrono::milliseconds(100));
    size_t got = 0;
    while (got < 4 + 100 + p->bytes.size()) {  // one frame: a 4-byte header, the echo, the PUBLISH
      const ssize_t n = ::recv(peer.get(), back, sizeof back, 0);
      ASSERT_GT(n, 0);
      if (got == 0) {
        ASSERT_EQ(static_cast<uint8_t>(back[0]), 0x82);
        ASSERT_EQ(static_cast<uint8_t>(back[1]), 126);
      }
      got += static_cast<size_t>(n);
    }
  };
  for (int i = 0; i < 10; ++i) round_trip();  // warm-up
  const size_t before = pregon::base::thread_allocation_count;
  for (int i = 0; i < 200; ++i) round_trip();
  EXPECT_EQ(pregon::base::thread_allocation_count - before, 0u);
}

// A blocking loopback client speaking raw MQTT 3.1.1; everything it sends is encoded beforehand.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{10, 0};  // a lost message fails the test instead of hanging it
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  bool connected() const { return connected_; }

  bool send_all(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads and discards exactly `count` bytes; false on close or timeout.
  bool skip(size_t count) {
    while (count > 0) {
      const ssize_t n = ::recv(fd_.get(), buffer_, std::min(count, sizeof buffer_), 0);
      if (n <= 0) return false;
      count -= static_cast<size_t>(n);
    }
    return true;
  }

 private:
  UniqueFd fd_;
  bool connected_ = false;
  uint8_t buffer_[65536];
};

std::string client_id_on_shard(std::string_view prefix, unsigned shard, unsigned shard_count) {
  for (int i = 0;; ++i) {
    std::string id = std::string(prefix) + std::to_string(i);
    if (broker::shard_of_client_id(id, shard_count) == shard) return id;
  }
}

std::vector<uint8_t> connect_packet(std::string_view client_id) {
  protocol::Connect c;
  c.client_id = client_id;
  std::vector<uint8_t> out;
  protocol::encode(c, out);
  return out;
}

// The whole relay over real TCP, with the publisher's and the subscriber's sessions on different
// event-loop threads so that every message also crosses between shards: once warm, relaying QoS 0
// messages allocates nothing in any thread of the server.
TEST(RelayAllocation, SteadyStateQoS0RelayAllocatesNothingPerMessage) {
  config::Config config;
  config.threads = 2;
  config.persistence.enabled = false;
  config.listener.bind = "127.0.0.1";
  config.listener.port = 0;
  Server server(config);
  std::thread loops([&] { server.run(); });

  auto subscriber = std::make_unique<RawClient>(server.port());
  auto publisher = std::make_unique<RawClient>(server.port());
  ASSERT_TRUE(subscriber->connected() && publisher->connected());
  ASSERT_TRUE(subscriber->send_all(connect_packet(client_id_on_shard("relay-sub-", 1, 2))));
  ASSERT_TRUE(subscriber->skip(4));  // CONNACK
  protocol::Subscribe sub;
  sub.packet_id = 1;
  sub.subscriptions.push_back({"relay/+", {}});
  std::vector<uint8_t> bytes;
  protocol::encode(sub, protocol::ProtocolVersion::V311, bytes);
  ASSERT_TRUE(subscriber->send_all(bytes));
  ASSERT_TRUE(subscriber->skip(5));  // SUBACK
  ASSERT_TRUE(publisher->send_all(connect_packet(client_id_on_shard("relay-pub-", 0, 2))));
  ASSERT_TRUE(publisher->skip(4));

  // Bursts of PUBLISHes of 64 bytes, relayed byte for byte (same version, QoS 0).
  const std::string topic = "relay/temperature-sensor-0042";
  const std::vector<uint8_t> payload(64, 'p');
  auto burst_of = [&](int count) {
    std::vector<uint8_t> burst;
    for (int i = 0; i < count; ++i) {
      protocol::Publish p;
      p.topic = topic;
      p.payload = payload;
      protocol::encode(p, protocol::ProtocolVersion::V311, burst);
    }
    return burst;
  };
  auto round = [&](const std::vector<uint8_t>& burst) {
    return publisher->send_all(burst) && subscriber->skip(burst.size());
  };

  // Warm-up with bursts twice the measured size: pools, queues and vectors grow past what a burst
  // needs, including the blocks the subscriber's thread may still hold to give back in one batch.
  const auto warm_up = burst_of(400);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(round(warm_up));
  const auto burst = burst_of(200);
  const size_t before = base::process_allocation_count.load();
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(round(burst));  // 100,000 messages
  const size_t allocations = base::process_allocation_count.load() - before;
  EXPECT_EQ(allocations, 0u) << "over 100,000 relayed messages";

  server.request_stop();
  loops.join();
}

}  // namespace
}  // namespace pregon::net
