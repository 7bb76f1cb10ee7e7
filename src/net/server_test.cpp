// The whole server over real TCP: start-up, accepting on every loop, stopping. These tests hold
// whatever shard the broker layer provides, so they check only what is true of any broker: sockets
// are accepted, garbage is not answered with garbage, and a stop closes everything in bounded time.
#include "net/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include "net/control_signals.hpp"
#include "net/unique_fd.hpp"

namespace pregon::net {
namespace {

using namespace std::chrono_literals;

config::Config test_config(uint16_t port = 0, const std::string& bind = "127.0.0.1") {
  config::Config c;
  c.threads = 2;
  c.persistence.enabled = false;
  c.listener.bind = bind;
  c.listener.port = port;
  return c;
}

UniqueFd connect_to(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval tv{3, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  return fd;
}

// Reads until the server closes; false on a 3 s timeout.
bool closed_by_server(int fd) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

// Runs a server on its own thread for the duration of a test.
struct RunningServer {
  explicit RunningServer(config::Config c) : server(std::move(c)), thread([this] { server.run(); }) {}
  ~RunningServer() { stop(); }
  std::chrono::steady_clock::duration stop() {
    const auto start = std::chrono::steady_clock::now();
    server.request_stop();
    if (thread.joinable()) thread.join();
    return std::chrono::steady_clock::now() - start;
  }
  Server server;
  std::thread thread;
};

TEST(Server, ListensOnTheChosenPortAndStopsOnRequest) {
  RunningServer s(test_config());
  ASSERT_NE(s.server.port(), 0);
  EXPECT_EQ(s.server.thread_count(), 2u);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(connect_to(s.server.port()));
    ASSERT_TRUE(clients.back());
  }
  EXPECT_LT(s.stop(), 3s);
  for (auto& c : clients) EXPECT_TRUE(closed_by_server(c.get()));
}

TEST(Server, ManyConnectionsAtOnce) {
  RunningServer s(test_config());
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(connect_to(s.server.port()));
    ASSERT_TRUE(clients.back()) << i;
  }
  // Some clients leave on their own, with unread data in flight.
  for (int i = 0; i < 300; i += 3) {
    ASSERT_EQ(::send(clients[static_cast<size_t>(i)].get(), "\x10", 1, MSG_NOSIGNAL), 1);
    clients[static_cast<size_t>(i)].reset();
  }
  EXPECT_LT(s.stop(), 3s);
  for (auto& c : clients) {
    if (c) {
      EXPECT_TRUE(closed_by_server(c.get()));
    }
  }
}

TEST(Server, GarbageIsNotAnsweredAsIfItWereMqtt) {
  RunningServer s(test_config());
  UniqueFd c = connect_to(s.server.port());
  ASSERT_TRUE(c);
  const char garbage[] = "\xF0\x00 not mqtt";
  ASSERT_EQ(::send(c.get(), garbage, sizeof garbage - 1, 0), static_cast<ssize_t>(sizeof garbage - 1));
  char buf[64];
  const ssize_t n = ::recv(c.get(), buf, sizeof buf, 0);
  if (n == static_cast<ssize_t>(sizeof garbage - 1) && std::memcmp(buf, garbage, sizeof garbage - 1) == 0) {
    GTEST_SKIP() << "the broker layer is the echoing stub";
  }
  // A reserved packet type is a malformed packet: the server closes the connection.
  EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << n;
}

// Minimal MQTT 3.1.1 packets, enough to see the loops, the router and connection moves at work.
std::string connect_packet(const std::string& client_id) {
  std::string body = std::string("\x00\x04MQTT\x04\x02\x00\x3C", 10);
  body += static_cast<char>(client_id.size() >> 8);
  body += static_cast<char>(client_id.size() & 0xFF);
  body += client_id;
  return std::string("\x10") + static_cast<char>(body.size()) + body;
}

bool send_all(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string recv_exactly(int fd, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

// 12 clients connect, all subscribe to "t", client 0 publishes once, and every subscriber receives it.
void connect_subscribe_publish(unsigned threads) {
  config::Config c = test_config();
  c.threads = threads;
  RunningServer s(std::move(c));
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 12; ++i) {
    clients.push_back(connect_to(s.server.port()));
    ASSERT_TRUE(clients.back());
    ASSERT_TRUE(send_all(clients.back().get(), connect_packet("client-" + std::to_string(i))));
  }
  for (size_t i = 0; i < clients.size(); ++i) {
    ASSERT_EQ(recv_exactly(clients[i].get(), 4), std::string("\x20\x02\x00\x00", 4)) << "CONNACK to client-" << i;
  }
  const std::string subscribe("\x82\x06\x00\x01\x00\x01t\x00", 8);
  for (auto& fd : clients) {
    ASSERT_TRUE(send_all(fd.get(), subscribe));
    ASSERT_EQ(recv_exactly(fd.get(), 5), std::string("\x90\x03\x00\x01\x00", 5));
  }
  const std::string publish("\x30\x05\x00\x01thi", 7);
  ASSERT_TRUE(send_all(clients[0].get(), publish));
  for (auto& fd : clients) EXPECT_EQ(recv_exactly(fd.get(), 7), publish);
}

TEST(Server, OneLoopCarriesAnMqttExchange) { connect_subscribe_publish(1); }

// Client identifiers hash to different shards: connections move between loops, and the PUBLISH
// reaches the other loops through the router.
TEST(Server, ConnectionsMoveAndMessagesCrossLoops) { connect_subscribe_publish(3); }

TEST(Server, StopRequestedBeforeRunReturnsAtOnce) {
  Server server(test_config());
  server.request_stop();
  const auto start = std::chrono::steady_clock::now();
  server.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(Server, StopsOnSigterm) {
  Server server(test_config());
  ControlSignals signals;  // blocks SIGTERM here; the loop threads started by run() inherit that
  ASSERT_EQ(::raise(SIGTERM), 0);  // pending, reported through the signalfd
  const auto start = std::chrono::steady_clock::now();
  server.run(&signals);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(Server, SighupCallsTheHangupHandlerWhereAuthFilesThatFailChangeNothing) {
  Server server(test_config());
  ControlSignals signals;
  ASSERT_EQ(::raise(SIGHUP), 0);  // pending, reported through the signalfd
  std::string error;
  server.run(&signals, [&] {
    config::Config next = test_config();
    next.auth.acl_file = "/nonexistent/acl";
    if (auto done = server.reconfigure(next); !done) error = done.error();
    server.request_stop();
  });
  EXPECT_NE(error.find("auth.acl_file: /nonexistent/acl"), std::string::npos) << error;
}

TEST(Server, ABusyPortFailsStartUpWithAClearError) {
  RunningServer first(test_config());
  try {
    Server second(test_config(first.server.port()));
    FAIL() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.server.port())),
              std::string::npos)
        << e.what();
  }
}

TEST(Server, AnUnresolvableAddressFailsStartUp) {
  EXPECT_THROW(Server(test_config(0, "no-such-host.invalid")), std::runtime_error);
}

TEST(Server, BindsHostNamesAndIpv6Literals) {
  {
    Server by_name(test_config(0, "localhost"));
    EXPECT_NE(by_name.port(), 0);
  }
  UniqueFd probe(::socket(AF_INET6, SOCK_STREAM, 0));
  if (!probe) GTEST_SKIP() << "no IPv6 here";
  try {
    Server v6(test_config(0, "[::1]"));
    EXPECT_EQ(v6.endpoint().family(), AF_INET6);
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "IPv6 loopback unavailable: " << e.what();
  }
}

}  // namespace
}  // namespace pregon::net
