// Proves the message path allocates nothing per message once warmed up: counts the operator new
// calls this thread makes while messages are queued, written, read and handed over.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "base/allocation_counter.hpp"
#include "net/connection_set.hpp"
#include "net/output_queue.hpp"

namespace pregon::net {
namespace {

TEST(OutputQueueAllocation, SteadyStateAllocatesNothing) {
  auto big = std::make_shared<broker::EncodedPublish>();
  big->bytes.assign(4096, 0x32);
  big->packet_id_offset = 8;
  auto small = std::make_shared<broker::EncodedPublish>();
  small->bytes.assign(40, 0x30);
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
  auto p = std::make_shared<broker::EncodedPublish>();
  p->bytes.assign(2048, 0x32);
  p->packet_id_offset = 6;
  EchoHandler handler;
  handler.publish = p;
  EventLoop loop(std::chrono::milliseconds(1'000'000));  // no tick inside the measured window
  ConnectionSet set(loop, handler, {});
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  ASSERT_NE(set.adopt(UniqueFd(fds[0]), "pair"), nullptr);

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

}  // namespace
}  // namespace pregon::net
