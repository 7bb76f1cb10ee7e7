// ClientStream over WebSocket against a scripted server on the other end of a socket pair: the
// upgrade, frames both ways, ping and close, a refused upgrade, and no allocation per message once
// the buffers have grown.
#include "transport/client_stream.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "base/allocation_counter.hpp"
#include "net/websocket_frame.hpp"
#include "net/websocket_handshake.hpp"

namespace pregon::transport {
namespace {

class WebSocketPair : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    client_fd_ = fds[0];
    server_fd_ = fds[1];
    auto started = ClientStream::start(client_fd_, StreamSetup{nullptr, true, "127.0.0.1", 1883, "/mqtt"});
    ASSERT_TRUE(started) << started.error();
    stream_ = std::move(*started);
  }
  void TearDown() override {
    stream_.reset();
    if (server_fd_ >= 0) ::close(server_fd_);
    ::close(client_fd_);
  }

  // Waits for and reads what the client sent (at most the buffer's size).
  size_t server_read() {
    pollfd pfd{server_fd_, POLLIN, 0};
    EXPECT_EQ(::poll(&pfd, 1, 5000), 1);
    const ssize_t n = ::read(server_fd_, received_.data(), received_.size());
    EXPECT_GT(n, 0);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }
  void server_write(const void* data, size_t size) {
    ASSERT_EQ(::write(server_fd_, data, size), static_cast<ssize_t>(size));
  }
  void server_frame(net::ws::Opcode opcode, std::string_view payload) {
    std::array<uint8_t, net::ws::kMaxServerHeader> header;
    const size_t n = net::ws::encode_frame_header(opcode, payload.size(), header);
    server_write(header.data(), n);
    server_write(payload.data(), payload.size());
  }
  // Waits until the client's socket is readable, then lets the stream read it.
  base::Expected<void, std::string> client_read(std::vector<uint8_t>& out) {
    pollfd pfd{client_fd_, POLLIN, 0};
    EXPECT_EQ(::poll(&pfd, 1, 5000), 1);
    return stream_->read(out);
  }
  // The upgrade: the client's request answered by the server side's own handshake code.
  void upgrade(std::string_view frames_after = {}) {
    ASSERT_TRUE(stream_->flush());
    const size_t n = server_read();
    const auto answer =
        net::answer_websocket_handshake(std::string_view(reinterpret_cast<const char*>(received_.data()), n), "/mqtt");
    ASSERT_EQ(answer.status, net::HandshakeAnswer::Status::kAccepted) << answer.reason;
    std::string reply = answer.response + std::string(frames_after);
    server_write(reply.data(), reply.size());
  }

  int client_fd_ = -1;
  int server_fd_ = -1;
  std::unique_ptr<ClientStream> stream_;
  std::array<uint8_t, 65536> received_{};
};

std::string text(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

TEST_F(WebSocketPair, UpgradeThenFramesBothWays) {
  EXPECT_FALSE(stream_->open());
  // A frame in the same segment as the 101 is not lost.
  upgrade(std::string("\x82\x03" "abc", 5));
  std::vector<uint8_t> in;
  ASSERT_TRUE(client_read(in));
  EXPECT_TRUE(stream_->open());
  EXPECT_EQ(text(in), "abc");

  const std::string hello = "hello";
  stream_->write({reinterpret_cast<const uint8_t*>(hello.data()), hello.size()});
  ASSERT_TRUE(stream_->flush());
  EXPECT_EQ(stream_->buffered(), 0u);
  const size_t n = server_read();
  net::FrameDecoder decoder;
  const auto step = decoder.decode({received_.data(), n});
  EXPECT_EQ(step.error, 0);
  EXPECT_EQ(step.consumed, n);
  EXPECT_EQ(std::string(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(step.produced)), hello);

  // A message split over a binary frame and its continuation arrives whole.
  in.clear();
  server_write("\x02\x02" "de" "\x80\x01" "f", 7);
  ASSERT_TRUE(client_read(in));
  EXPECT_EQ(text(in), "def");
}

TEST_F(WebSocketPair, PingIsAnsweredAndCloseEndsTheStream) {
  upgrade();
  std::vector<uint8_t> in;
  ASSERT_TRUE(client_read(in));
  server_frame(net::ws::kPing, "p1");
  ASSERT_TRUE(client_read(in));
  EXPECT_TRUE(in.empty());
  const size_t n = server_read();  // read() sent the pong itself
  net::FrameDecoder decoder;
  const auto step = decoder.decode({received_.data(), n});
  EXPECT_EQ(step.control, net::FrameDecoder::Control::kPong);
  EXPECT_EQ(std::string(decoder.control_payload().begin(), decoder.control_payload().end()), "p1");

  const auto close = net::ws::encode_close_frame(net::ws::kNormalClosure);
  server_write(close.bytes.data(), close.bytes.size());
  const auto ended = client_read(in);
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error(), "Connection closed by the broker (WebSocket close 1000)");
}

TEST_F(WebSocketPair, RefusedUpgradeSaysWhyEvenWhenTheServerClosesAtOnce) {
  ASSERT_TRUE(stream_->flush());
  server_read();
  const std::string reply = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  server_write(reply.data(), reply.size());
  ::close(server_fd_);
  server_fd_ = -1;
  std::vector<uint8_t> in;
  const auto read = client_read(in);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), "WebSocket upgrade refused: HTTP/1.1 404 Not Found");
}

TEST_F(WebSocketPair, SteadyStateAllocatesNothing) {
  upgrade();
  std::vector<uint8_t> in;
  ASSERT_TRUE(client_read(in));
  const std::vector<uint8_t> packet(300, 0x30);
  const std::string frame = std::string("\x82\x7e\x01\x2c", 4) + std::string(300, 'm');
  auto round = [&] {
    in.clear();
    stream_->write(packet);
    bool ok = stream_->flush().has_value();
    ok = ok && server_read() == 4 + 4 + 300;  // header with a 16-bit length, mask, payload
    server_write(frame.data(), frame.size());
    return ok && client_read(in).has_value() && in.size() == 300;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(round());  // the buffers reach their size
  const size_t before = base::thread_allocation_count;
  bool ok = true;
  for (int i = 0; i < 1000; ++i) ok = ok && round();
  EXPECT_TRUE(ok);
  EXPECT_EQ(base::thread_allocation_count, before);
}

}  // namespace
}  // namespace pregon::transport
