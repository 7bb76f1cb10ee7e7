#include "bench/generator_loop.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench/monotonic_clock.hpp"
#include "protocol/codec.hpp"

namespace pregon::bench {
namespace {

constexpr size_t kReadChunk = 256 * 1024;
constexpr int kReadsPerEvent = 8;                   // then let the other sockets have their turn
constexpr size_t kMaxPendingUnbounded = 64 * 1024;  // -w 0: refill only below this much unwritten
constexpr size_t kMaxPendingOpenLoop = 1024 * 1024; // -r: skip a send rather than buffer more
constexpr uint64_t kConnectTimeoutNs = 10'000'000'000ull;
constexpr uint64_t kStallNs = 1'000'000'000ull;  // window full without progress: write off as lost
constexpr uint32_t kMaxBatch = 4096;             // PUBLISHes per publisher per pass

}  // namespace

GeneratorLoop::GeneratorLoop(const BenchOptions& options, const ScenarioPlan& plan, const Destination& destination,
                             const transport::StreamSetup* stream_setup, RunControl& control, uint32_t thread)
    : options_(options), destination_(destination), stream_setup_(stream_setup), control_(control),
      shared_(control.thread[thread]),
      thread_(thread), scratch_(kReadChunk) {
  for (const auto& c : plan.clients) {
    if (c.thread != thread) continue;
    clients_.emplace_back(c, options.version, options.qos, control.setup_start_ns.load());
    if (c.role == Role::Publisher) {
      clients_.back().make_publisher(options.size);
      publishers_.push_back(static_cast<uint32_t>(clients_.size() - 1));
    }
  }
  setup_target_ = static_cast<uint32_t>(clients_.size());
  if (options.rate > 0 && plan.publisher_count > 0) {
    thread_rate_ = static_cast<double>(options.rate) * static_cast<double>(publishers_.size()) / plan.publisher_count;
  }
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
}

GeneratorLoop::~GeneratorLoop() {
  for (auto& c : clients_) {
    if (c.fd >= 0) ::close(c.fd);
  }
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

ThreadResult GeneratorLoop::run() {
  bool sending_done = false;
  for (;;) {
    const uint64_t now = monotonic_ns();
    const Phase phase = control_.phase.load(std::memory_order_acquire);
    int timeout_ms = 1;
    if (phase == Phase::Setup) {
      start_connects(now);
      if (now - last_timeout_check_ns_ > 100'000'000ull) {
        last_timeout_check_ns_ = now;
        check_connect_timeouts(now);
      }
      check_setup_done();
    } else if (phase == Phase::Stopping) {
      stop();
      return std::move(result_);
    } else if (!sending_done) {
      if (phase == Phase::Publishing && now < control_.measure_end_ns.load(std::memory_order_relaxed)) {
        publish(now);
        if (!with_output_.empty()) timeout_ms = 0;
      } else {
        for (uint32_t i : publishers_) control_.publisher[clients_[i].plan().index].sent.store(clients_[i].sent());
        sending_done = true;
        shared_.sending_done.store(true, std::memory_order_release);
      }
    }
    flush_all();
    publish_progress(now);
    poll(timeout_ms);
  }
}

void GeneratorLoop::start_connects(uint64_t now) {
  const double per_thread = static_cast<double>(options_.connect_rate) / options_.threads;
  const double elapsed = static_cast<double>(now - control_.setup_start_ns.load()) / 1e9;
  const auto due = std::min<size_t>(clients_.size(), static_cast<size_t>(elapsed * per_thread) + 1);
  for (; next_to_connect_ < due; ++next_to_connect_) {
    const auto index = static_cast<uint32_t>(next_to_connect_);
    BenchClient& c = clients_[index];
    const uint32_t global = c.plan().index + (c.plan().role == Role::Publisher ? options_.clients : 0);
    const uint32_t source = options_.sources > 1 ? 1 + global % options_.sources : 0;
    c.connect_started_ns = now;
    c.fd = start_connect(destination_, source);
    if (c.fd < 0) {
      fail(index, true, std::strerror(errno));
      continue;
    }
    if (stream_setup_ != nullptr) {
      auto stream = transport::ClientStream::start(c.fd, *stream_setup_);
      if (!stream) {
        fail(index, true, stream.error());
        continue;
      }
      c.stream = std::move(*stream);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = index;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev);
    c.write_armed = true;
    c.queue_connect();
    queue_output(index);
  }
}

void GeneratorLoop::check_connect_timeouts(uint64_t now) {
  for (uint32_t i = 0; i < next_to_connect_; ++i) {
    BenchClient& c = clients_[i];
    const bool waiting = c.state() == ClientState::Connecting || c.state() == ClientState::AwaitSubAck;
    if (waiting && now - c.connect_started_ns > kConnectTimeoutNs) fail(i, true);
  }
}

void GeneratorLoop::check_setup_done() {
  if (resolved_ >= setup_target_ && !shared_.setup_done.load(std::memory_order_relaxed)) {
    shared_.setup_done.store(true, std::memory_order_release);
  }
}

uint32_t GeneratorLoop::credit(BenchClient& c, uint64_t now) {
  if (c.state() != ClientState::Ready || !c.can_publish()) return 0;
  PublisherShared& ps = control_.publisher[c.plan().index];
  const uint32_t fanout = ps.fanout.load(std::memory_order_relaxed);
  if (options_.window == 0 || fanout == 0) {
    return c.pending() < kMaxPendingUnbounded ? kMaxBatch : 0;
  }
  // The window counts end-to-end deliveries: sent and not yet received by its subscribers.
  const uint64_t delivered = ps.delivered.load(std::memory_order_relaxed) / fanout;
  const uint64_t done = delivered + c.forgiven;
  const uint64_t outstanding = c.sent() > done ? c.sent() - done : 0;
  if (outstanding < options_.window) {
    c.stall_since_ns = 0;
    return static_cast<uint32_t>(options_.window - outstanding);
  }
  // A QoS 0 message the broker dropped never arrives; without this the window would close forever.
  if (c.stall_since_ns == 0 || delivered != c.last_delivered) {
    c.stall_since_ns = now;
    c.last_delivered = delivered;
  } else if (now - c.stall_since_ns > kStallNs) {
    c.forgiven += outstanding;
    c.stall_since_ns = 0;
  }
  return 0;
}

void GeneratorLoop::publish(uint64_t now) {
  const bool measuring = now >= control_.measure_begin_ns.load(std::memory_order_relaxed);
  uint64_t sent = 0;
  if (thread_rate_ > 0) {
    // Open loop: the sends due by now, whether or not earlier ones arrived.
    const double elapsed = static_cast<double>(now - control_.publish_start_ns.load()) / 1e9;
    const auto target = static_cast<uint64_t>(elapsed * thread_rate_);
    uint64_t due = target > rate_sent_ ? target - rate_sent_ : 0;
    size_t idle_turns = 0;
    while (due > 0 && idle_turns < publishers_.size()) {
      const uint32_t i = publishers_[rate_cursor_++ % publishers_.size()];
      BenchClient& c = clients_[i];
      if (c.state() != ClientState::Ready || !c.can_publish() || c.pending() > kMaxPendingOpenLoop) {
        ++idle_turns;
        continue;
      }
      idle_turns = 0;
      c.append_publish(now);
      queue_output(i);
      --due;
      ++sent;
    }
    // Sends that could not go out are not made up later: the achieved rate shows the shortfall.
    rate_sent_ = target;
  } else {
    for (uint32_t i : publishers_) {
      BenchClient& c = clients_[i];
      uint32_t n = std::min(credit(c, now), kMaxBatch);
      if (n == 0) continue;
      // One timestamp per batch: the whole batch leaves in the same write.
      for (; n > 0 && c.can_publish(); --n) {
        c.append_publish(now);
        ++sent;
      }
      queue_output(i);
    }
  }
  result_.sent += sent;
  if (measuring) result_.measured_sent += sent;
}

void GeneratorLoop::queue_output(uint32_t index) {
  BenchClient& c = clients_[index];
  if (!c.queued && c.pending() > 0) {
    c.queued = true;
    with_output_.push_back(index);
  }
}

void GeneratorLoop::flush_all() {
  for (uint32_t i : with_output_) {
    clients_[i].queued = false;
    flush(i);
  }
  with_output_.clear();
}

void GeneratorLoop::flush(uint32_t index) {
  BenchClient& c = clients_[index];
  if (c.fd < 0 || !c.tcp_up) return;
  if (c.stream) {
    flush_stream(index);
    return;
  }
  if (c.pending() > 0) {
    // MSG_NOSIGNAL: a broker that went away is an error to count, not a SIGPIPE to die of.
    const ssize_t n = ::send(c.fd, c.pending_data(), c.pending(), MSG_NOSIGNAL);
    if (n > 0) {
      c.consume(static_cast<size_t>(n));
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      fail(index, control_.phase.load() != Phase::Stopping);
      return;
    }
  }
  arm_write(index, c.pending() > 0);
}

void GeneratorLoop::flush_stream(uint32_t index) {
  BenchClient& c = clients_[index];
  transport::ClientStream& s = *c.stream;
  // The stream takes the client's output only when it has sent all it held, so that the client's
  // pending() still measures the backlog the publishing credit looks at. A second round serves
  // output that waited for the stream to drain or for its handshakes to end.
  for (int round = 0; round < 2; ++round) {
    if (s.open() && s.buffered() == 0 && c.pending() > 0) {
      s.write({c.pending_data(), c.pending()});
      c.consume(c.pending());
    }
    if (auto sent = s.flush(); !sent) {
      fail(index, control_.phase.load() != Phase::Stopping, sent.error());
      return;
    }
    if (s.buffered() > 0 || c.pending() == 0 || !s.open()) break;
  }
  // Output waiting for a handshake needs no EPOLLOUT: the handshake's answer comes as input.
  arm_write(index, s.wants_write() || (s.open() && c.pending() > 0));
}

void GeneratorLoop::arm_write(uint32_t index, bool want) {
  BenchClient& c = clients_[index];
  if (want != c.write_armed) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = index;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.write_armed = want;
  }
}

void GeneratorLoop::poll(int timeout_ms) {
  epoll_event events[256];
  const int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
  for (int k = 0; k < n; ++k) {
    const auto index = static_cast<uint32_t>(events[k].data.u64);
    BenchClient& c = clients_[index];
    if (c.fd < 0) continue;
    const uint32_t ev = events[k].events;
    if ((ev & EPOLLOUT) != 0) {
      if (!c.tcp_up) {
        if (const int err = connect_result(c.fd); err != 0) {
          fail(index, true, std::strerror(err));
          continue;
        }
        c.tcp_up = true;
      }
      flush(index);
      if (c.fd < 0) continue;
    }
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) on_readable(index);
  }
}

void GeneratorLoop::on_readable(uint32_t index) {
  if (clients_[index].stream) {
    on_stream_readable(index);
    return;
  }
  for (int k = 0; k < kReadsPerEvent; ++k) {
    BenchClient& c = clients_[index];
    if (c.fd < 0) return;
    const ssize_t n = ::read(c.fd, scratch_.data(), scratch_.size());
    if (n > 0) {
      consume_bytes(index, {scratch_.data(), static_cast<size_t>(n)});
      if (static_cast<size_t>(n) < scratch_.size()) return;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      fail(index, control_.phase.load() != Phase::Stopping);  // the broker closed, or the socket broke
      return;
    } else {
      return;
    }
  }
}

void GeneratorLoop::on_stream_readable(uint32_t index) {
  BenchClient& c = clients_[index];
  stream_in_.clear();
  if (auto read = c.stream->read(stream_in_); !read) {
    fail(index, control_.phase.load() != Phase::Stopping, read.error());
    return;
  }
  if (!stream_in_.empty()) consume_bytes(index, stream_in_);
  // A handshake step, a pong or the replies just queued may be waiting to go out.
  if (clients_[index].fd >= 0) flush(index);
}

void GeneratorLoop::consume_bytes(uint32_t index, std::span<const uint8_t> data) {
  // One clock reading for everything one read returned: it all arrived by then.
  const uint64_t now = monotonic_ns();
  BenchClient& c = clients_[index];
  std::span<const uint8_t> rest = data;
  if (!c.partial.empty()) {
    c.partial.insert(c.partial.end(), data.begin(), data.end());
    rest = c.partial;
  }
  size_t used = 0;
  while (used < rest.size()) {
    auto frame = protocol::read_frame(rest.subspan(used), protocol::kMaxVariableByteInteger + 5);
    if (!frame) {
      fail(index, true);
      return;
    }
    if (!frame->has_value()) break;
    const std::optional<Reaction> reaction = react(c, **frame);
    if (!reaction) {
      fail(index, true);
      return;
    }
    on_reaction(index, *reaction, now);
    if (clients_[index].fd < 0) return;
    used += (*frame)->size;
  }
  if (c.partial.empty()) {
    c.partial.assign(rest.begin() + static_cast<std::ptrdiff_t>(used), rest.end());
  } else {
    c.partial.erase(c.partial.begin(), c.partial.begin() + static_cast<std::ptrdiff_t>(used));
  }
  queue_output(index);
}

std::optional<Reaction> GeneratorLoop::react(BenchClient& c, const protocol::Frame& f) {
  // PUBLISH and the flow packets skip the Packet variant: they are nearly all the traffic.
  if (f.type == protocol::PacketType::Publish) {
    if (!protocol::decode_publish(f, options_.version, inbound_)) return std::nullopt;
    return c.handle(inbound_);
  }
  if (protocol::is_flow_packet(f.type)) {
    const auto step = protocol::decode_flow_packet(f, options_.version);
    if (!step) return std::nullopt;
    return c.handle(*step);
  }
  const auto packet = protocol::decode(f, options_.version);
  if (!packet) return std::nullopt;
  return c.handle(*packet);
}

void GeneratorLoop::on_reaction(uint32_t index, const Reaction& r, uint64_t now) {
  BenchClient& c = clients_[index];
  switch (r.kind) {
    case Reaction::None:
    case Reaction::Acked:
      break;
    case Reaction::Connected: {
      shared_.connected.fetch_add(1, std::memory_order_relaxed);
      shared_.last_connack_ns.store(now, std::memory_order_relaxed);
      if (c.plan().role == Role::Idle) result_.latency->record(now - c.connect_started_ns);
      if (c.plan().role != Role::Subscriber) ++resolved_;
      break;
    }
    case Reaction::Subscribed:
      shared_.subscribed.fetch_add(1, std::memory_order_relaxed);
      control_.subscriber_live[c.plan().index].store(true, std::memory_order_relaxed);
      ++resolved_;
      break;
    case Reaction::Delivered: {
      ++result_.received;
      ++live_distinct_;
      control_.publisher[r.stamp.publisher].delivered.fetch_add(1, std::memory_order_relaxed);
      if (now >= control_.measure_begin_ns.load(std::memory_order_relaxed) &&
          now < control_.measure_end_ns.load(std::memory_order_relaxed)) {
        ++result_.measured_received;
        result_.latency->record(now > r.stamp.sent_ns ? now - r.stamp.sent_ns : 0);
      }
      break;
    }
    case Reaction::Duplicate:
      ++result_.received;
      break;
    case Reaction::Stale:
      ++result_.stale;
      break;
    case Reaction::Refused:
    case Reaction::Unexpected:
      fail(index, true);
      break;
  }
}

void GeneratorLoop::fail(uint32_t index, bool counted_as_error, std::string_view why) {
  BenchClient& c = clients_[index];
  if (c.state() != ClientState::Ready && c.state() != ClientState::Closed &&
      control_.phase.load() == Phase::Setup) {
    ++resolved_;
    shared_.failed.fetch_add(1, std::memory_order_relaxed);
  }
  if (c.plan().role == Role::Subscriber) control_.subscriber_live[c.plan().index].store(false);
  c.stream.reset();
  if (c.fd >= 0) {
    ::close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
  }
  c.set_state(ClientState::Closed);
  if (counted_as_error) ++result_.errors;
  if (counted_as_error && result_.first_error.empty()) result_.first_error = why;
}

void GeneratorLoop::publish_progress(uint64_t now) {
  shared_.sent.store(result_.sent, std::memory_order_relaxed);
  shared_.received.store(result_.received, std::memory_order_relaxed);
  shared_.distinct.store(live_distinct_, std::memory_order_relaxed);
  if (now - last_progress_ns_ >= 1'000'000'000ull) {
    last_progress_ns_ = now;
    shared_.p99_ns.store(result_.latency->quantile(0.99), std::memory_order_relaxed);
  }
}

void GeneratorLoop::stop() {
  for (uint32_t i = 0; i < clients_.size(); ++i) {
    BenchClient& c = clients_[i];
    if (c.fd < 0) continue;
    if (c.tcp_up && c.state() != ClientState::Closed) {
      c.queue_disconnect();
      flush(i);  // best effort: one write
    }
    c.stream.reset();
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }
  for (const auto& c : clients_) {
    if (const auto* t = c.tracker()) {
      result_.distinct += t->distinct();
      result_.duplicates += t->duplicates();
      result_.reordered += t->reordered();
    }
  }
}

}  // namespace pregon::bench
