// CONNECT handling: client identifier rules, the owning shard, takeover, session resume, CONNACK.
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "broker/shard_impl.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

using protocol::ProtocolVersion;
using protocol::ReasonCode;

namespace {

std::string assign_client_id(unsigned shard, unsigned shard_count) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Chosen so that it hashes to this shard: the session can stay where the connection is.
  for (;;) {
    std::string id = fmt::format("pregon-{:016x}", rng());
    if (shard_of_client_id(id, shard_count) == shard) return id;
  }
}

// "address:port" (IPv6: "[address]:port") without the port.
std::string address_of(std::string_view peer) {
  const size_t colon = peer.rfind(':');
  return std::string(colon == std::string_view::npos ? peer : peer.substr(0, colon));
}

}  // namespace

unsigned shard_of_client_id(std::string_view client_id, unsigned shard_count) {
  return static_cast<unsigned>(std::hash<std::string_view>{}(client_id) % shard_count);
}

void ShardImpl::refuse_connect(Client& c, std::string_view client_id, ReasonCode reason, std::string_view why) {
  // [MQTT-3.2.2-4 / 3.2.2-6] a refusing CONNACK has Session Present 0, then the connection closes.
  send(c, protocol::ConnAck{false, reason, {}});
  base::log_about({client_id, c.link.peer()}, spdlog::level::info, "connection refused: reason={} ({})",
                  protocol::reason_name(reason), why);
  c.publish_will_on_close = false;
  c.set_close_reason(std::string(why));
  c.state = Client::State::Closing;
  c.link.close();
}

bool ShardImpl::on_connect(Client& c, protocol::Connect& p, TimePoint now, InputResult& result) {
  const auto& limits = config.limits;
  c.version = p.version;
  const bool v5 = c.is_v5();

  std::string client_id(p.client_id);
  bool assigned = false;
  if (client_id.empty()) {
    if (!v5 && !p.clean_start) {
      // [MQTT-3.1.3-8] a persistent session needs an identifier to find it again.
      refuse_connect(c, client_id, ReasonCode::ClientIdentifierNotValid, "empty client id with clean session 0");
      return false;
    }
    if (p.version == ProtocolVersion::V31) {
      // MQTT 3.1 client identifiers are 1 to 23 characters; assigning one is 3.1.1's invention.
      refuse_connect(c, client_id, ReasonCode::ClientIdentifierNotValid, "empty MQTT 3.1 client id");
      return false;
    }
    client_id = assign_client_id(index, router.shard_count());  // [MQTT-3.1.3-6]
    assigned = true;
  }
  if (client_id.size() > limits.max_client_id_length) {
    counters.count(Limit::ClientIdLength);
    refuse_connect(c, client_id, ReasonCode::ClientIdentifierNotValid, "client id longer than limits.max_client_id_length");
    return false;
  }
  if (state.open_connections().load(std::memory_order_relaxed) > limits.max_connections) {
    counters.count(Limit::Connections);
    refuse_connect(c, client_id, ReasonCode::QuotaExceeded, "limits.max_connections reached");  // 3.1.1: 0x03
    return false;
  }
  if (const ListenerPolicy& l = c.link.listener();
      l.max_connections != 0 && l.open_connections.load(std::memory_order_relaxed) > l.max_connections) {
    counters.count(Limit::ListenerConnections);
    refuse_connect(c, client_id, ReasonCode::QuotaExceeded, "the listener's max_connections reached");
    return false;
  }
  if (p.version == ProtocolVersion::V31 && client_id.size() > 23) {
    refuse_connect(c, client_id, ReasonCode::ClientIdentifierNotValid, "MQTT 3.1 client id longer than 23 bytes");
    return false;
  }
  if (p.properties.authentication_method) {
    refuse_connect(c, client_id, ReasonCode::BadAuthenticationMethod, "no authentication method is supported");
    return false;
  }
  if (p.will) {
    if (!routing::valid_topic_name(p.will->topic)) {
      refuse_connect(c, client_id, ReasonCode::TopicNameInvalid, "invalid will topic");
      return false;
    }
    const auto& response_topic = p.will->properties.response_topic;
    if (response_topic && !routing::valid_topic_name(*response_topic)) {
      refuse_connect(c, client_id, ReasonCode::ProtocolError, "will response topic is not a topic name");
      return false;
    }
    if (static_cast<uint8_t>(p.will->qos) > limits.maximum_qos) {
      refuse_connect(c, client_id, ReasonCode::QoSNotSupported, "will QoS above the maximum");  // [MQTT-3.2.2-12]
      return false;
    }
    if (p.will->retain && !limits.retain_available) {
      refuse_connect(c, client_id, ReasonCode::RetainNotSupported, "retained will not available");  // [MQTT-3.2.2-13]
      return false;
    }
  }

  const unsigned owner = shard_of_client_id(client_id, router.shard_count());
  if (owner != index) {
    // The session for this identifier lives on another thread: move the connection there.
    result.transfer_to = static_cast<int>(owner);
    forget_client(c);  // counted again over there
    return false;
  }

  // Authentication, on the owning thread only (a password check costs about a millisecond).
  const Access& rules = *access;
  std::optional<std::string_view> username = p.username;
  std::string token_username;  // owns a username taken from a JWT
  const std::string_view password =
      p.password ? std::string_view(reinterpret_cast<const char*>(p.password->data()), p.password->size())
                 : std::string_view();
  const bool checks_credentials = rules.passwords || rules.jwt;
  if (checks_credentials && (p.username || p.password)) {
    auto failed = failed_logins.find(address_of(c.link.peer()));
    if (failed != failed_logins.end() && now - failed->second.since < kFailedLoginWindow &&
        failed->second.count >= kMaxFailedLogins) {
      ++counters.auth_rate_limited;
      refuse_connect(c, client_id, ReasonCode::NotAuthorized, "too many failed logins from this address");
      return false;
    }
  }
  const auto refuse_credentials = [&](std::string_view why) {
    auto& failed = failed_logins[address_of(c.link.peer())];
    if (failed.count == 0 || now - failed.since >= kFailedLoginWindow) failed = {now, 0};
    ++failed.count;
    ++counters.auth_bad_credentials;
    refuse_connect(c, client_id, ReasonCode::BadUserNameOrPassword, why);
  };
  bool authenticated = false;
  if (c.link.listener().identity_as_username && !c.link.certificate_identity().empty()) {
    // The certificate was verified against the listener's CA: it names the user, whatever was sent.
    username = c.link.certificate_identity();
    authenticated = true;
  } else if (rules.jwt && p.password && std::count(password.begin(), password.end(), '.') == 2) {
    // A password in JWT form: the token names the user (its username claim), whatever was sent.
    auto identity = rules.jwt->verify(password, std::chrono::system_clock::now());
    if (!identity) {
      refuse_credentials("token refused: " + identity.error().message);
      return false;
    }
    token_username = std::move(identity->username);
    username = token_username;
    authenticated = true;
  } else if (rules.passwords && p.username) {
    if (!p.password || !rules.passwords->verify(*p.username, password)) {
      refuse_credentials("bad user name or password");
      return false;
    }
    authenticated = true;
  }
  // Where credentials are checked, a username that was not proven is not used (anonymous).
  if (checks_credentials && !authenticated) username.reset();
  if (!username && !c.link.listener().allow_anonymous) {
    ++counters.auth_anonymous_refused;
    refuse_connect(c, client_id, ReasonCode::NotAuthorized, "anonymous clients are not allowed");
    return false;
  }
  if (p.will && rules.acl) {
    auth::Identity who{username, client_id};
    if (!rules.acl->may_publish(who, p.will->topic)) {
      refuse_connect(c, client_id, ReasonCode::NotAuthorized, "the ACL does not allow this will topic");
      return false;
    }
  }

  if (v5) {
    c.receive_maximum = p.properties.receive_maximum.value_or(65535);
    c.maximum_packet_size = p.properties.maximum_packet_size.value_or(std::numeric_limits<uint32_t>::max());
    c.topic_alias_maximum = p.properties.topic_alias_maximum.value_or(0);
    c.request_problem_information = p.properties.request_problem_information.value_or(1) != 0;
  }

  uint16_t keep_alive = p.keep_alive;
  bool server_keep_alive = false;
  if (limits.max_keep_alive < 65535 && (keep_alive == 0 || keep_alive > limits.max_keep_alive)) {
    counters.count(Limit::KeepAlive);
    if (!v5) {
      // 3.1/3.1.1 cannot be told a shorter keep-alive; cutting it silently would drop a client
      // that pings on its own schedule, so it is refused instead (as mosquitto does).
      refuse_connect(c, client_id, ReasonCode::ClientIdentifierNotValid, "keep-alive above limits.max_keep_alive");
      return false;
    }
    keep_alive = limits.max_keep_alive;  // [MQTT-3.2.2-21] told to the client as Server Keep Alive
    server_keep_alive = true;
  }
  c.keep_alive = keep_alive;

  // Takeover and session resume.
  bool session_present = false;
  Session* s = nullptr;
  if (Session* existing = sessions->find(std::string_view(client_id))) {
    s = existing;
    if (Client* connected = attached_client(*s)) {
      Client& old = *connected;
      // [MQTT-3.1.4-2/3] the older connection is closed; 5.0 tells it why.
      const bool old_will_now = old.publish_will_on_close && s->will &&
                                (s->will->delay_interval == 0 || p.clean_start);
      if (old_will_now) publish_will(s->will->message, now);
      s->will.reset();
      old.publish_will_on_close = false;
      old.session = nullptr;
      base::log_about({client_id, old.link.peer()}, spdlog::level::info, "client disconnected: reason=session taken over");
      s->connection = nullptr;
      state.connected_clients().remove();
      close_client(old, ReasonCode::SessionTakenOver, "session taken over");
    }
    // A new connection before the will delay elapsed cancels the delayed will [MQTT-3.1.3-9].
    std::erase_if(pending_wills, [&](const PendingWill& w) { return w.session_id == s->id(); });
    if (p.clean_start) {
      end_session(*s, now);
      s = nullptr;
    } else {
      session_present = true;
      expiring.erase(s->id());
    }
  }
  if (s == nullptr) s = &create_session(client_id);

  uint32_t expiry = v5 ? p.properties.session_expiry_interval.value_or(0)
                       : (p.clean_start ? 0 : std::numeric_limits<uint32_t>::max());
  const bool expiry_cut = expiry > limits.max_session_expiry_interval;
  set_expiry(*s, std::min(expiry, limits.max_session_expiry_interval));

  s->will.reset();
  if (p.will) {
    s->will = std::make_unique<session::StoredWill>(
        session::StoredWill{session::Message::from_will(*p.will, s->id(), now),
                            v5 ? p.will->properties.will_delay_interval.value_or(0) : 0});
  }
  persister.write_session(*s, static_cast<uint8_t>(p.version), std::nullopt);

  s->username = username ? std::make_unique<const std::string>(*username) : nullptr;
  c.session = s;
  s->connection = &c;
  state.connected_clients().add();
  c.state = Client::State::Connected;
  deadlines.remove(c);  // filed for its connect timeout; from now on its keep-alive counts
  watch(c, now);

  protocol::ConnAck ack{session_present, ReasonCode::Success, {}};
  if (v5) {
    auto& props = ack.properties;
    props.receive_maximum = limits.receive_maximum;
    props.maximum_packet_size = limits.max_packet_size;
    if (limits.topic_alias_maximum > 0) props.topic_alias_maximum = limits.topic_alias_maximum;
    if (!limits.retain_available) props.retain_available = 0;
    if (limits.maximum_qos < 2) props.maximum_qos = limits.maximum_qos;
    props.wildcard_subscription_available = 1;
    props.subscription_identifier_available = 1;
    props.shared_subscription_available = 1;
    if (assigned) props.assigned_client_identifier = client_id;  // [MQTT-3.2.2-16]
    if (server_keep_alive) props.server_keep_alive = keep_alive;
    if (expiry_cut) props.session_expiry_interval = s->expiry_interval;
  }
  send(c, ack);
  ++counters.connects_accepted;
  base::log_about(log_context(c), spdlog::level::info, "client connected: protocol={} keepalive={} clean={} session_present={}",
                  p.version == ProtocolVersion::V5 ? "5.0" : p.version == ProtocolVersion::V311 ? "3.1.1" : "3.1",
                  keep_alive, p.clean_start, session_present);

  if (session_present) {
    // [MQTT-4.4.0-1] resend unacknowledged PUBLISHes with DUP, and PUBRELs, in their original order.
    for (auto& f : s->inflight()) {
      if (f.state == session::Inflight::State::AwaitPubComp) {
        send(c, protocol::PubRel{f.packet_id, ReasonCode::Success, {}});
      } else {
        send_publish(c, f.delivery, f.packet_id, true, now);
      }
    }
  }
  pump(*s, now);
  return true;
}

}  // namespace pregon::broker
