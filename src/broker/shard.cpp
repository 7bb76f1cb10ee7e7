#include "broker/shard.hpp"

#include <spdlog/spdlog.h>

#include "base/indexed_vector.hpp"
#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"

namespace pregon::broker {

using protocol::ReasonCode;

namespace {
// Keep-alive and connect timeouts are checked on this period: precise enough for second-based
// intervals, and cheap with many connections.
constexpr auto kDropReportPeriod = std::chrono::seconds(10);

// The protocol name and level of a CONNECT that failed to decode, when the frame holds them.
struct ConnectHeader {
  std::string_view name;
  uint8_t level;
};
std::optional<ConnectHeader> connect_header(const protocol::Frame& f) {
  if (f.body.size() < 2) return std::nullopt;
  size_t name_len = (size_t(f.body[0]) << 8) | f.body[1];
  if (f.body.size() < 3 + name_len) return std::nullopt;
  return ConnectHeader{{reinterpret_cast<const char*>(f.body.data() + 2), name_len}, f.body[2 + name_len]};
}
}  // namespace

BrokerState::BrokerState(config::Config config, std::unique_ptr<storage::DurableStore> store)
    : config_(std::move(config)),
      shard_count_(config::effective_threads(config_)),
      access_(std::make_shared<const Access>(Access::load(config_))),
      interest_(shard_count_),
      retained_(std::make_unique<RetainedImpl>()),
      store_(std::move(store)) {
  for (unsigned i = 0; i < shard_count_; ++i) {
    memories_.push_back(std::make_unique<session::MessageMemory>());
    inboxes_.push_back(std::make_unique<MessageInbox>());
  }
}
BrokerState::~BrokerState() = default;

ShardImpl::ShardImpl(unsigned idx, BrokerState& st, ShardRouter& r)
    : index(idx),
      state(st),
      router(r),
      config(st.config()),
      memory(st.memory(idx)),
      access(st.access()),
      persister(st.store(), st.next_message_id(), idx, memory.pool, st.durable_acks()),
      sessions(std::make_unique<session::MemorySessionStore>()),
      outbox(r.shard_count()) {}

Shard::Shard(unsigned index, BrokerState& state, ShardRouter& router)
    : impl_(std::make_unique<ShardImpl>(index, state, router)) {}

Shard::~Shard() {
  for (Client* c : impl_->clients) delete c;
}

unsigned Shard::index() const { return impl_->index; }

Client* Shard::open(ClientLink& link, TimePoint now) {
  auto* c = new Client(link, impl_->next_client_serial++, now);
  ++impl_->counters.connections_accepted;
  impl_->state.open_connections().fetch_add(1, std::memory_order_relaxed);
  link.listener().open_connections.fetch_add(1, std::memory_order_relaxed);
  base::push_indexed(impl_->clients, c, *c, &Client::slot);
  impl_->deadlines.file(*c, now + std::chrono::milliseconds(impl_->config.limits.connect_timeout_ms), now);
  return c;
}

InputResult Shard::on_input(Client& c, std::span<const uint8_t> data, TimePoint now) {
  return impl_->on_input(c, data, now);
}

void Shard::on_closed(Client& c, TimePoint now) { impl_->on_closed(c, now); }

void Shard::on_output_drained(Client& c, TimePoint now) {
  if (c.state == Client::State::Connected && c.session) impl_->pump(*c.session, now);
}

void Shard::tick(TimePoint now) { impl_->tick(now); }

void Shard::end_of_iteration() {
  impl_->flush_outbox();
  impl_->persister.commit(impl_->router);
}

void Shard::finish_writes() {
  impl_->flush_outbox();
  impl_->persister.commit(impl_->router, Persister::When::Now);
}

void Shard::drain_inbox(TimePoint now) { impl_->drain_inbox(now); }

void Shard::set_access(std::shared_ptr<const Access> access) { impl_->access = std::move(access); }

void Shard::set_limits(const config::Limits& limits) { impl_->config.limits = limits; }

void Shard::count_limit(Limit limit) { impl_->counters.count(limit); }

void Shard::shutdown(TimePoint) {
  for (Client* c : impl_->clients) {
    if (c->state == Client::State::Closing) continue;
    c->publish_will_on_close = false;
    impl_->close_client(*c, ReasonCode::ServerShuttingDown, "server shutting down");
  }
}

InputResult ShardImpl::on_input(Client& c, std::span<const uint8_t> data, TimePoint now) {
  InputResult result;
  while (c.state != Client::State::Closing) {
    auto frame = protocol::read_frame(data.subspan(result.consumed), config.limits.max_packet_size);
    if (!frame) {
      if (frame.error().code == ReasonCode::PacketTooLarge) counters.count(Limit::PacketSize);
      // [MQTT-3.2.2-?] oversize packets: 5.0 DISCONNECT 0x95; malformed fixed header: 0x81.
      close_client(c, frame.error().code, frame.error().what);
      break;
    }
    if (!frame->has_value()) return result;  // wait for more bytes
    const protocol::Frame& f = **frame;
    c.last_received = now;
    ++counters.packets_received;
    counters.bytes_received += f.size;
    const bool keep_going = dispatch(c, f, now, result);
    if (result.transfer_to >= 0) return result;  // `consumed` still points at the CONNECT
    if (!keep_going) break;
    result.consumed += f.size;
  }
  result.consumed = data.size();
  return result;
}

bool ShardImpl::dispatch(Client& c, const protocol::Frame& f, TimePoint now, InputResult& result) {
  if (c.state == Client::State::AwaitConnect && f.type != protocol::PacketType::Connect) {
    close_client(c, ReasonCode::ProtocolError, "first packet is not CONNECT");  // [MQTT-3.1.0-1]
    return false;
  }
  if (f.type == protocol::PacketType::Publish) return on_publish_frame(c, f, now);
  if (protocol::is_flow_packet(f.type)) return on_flow_frame(c, f, now);
  auto decoded = protocol::decode(f, c.version);
  if (!decoded) {
    const auto& err = decoded.error();
    if (c.state == Client::State::AwaitConnect) {
      const auto header = connect_header(f);
      const bool v5 = header && header->level == 5;
      const bool known_name = header && (header->name == "MQTT" || header->name == "MQIsdp");
      if (err.code == ReasonCode::UnsupportedProtocolVersion || (header && !known_name)) {
        // [MQTT-3.1.2-1/2] an unknown protocol name or level: say so in a format the client can
        // read (3.1.1 return code 0x01, or 5.0 reason 0x84), then close.
        c.version = v5 ? protocol::ProtocolVersion::V5 : protocol::ProtocolVersion::V311;
        refuse_connect(c, {}, ReasonCode::UnsupportedProtocolVersion, err.what);
      } else if (v5) {
        c.version = protocol::ProtocolVersion::V5;
        refuse_connect(c, {}, err.code, err.what);
      } else {
        close_client(c, err.code, err.what);
      }
    } else {
      close_client(c, err.code, err.what);
    }
    return false;
  }
  protocol::Packet& packet = *decoded;
  if (auto* connect = std::get_if<protocol::Connect>(&packet)) {
    if (c.state != Client::State::AwaitConnect) {
      close_client(c, ReasonCode::ProtocolError, "second CONNECT");  // [MQTT-3.1.0-2]
      return false;
    }
    return on_connect(c, *connect, now, result);
  }
  return std::visit(
      [&](auto& p) -> bool {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, protocol::Subscribe>) {
          on_subscribe(c, p, now);
        } else if constexpr (std::is_same_v<P, protocol::Unsubscribe>) {
          on_unsubscribe(c, p);
        } else if constexpr (std::is_same_v<P, protocol::PingReq>) {
          send(c, protocol::PingResp{});  // [MQTT-3.12.4-1]
        } else if constexpr (std::is_same_v<P, protocol::Disconnect>) {
          on_disconnect(c, p);
        } else if constexpr (std::is_same_v<P, protocol::Auth>) {
          // [MQTT-4.12.0-1] no authentication method was agreed in CONNECT (pregon accepts
          // none yet: a CONNECT with one gets CONNACK 0x8C), so any AUTH is a protocol error.
          close_client(c, ReasonCode::ProtocolError, "AUTH without an authentication method");
        } else {
          close_client(c, ReasonCode::ProtocolError, "packet type not sent by clients");
        }
        return c.state != Client::State::Closing;
      },
      packet);
}

bool ShardImpl::on_publish_frame(Client& c, const protocol::Frame& f, TimePoint now) {
  if (auto decoded = protocol::decode_publish(f, c.version, inbound_publish); !decoded) {
    close_client(c, decoded.error().code, decoded.error().what);
    return false;
  }
  if (!within_publish_rate(c, f.size, now)) {
    close_client(c, ReasonCode::MessageRateTooHigh, "publish rate above the limit");  // 5.0: 0x96
    return false;
  }
  on_publish(c, inbound_publish, now, {f.body.data() + f.body.size() - f.size, f.size});
  return c.state != Client::State::Closing;
}

bool ShardImpl::on_flow_frame(Client& c, const protocol::Frame& f, TimePoint now) {
  auto decoded = protocol::decode_flow_packet(f, c.version);
  if (!decoded) {
    close_client(c, decoded.error().code, decoded.error().what);
    return false;
  }
  const protocol::FlowPacket& p = *decoded;
  switch (p.type) {
    case protocol::PacketType::PubAck: on_puback(c, p.packet_id, now); break;
    case protocol::PacketType::PubRec: on_pubrec(c, p, now); break;
    case protocol::PacketType::PubRel: on_pubrel(c, p.packet_id); break;
    default: on_pubcomp(c, p.packet_id, now); break;
  }
  return c.state != Client::State::Closing;
}

bool ShardImpl::within_publish_rate(Client& c, size_t bytes, TimePoint now) {
  const auto& limits = config.limits;
  if (limits.max_publish_rate == 0 && limits.max_publish_bytes_rate == 0) return true;
  if (!c.publish_budget) {
    c.publish_budget = std::make_unique<Client::PublishBudget>(
        Client::PublishBudget{double(limits.max_publish_rate), double(limits.max_publish_bytes_rate), now});
  }
  auto& b = *c.publish_budget;
  const double seconds = std::chrono::duration<double>(now - b.refilled).count();
  b.refilled = now;
  b.messages = std::min<double>(limits.max_publish_rate, b.messages + seconds * limits.max_publish_rate);
  b.bytes = std::min<double>(limits.max_publish_bytes_rate, b.bytes + seconds * limits.max_publish_bytes_rate);
  if (limits.max_publish_rate != 0 && b.messages < 1) {
    counters.count(Limit::PublishRate);
    return false;
  }
  if (limits.max_publish_bytes_rate != 0 && b.bytes < static_cast<double>(bytes)) {
    counters.count(Limit::PublishBytesRate);
    return false;
  }
  b.messages -= 1;
  b.bytes -= static_cast<double>(bytes);
  return true;
}

void ShardImpl::on_disconnect(Client& c, const protocol::Disconnect& p) {
  if (c.is_v5() && c.session) {
    if (auto sei = p.properties.session_expiry_interval) {
      // [MQTT-3.14.2-2] a session that was to end at close cannot be given a lifetime now.
      if (c.session->expiry_interval == 0 && *sei != 0) {
        close_client(c, ReasonCode::ProtocolError, "session expiry set on DISCONNECT after 0 in CONNECT");
        return;
      }
      set_expiry(*c.session, std::min(*sei, config.limits.max_session_expiry_interval));
    }
  }
  // [MQTT-3.14.4-3] a normal DISCONNECT discards the will; 0x04 asks for it to be published.
  c.publish_will_on_close = c.is_v5() && p.reason == ReasonCode::DisconnectWithWillMessage;
  c.set_close_reason(p.reason == ReasonCode::NormalDisconnection
                         ? std::string("client disconnected")
                         : fmt::format("client disconnected ({})", protocol::reason_name(p.reason)));
  c.state = Client::State::Closing;
  c.link.close();
}

void ShardImpl::close_client(Client& c, ReasonCode reason, std::string_view why, bool say_why) {
  if (c.state == Client::State::Closing) return;
  // [MQTT-4.13.1-1] 5.0: say why before closing, once connected.
  if (c.is_v5() && c.state == Client::State::Connected &&
      (protocol::is_error(reason) || reason == ReasonCode::ServerShuttingDown)) {
    send_disconnect(c, reason, say_why ? why : std::string_view{});
  }
  c.set_close_reason(std::string(why));
  c.state = Client::State::Closing;
  c.link.close();
}

void ShardImpl::on_closed(Client& c, TimePoint now) {
  if (c.session != nullptr) {
    base::log_about(log_context(c), spdlog::level::info, "client disconnected: reason={}", c.close_reason());
  } else {
    base::log_about(log_context(c), spdlog::level::debug, "connection closed: reason={}", c.close_reason());
  }
  detach(c, now);
  forget_client(c);
}

void ShardImpl::forget_client(Client& c) {
  deadlines.remove(c);
  base::remove_indexed(clients, c, &Client::slot);
  state.open_connections().fetch_sub(1, std::memory_order_relaxed);
  c.link.listener().open_connections.fetch_sub(1, std::memory_order_relaxed);
  delete &c;
}

void ShardImpl::tick(TimePoint now) {
  deadlines.advance(now, [&](Client& c) { watch(c, now); });
  for (size_t i = 0; i < pending_wills.size();) {
    if (pending_wills[i].due <= now) {
      fire_pending_will(i, now);
    } else {
      ++i;
    }
  }
  end_expired_sessions(now);
  drop_expired_messages(now);
  std::erase_if(failed_logins, [&](const auto& entry) { return now - entry.second.since >= kFailedLoginWindow; });
  report_drops(now);
}

void ShardImpl::watch(Client& c, TimePoint now) {
  TimePoint due;
  if (c.state == Client::State::AwaitConnect) {
    due = c.opened_at + std::chrono::milliseconds(config.limits.connect_timeout_ms);
  } else if (c.state == Client::State::Connected && c.keep_alive != 0) {
    // [MQTT-3.1.2-24] one and a half times the keep-alive without a packet.
    due = c.last_received + std::chrono::milliseconds(c.keep_alive * 1500);
  } else {
    return;
  }
  if (now < due) {
    deadlines.file(c, due, now);
  } else if (c.state == Client::State::AwaitConnect) {
    counters.count(Limit::ConnectTimeout);
    close_client(c, ReasonCode::MaximumConnectTime, "no CONNECT in time");
  } else {
    close_client(c, ReasonCode::KeepAliveTimeout, "keep-alive timeout");
  }
}

void ShardImpl::report_drops(TimePoint now) {
  if (drops == reported || now - last_drop_report < kDropReportPeriod) return;
  std::string what;
  const auto add = [&](uint64_t count, uint64_t before, std::string_view name) {
    if (count == before) return;
    if (!what.empty()) what += ", ";
    what += fmt::format("{} {}", count - before, name);
  };
  add(drops.qos0_slow, reported.qos0_slow, "QoS 0 for slow or offline clients");
  add(drops.queue_budget, reported.queue_budget, "QoS 1/2 over a queue budget");
  add(drops.too_large, reported.too_large, "over a client's maximum packet size");
  add(drops.retained_budget, reported.retained_budget, "retained over the retained budget");
  add(drops.refused_quota, reported.refused_quota, "PUBLISHes refused with 0x97 quota exceeded");
  add(drops.expired, reported.expired, "queued messages expired");
  spdlog::info("dropped on loop {} since the last report: {}", index, what);
  reported = drops;
  last_drop_report = now;
}

}  // namespace pregon::broker
