// libFuzzer target: the broker's session state machine. One Shard (the per-thread broker, no I/O)
// with up to four connections, driven by a script read from the input: open a connection, feed it
// bytes, feed it a well-formed CONNECT (so the fuzzer reaches the states behind it quickly), close
// it, or let time pass. Whatever happens, the broker must not crash, leak or read out of bounds
// (ASan/UBSan), and everything it writes to a connection must be whole MQTT packets.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "broker/broker_state.hpp"
#include "broker/client_link.hpp"
#include "broker/shard.hpp"
#include "broker/shard_router.hpp"
#include "protocol/codec.hpp"

namespace {

using namespace pregon;

class Link final : public broker::ClientLink {
 public:
  void send(std::span<const uint8_t> bytes) override { out.insert(out.end(), bytes.begin(), bytes.end()); }
  void send_publish(std::shared_ptr<const broker::EncodedPublish> p, uint8_t first_byte, uint16_t packet_id) override {
    const size_t at = out.size();
    out.insert(out.end(), p->bytes.begin(), p->bytes.end());
    out[at] = first_byte;
    if (p->packet_id_offset != 0) {
      out[at + p->packet_id_offset] = static_cast<uint8_t>(packet_id >> 8);
      out[at + p->packet_id_offset + 1] = static_cast<uint8_t>(packet_id);
    }
  }
  size_t queued_bytes() const override { return out.size(); }
  void notify_when_drained() override { drain_wanted = true; }
  void close() override { closed = true; }
  const std::string& peer() const override { return peer_; }
  broker::ListenerPolicy& listener() const override { return listener_; }
  std::string_view certificate_identity() const override { return {}; }

  // Everything written must be whole packets; then it is dropped, as if the client read it.
  void check_and_drain() {
    std::span<const uint8_t> rest(out);
    while (!rest.empty()) {
      auto frame = protocol::read_frame(rest, protocol::kMaxVariableByteInteger);
      if (!frame || !frame->has_value()) __builtin_trap();
      rest = rest.subspan((*frame)->size);
    }
    out.clear();
  }

  std::vector<uint8_t> out;
  bool closed = false;
  bool drain_wanted = false;  // told once check_and_drain ran, as the net layer tells after a flush

 private:
  std::string peer_ = "fuzz:1";
  mutable broker::ListenerPolicy listener_;
};

class Router final : public broker::ShardRouter {
 public:
  unsigned shard_count() const override { return 1; }
  void post(unsigned, std::function<void(broker::Shard&)> task) override { tasks.push_back(std::move(task)); }
  void notify_inbox(unsigned) override {}
  std::deque<std::function<void(broker::Shard&)>> tasks;
};

struct Slot {
  std::unique_ptr<Link> link;
  broker::Client* client = nullptr;
  std::vector<uint8_t> unread;  // what the broker did not consume yet, as the net layer keeps it
};

std::vector<uint8_t> connect_packet(uint8_t variant, unsigned slot) {
  protocol::Connect c;
  c.version = (variant & 1) ? protocol::ProtocolVersion::V5 : protocol::ProtocolVersion::V311;
  c.clean_start = (variant & 2) == 0;
  const std::string id = "fuzz-" + std::to_string(slot % 2);  // two ids: takeovers happen
  c.client_id = id;
  if (c.version == protocol::ProtocolVersion::V5 && (variant & 4)) c.properties.session_expiry_interval = 60;
  std::vector<uint8_t> out;
  protocol::encode(c, out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);  // connection logs would drown the fuzzer's output
    return true;
  }();
  (void)quiet;
  config::Config config;
  config.threads = 1;
  config.persistence.enabled = false;
  broker::BrokerState state(config);
  Router router;
  auto shard = std::make_unique<broker::Shard>(0, state, router);
  std::array<Slot, 4> slots;
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

  const auto settle = [&] {
    while (!router.tasks.empty()) {
      auto task = std::move(router.tasks.front());
      router.tasks.pop_front();
      task(*shard);
    }
    shard->end_of_iteration();
    for (auto& s : slots) {
      if (!s.link) continue;
      s.link->check_and_drain();
      if (s.link->closed) {
        shard->on_closed(*s.client, now);
        s = Slot{};
      } else if (std::exchange(s.link->drain_wanted, false)) {
        shard->on_output_drained(*s.client, now);
      }
    }
  };

  size_t pos = 0;
  while (pos + 2 <= size) {
    const uint8_t op = data[pos];
    const size_t len = data[pos + 1];
    pos += 2;
    const std::span<const uint8_t> arg(data + pos, std::min(len, size - pos));
    pos += arg.size();
    Slot& s = slots[(op >> 3) % slots.size()];
    switch (op % 5) {
      case 0:  // open
        if (!s.link) {
          s.link = std::make_unique<Link>();
          s.client = shard->open(*s.link, now);
        }
        break;
      case 1:  // raw bytes
        if (s.link && !s.link->closed) {
          s.unread.insert(s.unread.end(), arg.begin(), arg.end());
          const auto result = shard->on_input(*s.client, s.unread, now);
          s.unread.erase(s.unread.begin(), s.unread.begin() + static_cast<std::ptrdiff_t>(result.consumed));
        }
        break;
      case 2:  // the client goes away
        if (s.link) {
          shard->on_closed(*s.client, now);
          s = Slot{};
        }
        break;
      case 3:  // time passes
        now += std::chrono::milliseconds(100 * (1 + (arg.empty() ? 0 : arg[0])));
        shard->tick(now);
        break;
      case 4:  // a well-formed CONNECT
        if (s.link && !s.link->closed && s.unread.empty()) {
          const auto packet = connect_packet(arg.empty() ? 0 : arg[0], static_cast<unsigned>(&s - slots.data()));
          shard->on_input(*s.client, packet, now);
        }
        break;
    }
    settle();
  }
  for (auto& s : slots) {
    if (s.link) shard->on_closed(*s.client, now);
  }
  settle();
  return 0;
}
