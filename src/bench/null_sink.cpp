#include "bench/null_sink.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <unordered_map>
#include <vector>

#include "protocol/codec.hpp"

namespace pregon::bench {
namespace {

using namespace pregon::protocol;

struct SinkConnection {
  ProtocolVersion version = ProtocolVersion::V311;
  std::vector<uint8_t> partial;
  std::vector<uint8_t> out;
};

uint16_t packet_id_of(const Frame& f) {
  const size_t topic_len = (size_t{f.body[0]} << 8) | f.body[1];
  return static_cast<uint16_t>((f.body[2 + topic_len] << 8) | f.body[3 + topic_len]);
}

// Answers one frame; PUBLISH at QoS 0 is only counted.
void answer(SinkConnection& c, const Frame& f) {
  switch (f.type) {
    case PacketType::Publish: {
      const auto qos = (f.flags >> 1) & 3;
      if (qos == 1) encode(PubAck{packet_id_of(f)}, c.version, c.out);
      if (qos == 2) encode(PubRec{packet_id_of(f)}, c.version, c.out);
      break;
    }
    case PacketType::Connect: {
      auto p = decode(f, c.version);
      if (p) c.version = std::get<Connect>(*p).version;
      encode(ConnAck{}, c.version, c.out);
      break;
    }
    case PacketType::Subscribe: {
      auto p = decode(f, c.version);
      if (!p) break;
      const auto& s = std::get<Subscribe>(*p);
      SubAck a;
      a.packet_id = s.packet_id;
      for (const auto& t : s.subscriptions) a.reasons.push_back(static_cast<ReasonCode>(t.options.max_qos));
      encode(a, c.version, c.out);
      break;
    }
    case PacketType::PubRel:
      encode(PubComp{static_cast<uint16_t>((f.body[0] << 8) | f.body[1])}, c.version, c.out);
      break;
    case PacketType::PingReq:
      encode(PingResp{}, c.version, c.out);
      break;
    default:
      break;
  }
}

}  // namespace

uint16_t NullSink::start() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1024) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  thread_ = std::thread([this, fd] { run(fd); });
  return ntohs(a.sin_port);
}

void NullSink::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void NullSink::run(int listen_fd) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &lev);
  std::unordered_map<int, SinkConnection> conns;
  std::vector<uint8_t> buf(1 << 20);
  epoll_event events[64];
  while (!stopping_) {
    const int n = epoll_wait(ep, events, 64, 50);
    for (int k = 0; k < n; ++k) {
      const int fd = events[k].data.fd;
      if (fd == listen_fd) {
        const int c = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        conns[c];
        continue;
      }
      SinkConnection& c = conns[fd];
      const ssize_t r = ::read(fd, buf.data(), buf.size());
      if (r <= 0) {
        ::close(fd);
        conns.erase(fd);
        continue;
      }
      bytes_.fetch_add(static_cast<uint64_t>(r), std::memory_order_relaxed);
      c.partial.insert(c.partial.end(), buf.begin(), buf.begin() + r);
      std::span<const uint8_t> rest = c.partial;
      size_t used = 0;
      for (;;) {
        auto f = read_frame(rest.subspan(used), kMaxVariableByteInteger + 5);
        if (!f || !f->has_value()) break;
        answer(c, **f);
        used += (*f)->size;
      }
      c.partial.erase(c.partial.begin(), c.partial.begin() + static_cast<std::ptrdiff_t>(used));
      if (!c.out.empty()) {
        // Acks are small and the generator reads continuously; a blocking-style write is enough here.
        size_t off = 0;
        while (off < c.out.size()) {
          const ssize_t w = ::send(fd, c.out.data() + off, c.out.size() - off, MSG_NOSIGNAL);
          if (w <= 0) break;
          off += static_cast<size_t>(w);
        }
        c.out.clear();
      }
    }
  }
  for (auto& [fd, c] : conns) ::close(fd);
  ::close(listen_fd);
  ::close(ep);
}

}  // namespace pregon::bench
