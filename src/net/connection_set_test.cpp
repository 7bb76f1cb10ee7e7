// The connection core (ConnectionSet + TcpConnection on an EventLoop) driven by a scripted
// handler over socketpairs, one thread, one iteration at a time: no broker involved.
#include "net/connection_set.hpp"
#include "session/encoded_publish_for_tests.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace pregon::net {
namespace {

using namespace std::chrono_literals;

struct ScriptedHandler : ConnectionHandler {
  std::function<broker::InputResult(TcpConnection&, std::span<const uint8_t>)> input;
  std::function<void(TcpConnection&)> drained_action;
  std::vector<TcpConnection*> open;
  std::string received;
  int closed = 0;
  int drained = 0;
  int ticks = 0;
  int iterations = 0;
  int shutdowns = 0;
  bool inside_input = false;

  void on_open(TcpConnection& c, TimePoint) override { open.push_back(&c); }
  broker::InputResult on_input(TcpConnection& c, std::span<const uint8_t> data, TimePoint) override {
    inside_input = true;
    broker::InputResult r;
    if (input) {
      r = input(c, data);
    } else {
      received.append(data.begin(), data.end());
      r.consumed = data.size();
    }
    inside_input = false;
    return r;
  }
  void on_closed(TcpConnection& c, TimePoint) override {
    EXPECT_FALSE(inside_input) << "on_closed from inside on_input";
    ++closed;
    std::erase(open, &c);
  }
  void on_output_drained(TcpConnection& c, TimePoint) override {
    ++drained;
    if (drained_action) drained_action(c);
  }
  void tick(TimePoint) override { ++ticks; }
  void end_of_iteration() override { ++iterations; }
  void shutdown(TimePoint) override { ++shutdowns; }
};

broker::ListenerPolicy test_listener;

Accepted accepted(int fd, std::string peer) { return Accepted{UniqueFd(fd), std::move(peer), &test_listener, nullptr}; }

std::span<const uint8_t> view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class ConnectionSetTest : public ::testing::Test {
 protected:
  ConnectionSetTest() : set_(std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{})) {}

  // Returns our end of a fresh socketpair after adopting the other end.
  int connect(std::span<const uint8_t> initial = {}) {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    set_->adopt(accepted(fds[0], "pair"), initial);
    peers_.emplace_back(fds[1]);
    return fds[1];
  }

  void spin(int iterations = 3) {
    for (int i = 0; i < iterations; ++i) loop_.run_once(*set_, 5ms);
  }

  bool spin_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 3000ms) {
    const auto end = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > end) return false;
      loop_.run_once(*set_, 5ms);
    }
    return true;
  }

  // Reads what is available on a peer; sets *eof when the other side closed.
  static std::string read_available(int fd, bool* eof = nullptr) {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 && eof != nullptr) *eof = true;
      return out;
    }
  }

  EventLoop loop_;
  ScriptedHandler handler_;
  std::unique_ptr<ConnectionSet> set_;
  std::vector<UniqueFd> peers_;
};

TEST_F(ConnectionSetTest, DeliversInputAndKeepsWhatIsNotConsumed) {
  // Consumes whole lines only, like a decoder consuming whole packets.
  std::vector<std::string> inputs;
  handler_.input = [&](TcpConnection&, std::span<const uint8_t> d) {
    const std::string s(d.begin(), d.end());
    inputs.push_back(s);
    const size_t nl = s.rfind('\n');
    return broker::InputResult{nl == std::string::npos ? 0 : nl + 1, -1};
  };
  const int peer = connect();
  ASSERT_EQ(::send(peer, "ab\ncd", 5, 0), 5);
  spin();
  ASSERT_EQ(::send(peer, "e\n", 2, 0), 2);
  spin();
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0], "ab\ncd");
  EXPECT_EQ(inputs[1], "cde\n");  // the leftover comes first, then the new bytes
}

TEST_F(ConnectionSetTest, InitialBytesOfAnAdoptedConnectionAreDelivered) {
  connect(view("CONNECT..."));
  EXPECT_EQ(handler_.open.size(), 1u);
  EXPECT_EQ(handler_.received, "CONNECT...");
}

TEST_F(ConnectionSetTest, QueuedOutputIsWrittenAtTheEndOfTheIteration) {
  handler_.input = [&](TcpConnection& c, std::span<const uint8_t> d) {
    c.send(d);
    c.send(d);
    EXPECT_EQ(c.queued_bytes(), 2 * d.size());
    return broker::InputResult{d.size(), -1};
  };
  const int peer = connect();
  ASSERT_EQ(::send(peer, "ping", 4, 0), 4);
  spin();
  EXPECT_EQ(read_available(peer), "pingping");
  EXPECT_EQ(handler_.open.front()->queued_bytes(), 0u);
}

TEST_F(ConnectionSetTest, SharedPublishIsPatchedOnTheWire) {
  auto p = session::owned_encoding({0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 'x'}, 5);
  const int peer = connect();
  TcpConnection& c = *handler_.open.front();
  c.send_publish(p, 0x3A, 0x0107);
  c.send_publish(p, 0x32, 0x0108);
  spin();
  const std::string out = read_available(peer);
  ASSERT_EQ(out.size(), 16u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x3A);
  EXPECT_EQ(static_cast<uint8_t>(out[6]), 0x07);
  EXPECT_EQ(static_cast<uint8_t>(out[8]), 0x32);
  EXPECT_EQ(static_cast<uint8_t>(out[14]), 0x08);
}

TEST_F(ConnectionSetTest, BackpressureIsCountedAndDrainReported) {
  const int peer = connect();
  TcpConnection& c = *handler_.open.front();
  const std::string chunk(64 * 1024, 'q');
  for (int i = 0; i < 64; ++i) c.send(view(chunk));  // 4 MiB: far beyond the socket buffer
  spin();
  const size_t queued = c.queued_bytes();
  EXPECT_GT(queued, 0u);
  EXPECT_LT(queued, 4u * 1024 * 1024);
  EXPECT_EQ(handler_.drained, 0);
  size_t got = 0;
  ASSERT_TRUE(spin_until([&] {
    got += read_available(peer).size();
    return handler_.drained == 1;
  }));
  got += read_available(peer).size();
  EXPECT_EQ(got, 4u * 1024 * 1024);
  EXPECT_EQ(c.queued_bytes(), 0u);
}

TEST_F(ConnectionSetTest, CloseInsideInputFlushesThenReportsOnce) {
  handler_.input = [&](TcpConnection& c, std::span<const uint8_t> d) {
    c.send(view("bye"));
    c.close();
    c.send(view("ignored"));  // after close() nothing more is queued
    return broker::InputResult{d.size(), -1};
  };
  const int peer = connect();
  ASSERT_EQ(::send(peer, "x", 1, 0), 1);
  spin();
  EXPECT_EQ(handler_.closed, 1);
  bool eof = false;
  EXPECT_EQ(read_available(peer, &eof), "bye");
  EXPECT_TRUE(eof);
  // Lingering until our peer closes too; then the socket is gone.
  EXPECT_EQ(set_->size(), 1u);
  ::shutdown(peer, SHUT_WR);
  ASSERT_TRUE(spin_until([&] { return set_->size() == 0; }));
  EXPECT_EQ(handler_.closed, 1);
}

TEST_F(ConnectionSetTest, PeerCloseIsReported) {
  connect();
  connect();
  peers_[0].reset();
  spin();
  EXPECT_EQ(handler_.closed, 1);
  EXPECT_EQ(set_->size(), 1u);
}

TEST_F(ConnectionSetTest, ConnectionsClosedInAnyOrderLeaveTheOthersWorking) {
  handler_.input = [](TcpConnection& c, std::span<const uint8_t> d) {
    c.send(d);
    return broker::InputResult{d.size(), -1};
  };
  for (int i = 0; i < 6; ++i) connect();
  for (int gone : {0, 3, 5}) peers_[gone].reset();  // the first, one in the middle, the last
  spin();
  EXPECT_EQ(handler_.closed, 3);
  ASSERT_EQ(set_->size(), 3u);
  for (int kept : {1, 2, 4}) {
    ASSERT_EQ(::send(peers_[kept].get(), "hi", 2, 0), 2);
    spin();
    EXPECT_EQ(read_available(peers_[kept].get()), "hi") << "connection " << kept;
  }
  set_.reset();  // the rest are reported closed once each
  EXPECT_EQ(handler_.closed, 6);
}

TEST_F(ConnectionSetTest, LingerEndsAtTheDeadline) {
  set_ = std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{.linger_timeout = 200ms});
  connect();
  handler_.open.front()->close();
  spin();
  EXPECT_EQ(handler_.closed, 1);
  EXPECT_EQ(set_->size(), 1u);  // the peer has not closed
  ASSERT_TRUE(spin_until([&] { return set_->size() == 0; }, 2000ms));
}

TEST_F(ConnectionSetTest, UnreadableBacklogIsCutAtTheDeadline) {
  set_ = std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{.close_timeout = 200ms});
  connect();
  TcpConnection& c = *handler_.open.front();
  const std::string chunk(64 * 1024, 'q');
  for (int i = 0; i < 64; ++i) c.send(view(chunk));  // the peer never reads
  c.close();
  spin();
  EXPECT_EQ(handler_.closed, 0);  // still flushing
  ASSERT_TRUE(spin_until([&] { return handler_.closed == 1 && set_->size() == 0; }, 2000ms));
}

TEST_F(ConnectionSetTest, MovesAConnectionWithItsUnconsumedBytes) {
  EventLoop other_loop;
  ScriptedHandler other_handler;
  ConnectionSet other(other_loop, other_handler, {});
  set_ = std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{},
                                         [&](unsigned target, MovedConnection m) {
                                           EXPECT_EQ(target, 1u);
                                           auto held = std::make_shared<MovedConnection>(std::move(m));
                                           other_loop.post([&other, held] {
                                             other.adopt(std::move(held->socket), held->unconsumed);
                                           });
                                         });
  handler_.input = [](TcpConnection&, std::span<const uint8_t>) { return broker::InputResult{2, 1}; };
  const int peer = connect();
  ASSERT_EQ(::send(peer, "xxCONNECT", 9, 0), 9);
  spin();
  EXPECT_EQ(handler_.closed, 0);  // a moved connection is not reported closed
  EXPECT_EQ(set_->size(), 0u);
  other_loop.run_once(other, 100ms);
  ASSERT_EQ(other_handler.open.size(), 1u);
  EXPECT_EQ(other_handler.received, "CONNECT");
  ASSERT_EQ(::send(peer, "more", 4, 0), 4);
  other_loop.run_once(other, 100ms);
  EXPECT_EQ(other_handler.received, "CONNECTmore");
  other_handler.open.front()->send(view("ack"));
  other_loop.run_once(other, 0ms);
  EXPECT_EQ(read_available(peer), "ack");
}

TEST_F(ConnectionSetTest, ShutdownClosesEverythingAndReportsDrained) {
  for (int i = 0; i < 50; ++i) connect();
  bool drained = false;
  set_->begin_shutdown([&] { drained = true; });
  EXPECT_EQ(handler_.shutdowns, 1);
  spin();
  EXPECT_EQ(handler_.closed, 50);
  for (auto& p : peers_) ::shutdown(p.get(), SHUT_WR);  // well-behaved peers close their side
  ASSERT_TRUE(spin_until([&] { return drained; }));
  EXPECT_EQ(set_->size(), 0u);
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  EXPECT_EQ(set_->adopt(accepted(fds[0], "late")), nullptr);  // refused while shutting down
  ::close(fds[1]);
}

TEST_F(ConnectionSetTest, DestructionReportsEveryKnownConnection) {
  for (int i = 0; i < 5; ++i) connect();
  set_.reset();
  EXPECT_EQ(handler_.closed, 5);
}

TEST_F(ConnectionSetTest, TicksAndIterationsReachTheHandler) {
  ASSERT_TRUE(spin_until([&] { return handler_.ticks >= 2; }, 1000ms));
  EXPECT_GE(handler_.iterations, 2);
}

TEST_F(ConnectionSetTest, OversizedUnconsumedInputCloses) {
  set_ = std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{.max_input_bytes = 1000});
  handler_.input = [](TcpConnection&, std::span<const uint8_t>) { return broker::InputResult{0, -1}; };
  const int peer = connect();
  const std::string big(5000, 'z');
  ASSERT_EQ(::send(peer, big.data(), big.size(), 0), 5000);
  spin();
  EXPECT_EQ(handler_.closed, 1);
}

TEST_F(ConnectionSetTest, IdleConnectionsFreeTheirOutputBuffersBusyOnesKeepThem) {
  set_ = std::make_unique<ConnectionSet>(loop_, handler_, ConnectionSet::Options{.idle_trim_period = 0ms});
  handler_.input = [](TcpConnection& c, std::span<const uint8_t> d) {
    c.send(d);
    return broker::InputResult{d.size(), -1};
  };
  const int idle = connect();
  const int busy = connect();
  ASSERT_EQ(::send(idle, "hello", 5, 0), 5);
  ASSERT_EQ(::send(busy, "hello", 5, 0), 5);
  spin();
  EXPECT_EQ(read_available(idle), "hello");
  TcpConnection& idle_conn = *handler_.open[0];
  TcpConnection& busy_conn = *handler_.open[1];
  EXPECT_GT(idle_conn.output_reserved_bytes(), 0u);

  // Every iteration gives the busy one something to echo; trims run on every tick.
  const int ticks = handler_.ticks;
  std::string echoed;
  ASSERT_TRUE(spin_until([&] {
    EXPECT_EQ(::send(busy, "x", 1, 0), 1);
    echoed += read_available(busy);
    return handler_.ticks >= ticks + 3;
  }));
  EXPECT_EQ(idle_conn.output_reserved_bytes(), 0u);
  EXPECT_GT(busy_conn.output_reserved_bytes(), 0u);

  ASSERT_EQ(::send(idle, "again", 5, 0), 5);  // a trimmed connection writes as before
  spin();
  EXPECT_EQ(read_available(idle), "again");
}

}  // namespace
}  // namespace pregon::net
