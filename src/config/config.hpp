// The broker's configuration: an immutable value built at start-up from built-in defaults, then the
// TOML file, then command-line flags. Every setting, its default and its meaning are listed here and
// in docs/configuration.md. Loading rejects unknown tables and keys, wrong types and out-of-range
// values with the file, line, column, key and what is wrong.
//
// Ownership: Config is a plain value; copy it freely. Thread-safety: the functions below touch no
// shared state (load_config_file reads one file) and may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pregon::config {

// TLS on a listener: set when cert_file is set. Files are PEM; they are read again on SIGHUP.
struct Tls {
  std::string cert_file;  // the server's certificate chain; empty: no TLS
  std::string key_file;   // its private key
  std::string ca_file;    // CAs that client certificates must chain to
  std::string client_certificates = "none";  // none, optional, required (needs ca_file)
  std::string min_version = "1.2";           // "1.2" or "1.3"
  std::string ciphers;       // TLS 1.2 cipher list (OpenSSL syntax); empty: OpenSSL's default
  std::string ciphersuites;  // TLS 1.3 cipher suites; empty: OpenSSL's default
  // The client certificate's subject CN (or, without one, its first subject alternative name) is
  // the username; a client that presents one needs no password.
  bool identity_as_username = false;
};

struct Listener {
  std::string bind = "127.0.0.1";  // IPv4 or IPv6 literal, or a host name
  uint16_t port = 1883;            // 1..65535
  // Whether clients that did not authenticate may connect. Unset: only on a loopback address.
  std::optional<bool> allow_anonymous;
  uint32_t max_connections = 0;  // open sockets on this listener; 0: only limits.max_connections applies
  // A Unix domain socket at this path instead of TCP on bind:port (which are then ignored).
  std::string unix_socket;
  // Every connection starts with a PROXY protocol v1 or v2 header (HAProxy, cloud load balancers)
  // naming the real client; connections without one are closed.
  bool proxy_protocol = false;
  Tls tls;
  // "mqtt": MQTT straight over TCP (or TLS). "websocket": MQTT over WebSocket (RFC 6455), and with
  // tls_* settings over WebSocket over TLS (wss://).
  std::string protocol = "mqtt";
  std::string websocket_path = "/mqtt";  // the request path a WebSocket client must ask for
};

// Authentication and authorization files, in mosquitto's formats. Empty: not used.
struct Auth {
  std::string password_file;  // "user:$7$..." lines, made by `pregon passwd` or mosquitto_passwd
  std::string acl_file;       // user / topic / pattern lines; when set, what it does not grant is denied
  // JWT as the CONNECT password: RS256 or ES256 with a PEM public key file, or HS256 with a secret.
  std::string jwt_algorithm;  // "", "RS256", "ES256", "HS256"
  std::string jwt_key_file;   // RS256/ES256: a "BEGIN PUBLIC KEY" PEM file
  std::string jwt_secret;     // HS256: at least 32 bytes
  std::string jwt_username_claim = "sub";
  uint32_t jwt_leeway_s = 0;  // seconds of clock skew allowed on exp and nbf
};

struct Limits {
  uint32_t connect_timeout_ms = 10'000;        // a socket that sends no CONNECT in time is closed
  uint32_t max_packet_size = 1'048'576;        // bytes, fixed header included; advertised in 5.0 CONNACK
  uint16_t receive_maximum = 1024;             // QoS 1/2 PUBLISHes a client may have unacknowledged to us
  uint16_t max_inflight_messages = 1024;       // QoS 1/2 PUBLISHes we send a client before its acks (also capped by its Receive Maximum)
  uint32_t max_queued_messages = 10'000;       // QoS 1/2 messages kept per session beyond the in-flight window
  uint64_t max_queued_bytes = 64 * 1'048'576;  // per session: topic and payload bytes of its queued messages
  uint64_t max_total_queued_bytes = 1024 * 1'048'576;  // the same over all sessions together
  std::string queue_overflow = "drop_oldest";  // drop_oldest, drop_newest, refuse (5.0 publishers get 0x97)
  uint32_t max_spilled_messages = 1'000'000;   // per persistent session, kept on disk past the in-memory budgets
  uint32_t max_retained_messages = 1'000'000;  // topics with a retained message
  uint64_t max_retained_bytes = 1024 * 1'048'576;  // topic and payload bytes of all retained messages
  uint16_t max_keep_alive = 65535;             // seconds; a larger or zero request is cut to this (5.0: Server Keep Alive)
  uint16_t topic_alias_maximum = 64;           // aliases a 5.0 client may define towards us
  uint32_t max_session_expiry_interval = 0xFFFFFFFF;  // seconds; longer requests are cut to this
  uint32_t output_buffer_bytes = 4 * 1'048'576;  // unsent bytes per connection before QoS 0 messages are dropped
  bool retain_available = true;
  uint8_t maximum_qos = 2;
  uint32_t max_connections = 1'000'000;       // open sockets; past it a CONNECT gets 0x97 (3.1.1: 0x03)
  uint16_t max_client_id_length = 256;        // bytes; a longer one gets 0x85 (3.1.1: 0x02)
  uint16_t max_topic_length = 1024;           // bytes of a topic name or filter
  uint16_t max_topic_levels = 64;             // levels of a topic name or filter
  uint32_t max_subscriptions_per_client = 10'000;  // filters one session may hold; more get 0x97
  uint32_t max_publish_rate = 0;        // PUBLISHes per second from one client (burst: one second's worth); 0 = no limit
  uint32_t max_publish_bytes_rate = 0;  // bytes of PUBLISH packets per second from one client; 0 = no limit
  uint32_t max_accept_rate = 0;  // new connections per second on each event loop's listener; 0 = no limit
};

// Where and how sessions, queued QoS 1/2 messages and retained messages are kept across restarts.
struct Persistence {
  bool enabled = true;
  std::string dir = "data";  // created when missing; relative to the working directory
  // batch: one fsync for all writes of a short window (group commit); always: fsync per write;
  // none: written without fsync (survives a crash of pregon, not of the machine).
  std::string sync = "batch";
  uint32_t batch_window_us = 1000;
  uint32_t batch_max_writes = 4096;
  // A damaged store: quarantine (move it aside, log what was lost, start empty) or fail (exit).
  std::string on_corruption = "quarantine";
};

// The HTTP server for monitoring: /metrics (Prometheus) and the JSON API under /api/v1/.
// Without credentials it answers only requests from loopback addresses.
struct Http {
  bool enabled = true;
  std::string bind = "127.0.0.1";  // IPv4 or IPv6 literal, or a host name
  uint16_t port = 18083;
  std::string username;  // HTTP Basic; set together with password
  std::string password;
  std::string token;     // "Authorization: Bearer <token>"
};

struct Config {
  unsigned threads = 0;              // event-loop threads; 0 means one per core; at most 1024
  std::string log_level = "info";    // trace, debug, info, warn, error, critical, off
  std::string log_format = "text";   // text, or json: one JSON object per line
  Listener listener;                // [listener]
  std::vector<Listener> listeners;  // [[listeners]]: more, each on its own port
  Limits limits;
  Persistence persistence;
  Auth auth;
  Http http;
  uint32_t sys_interval = 10;        // seconds between $SYS updates; 0: no $SYS topics
  std::optional<std::string> source; // the file it was read from, for messages
};

// A configuration error, at start-up only. Each line of what() reads
// "<file>:<line>:<column>: <key path>: <what is wrong>"; a file with several mistakes yields one
// line per mistake, in file order. TOML syntax errors read "<file>:<line>:<column>: syntax error:
// <what is wrong>" (only the first one is known); an unreadable file reads "<file>: <reason>";
// a bad command-line override reads "--<flag>: <what is wrong>".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and validates a TOML file over the defaults. Throws ConfigError.
Config load_config_file(const std::string& path);

// Validates and parses TOML text; `source` names it in messages. Throws ConfigError.
Config parse_config(std::string_view toml_text, const std::string& source);

// One setting as the file writes it: its key path ("limits.max_packet_size", "listeners[0].port")
// and its value in TOML syntax (strings quoted; secrets shown as "(hidden)"; an unset optional as
// "unset").
struct Setting {
  std::string key;
  std::string value;
};

// Every setting of `c`, [[listeners]] entries included, in the order of the schema.
std::vector<Setting> list_settings(const Config& c);

// The number of event-loop threads to run: `threads`, or the number of cores when it is 0.
unsigned effective_threads(const Config& c);

// allow_anonymous as set, or true exactly when the listener is a Unix socket or bound to a loopback
// address.
bool allow_anonymous(const Listener& l);

// [listener] first, then every [[listeners]] entry.
std::vector<Listener> all_listeners(const Config& c);

// Command-line flags that override the file (--port, --bind, --threads, --log-level, --log-format, --data-dir,
// --no-persistence, --http-port). Integers are taken wide so that the range check, and its message, is the same
// as for the file.
struct Overrides {
  std::optional<int64_t> port;
  std::optional<std::string> bind;
  std::optional<int64_t> threads;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::string> data_dir;
  bool no_persistence = false;
  std::optional<int64_t> http_port;
};

// Returns `base` with the given overrides applied, validated with the file's rules. Throws
// ConfigError ("--port: 0 is out of range [1, 65535]").
Config apply_overrides(Config base, const Overrides& overrides);

// The accepted log_level names, for help texts; in increasing severity, "off" last.
inline constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn",
                                                  "error", "critical", "off"};
inline constexpr std::string_view kLogFormats[] = {"text", "json"};
inline constexpr std::string_view kSyncModes[] = {"batch", "always", "none"};
inline constexpr std::string_view kCorruptionActions[] = {"quarantine", "fail"};
inline constexpr std::string_view kQueueOverflowPolicies[] = {"drop_oldest", "drop_newest", "refuse"};
inline constexpr std::string_view kClientCertificateModes[] = {"none", "optional", "required"};
inline constexpr std::string_view kTlsVersions[] = {"1.2", "1.3"};
inline constexpr std::string_view kListenerProtocols[] = {"mqtt", "websocket"};

}  // namespace pregon::config
