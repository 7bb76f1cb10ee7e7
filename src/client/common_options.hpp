// Options shared by `pregon pub` and `pregon sub`: where to connect and how (TLS, WebSocket), who
// to be, and the CONNECT fields (version, keep-alive, session, will, credentials). Letters and meanings follow the
// long-established command-line MQTT clients so that scripts carry over.
//
// Parsing is CLI11's job (add_common_options registers the flags); validate_common() then checks
// the combinations a flag-by-flag parser cannot, and builds the ConnectRequest. Pure apart from
// reading the process id for -I and the TLS certificate files. Not thread-safe; used once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/client_connection.hpp"
#include "protocol/version.hpp"
#include "transport/transport_options.hpp"

namespace CLI {
class App;
}

namespace pregon::client {

// Session Expiry Interval meaning "never expires" (5.0 section 3.1.2.11.2).
inline constexpr uint32_t kSessionNeverExpires = 0xFFFF'FFFF;

struct CommonOptions {
  std::string host = "localhost";
  int port = 0;  // 0: not given, 1883 (8883 with TLS)
  std::string client_id;  // -i; empty: generated (see make_client_id)
  std::string id_prefix;  // -I
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string version_text = "311";
  int qos = 0;
  int keep_alive = 60;
  bool disable_clean_session = false;              // -c
  std::optional<std::string> session_expiry_text;  // -x: seconds, or -1/"∞" for never
  std::string will_topic;
  std::optional<std::string> will_payload;
  int will_qos = 0;
  bool will_retain = false;
  std::vector<std::pair<std::string, std::string>> user_properties;
  bool debug = false;
  bool quiet = false;
  transport::TransportOptions transport;
};

// The values the commands use after validation.
struct CommonSettings {
  ConnectRequest connect;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  std::vector<std::pair<std::string, std::string>> user_properties;  // only for 5.0
  bool debug = false;
  bool quiet = false;
};

// "31", "311", "5" or "mqttv31", "mqttv311", "mqttv5".
std::optional<protocol::ProtocolVersion> parse_protocol_version(std::string_view text);

// A -x value: 0..4294967294 seconds, or -1, 4294967295 or "∞" for "never expires".
std::optional<uint32_t> parse_session_expiry(std::string_view text);

// Registers the common flags on `app`, writing into `options`. -h is the host, so CLI11's help flag
// must be moved to --help by the caller before this is called.
void add_common_options(CLI::App& app, CommonOptions& options);

// Checks the combinations and ranges; `tool` ("pub" or "sub") goes into generated client ids.
// The error is a one-line message without the "Error: " prefix.
base::Expected<CommonSettings, std::string> validate_common(const CommonOptions& options, std::string_view tool);

}  // namespace pregon::client
