#include "client/common_options.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <random>

#include "transport/client_tls.hpp"

namespace pregon::client {
namespace {

using protocol::ProtocolVersion;

base::Unexpected<std::string> invalid(std::string message) { return base::unexpected(std::move(message)); }

// A client id no other run is likely to use, short enough for MQTT 3.1's 23-byte limit.
std::string generated_client_id(std::string_view tool) {
  std::random_device random;
  return fmt::format("pregon-{}-{:08x}", tool, random());
}

}  // namespace

std::optional<ProtocolVersion> parse_protocol_version(std::string_view text) {
  if (text == "31" || text == "mqttv31") return ProtocolVersion::V31;
  if (text == "311" || text == "mqttv311") return ProtocolVersion::V311;
  if (text == "5" || text == "mqttv5") return ProtocolVersion::V5;
  return std::nullopt;
}

std::optional<uint32_t> parse_session_expiry(std::string_view text) {
  if (text == "-1" || text == "∞") return kSessionNeverExpires;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void add_common_options(CLI::App& app, CommonOptions& o) {
  app.add_option("-h,--host", o.host, "Broker host (default localhost)");
  app.add_option("-p,--port", o.port, "Broker port (default 1883, with TLS 8883)");
  app.add_option("-i,--id", o.client_id, "Client identifier (default: generated)");
  app.add_option("-I,--id-prefix", o.id_prefix, "Client identifier prefix; the process id is appended");
  app.add_option_function<std::string>(
      "-u,--username", [&o](const std::string& v) { o.username = v; }, "User name");
  app.add_option_function<std::string>(
      "-P,--pw", [&o](const std::string& v) { o.password = v; }, "Password");
  app.add_option("-V,--protocol-version", o.version_text, "MQTT version: 31, 311 or 5 (default 311)");
  app.add_option("-q,--qos", o.qos, "Quality of service: 0, 1 or 2 (default 0)");
  app.add_option("-k,--keepalive", o.keep_alive, "Keep-alive in seconds, 0 to disable (default 60)");
  app.add_flag("-c,--disable-clean-session", o.disable_clean_session,
               "Keep the session on the broker after disconnecting (needs -i)");
  app.add_option_function<std::string>(
      "-x,--session-expiry", [&o](const std::string& v) { o.session_expiry_text = v; },
      "MQTT 5.0 Session Expiry Interval in seconds; -1 for never");
  app.add_option("--will-topic", o.will_topic, "Topic of the will message");
  app.add_option_function<std::string>(
      "--will-payload", [&o](const std::string& v) { o.will_payload = v; }, "Payload of the will message");
  app.add_option("--will-qos", o.will_qos, "QoS of the will message (default 0)");
  app.add_flag("--will-retain", o.will_retain, "Make the will message retained");
  app.add_option("--user-property", o.user_properties, "MQTT 5.0 user property NAME VALUE (repeatable)")
      ->type_size(2)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  transport::add_transport_options(app, o.transport);
  app.add_flag("-d,--debug", o.debug, "Print the packets sent and received on stderr");
  app.add_flag("--quiet", o.quiet, "Print no error messages");
}

base::Expected<CommonSettings, std::string> validate_common(const CommonOptions& o, std::string_view tool) {
  CommonSettings s;
  ConnectRequest& c = s.connect;

  auto version = parse_protocol_version(o.version_text);
  if (!version) return invalid(fmt::format("Invalid protocol version '{}' (use 31, 311 or 5)", o.version_text));
  c.version = *version;
  const bool v5 = protocol::is_v5(c.version);

  c.host = o.host;

  if (o.qos < 0 || o.qos > 2) return invalid(fmt::format("Invalid QoS {} (use 0, 1 or 2)", o.qos));
  s.qos = static_cast<protocol::QoS>(o.qos);

  if (o.keep_alive < 0 || o.keep_alive > 65535) {
    return invalid(fmt::format("Invalid keep-alive {} (use 0 to 65535 seconds)", o.keep_alive));
  }
  c.keep_alive = static_cast<uint16_t>(o.keep_alive);

  if (!o.client_id.empty() && !o.id_prefix.empty()) return invalid("-i and -I cannot be used together");
  if (!o.client_id.empty()) {
    c.client_id = o.client_id;
  } else if (!o.id_prefix.empty()) {
    c.client_id = fmt::format("{}{}", o.id_prefix, ::getpid());
  } else {
    c.client_id = generated_client_id(tool);
  }

  // A session kept on the broker is only reachable again under a client id the user chose.
  if (o.disable_clean_session && o.client_id.empty()) return invalid("-c needs a client id (-i)");
  c.clean_start = !o.disable_clean_session;

  if (o.session_expiry_text) {
    if (!v5) return invalid("-x needs MQTT 5.0 (-V 5)");
    auto expiry = parse_session_expiry(*o.session_expiry_text);
    if (!expiry) return invalid(fmt::format("Invalid session expiry interval '{}'", *o.session_expiry_text));
    if (*expiry == kSessionNeverExpires && o.client_id.empty()) {
      return invalid("A session that never expires needs a client id (-i)");
    }
    c.session_expiry_interval = *expiry;
  } else if (v5 && o.disable_clean_session) {
    // In 5.0 "clean session off" alone would still end the session at disconnect (expiry 0), so
    // -c means "keep it", as the 3.1.1 flag did.
    c.session_expiry_interval = kSessionNeverExpires;
  }

  if (o.will_topic.empty()) {
    if (o.will_payload || o.will_qos != 0 || o.will_retain) {
      return invalid("--will-payload, --will-qos and --will-retain need --will-topic");
    }
  } else {
    if (o.will_qos < 0 || o.will_qos > 2)
      return invalid(fmt::format("Invalid will QoS {} (use 0, 1 or 2)", o.will_qos));
    c.will =
        WillRequest{o.will_topic, o.will_payload.value_or(""), static_cast<protocol::QoS>(o.will_qos), o.will_retain};
  }

  if (o.password && !o.username && !v5) {
    // Before 5.0 a password may only follow a user name (3.1.1 [MQTT-3.1.2-22]).
    return invalid("-P needs -u with MQTT 3.1 and 3.1.1");
  }
  c.username = o.username;
  c.password = o.password;

  if (!o.user_properties.empty() && !v5) return invalid("--user-property needs MQTT 5.0 (-V 5)");
  s.user_properties = o.user_properties;
  transport::TransportOptions transport = o.transport;
  if (auto bad = transport::validate_transport(transport)) return invalid(std::move(*bad));
  const int port = o.port != 0 ? o.port : transport.tls ? 8883 : 1883;
  if (port < 1 || port > 65535) return invalid(fmt::format("Invalid port {}", port));
  c.port = static_cast<uint16_t>(port);
  if (transport.tls) {
    auto tls = transport::ClientTls::load(transport);
    if (!tls) return invalid(std::move(tls.error()));
    c.tls = std::move(*tls);
  }
  c.websocket = transport.websocket;
  c.ws_path = transport.ws_path;

  s.debug = o.debug;
  s.quiet = o.quiet;
  return s;
}

}  // namespace pregon::client
