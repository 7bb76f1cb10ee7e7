// The value rules shared by the TOML file and the command-line overrides: the accepted range of
// each integer setting and the checks on log_level and listener.bind. Each check returns what is
// wrong, phrased to follow "<key path>: ", or nothing when the value is accepted.
//
// Internal to src/config/. Stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pregon::config {

struct Range {
  int64_t min;
  int64_t max;
};

// threads: 0 means one per core; more than 1024 event loops is a typo, not a machine.
inline constexpr Range kThreadsRange{0, 1024};
inline constexpr Range kPortRange{1, 65535};
// An hour: longer waits for CONNECT only hold sockets open for peers that will never speak.
inline constexpr Range kConnectTimeoutMsRange{1, 3'600'000};
// The largest packet MQTT can express: Remaining Length 268,435,455 plus a 5-byte fixed header.
// Below 64 bytes a CONNECT with a short client id and a will would already not fit.
inline constexpr Range kMaxPacketSizeRange{64, 268'435'460};
// MQTT 5.0 section 3.2.2.3.3: a Receive Maximum of 0 is a Protocol Error; it is a Two Byte Integer.
inline constexpr Range kReceiveMaximumRange{1, 65535};
inline constexpr Range kMaxInflightMessagesRange{1, 65535};
inline constexpr Range kMaxQueuedMessagesRange{0, 4'294'967'295};
// Server Keep Alive is a Two Byte Integer; 0 would switch keep-alive off for everyone.
inline constexpr Range kMaxKeepAliveRange{1, 65535};
// Topic Alias Maximum is a Two Byte Integer; 0 means the client may not use aliases.
inline constexpr Range kTopicAliasMaximumRange{0, 65535};
// Session Expiry Interval is a Four Byte Integer; 0xFFFFFFFF means the session does not expire.
inline constexpr Range kMaxSessionExpiryIntervalRange{0, 4'294'967'295};
inline constexpr Range kOutputBufferBytesRange{1, 4'294'967'295};
inline constexpr Range kQueuedBytesRange{0, int64_t{1} << 50};
inline constexpr Range kMaxRetainedMessagesRange{0, 4'294'967'295};
inline constexpr Range kMaximumQosRange{0, 2};
inline constexpr Range kMaxConnectionsRange{1, 100'000'000};
inline constexpr Range kListenerMaxConnectionsRange{0, 100'000'000};
// A client id is a UTF-8 string: at most 65535 bytes; 23 is the least a server must accept.
inline constexpr Range kMaxClientIdLengthRange{23, 65535};
inline constexpr Range kMaxTopicLengthRange{1, 65535};
inline constexpr Range kMaxTopicLevelsRange{1, 65535};
inline constexpr Range kMaxSubscriptionsPerClientRange{1, 100'000'000};
inline constexpr Range kJwtLeewayRange{0, 3600};
inline constexpr Range kRateRange{0, 4'294'967'295};
// $SYS updates: 0 switches them off; more than a day apart they would tell nothing.
inline constexpr Range kSysIntervalRange{0, 86'400};

// "0 is out of range [1, 65535]".
std::optional<std::string> check_range(int64_t value, Range range);

// Persistence group commit: how long the writer waits to gather writes into one fsync, and how many
// writes end a window early.
inline constexpr Range kBatchWindowUsRange{0, 1'000'000};
inline constexpr Range kBatchMaxWritesRange{1, 1'000'000};

// "\"verbose\" is not a log level (expected one of trace, debug, ...)".
std::optional<std::string> check_one_of(std::string_view value, std::span<const std::string_view> choices,
                                        std::string_view noun);
std::optional<std::string> check_log_level(std::string_view level);
std::optional<std::string> check_log_format(std::string_view format);
std::optional<std::string> check_sync_mode(std::string_view mode);
std::optional<std::string> check_on_corruption(std::string_view action);
std::optional<std::string> check_queue_overflow(std::string_view policy);
std::optional<std::string> check_jwt_algorithm(std::string_view algorithm);
std::optional<std::string> check_client_certificates(std::string_view mode);
std::optional<std::string> check_tls_version(std::string_view version);
std::optional<std::string> check_directory(std::string_view dir);
std::optional<std::string> check_listener_protocol(std::string_view protocol);
// An absolute path: starts with '/', at most 1024 bytes of visible ASCII (no spaces, no '?' or '#':
// the path is compared with the request target as sent).
std::optional<std::string> check_websocket_path(std::string_view path);

// Accepts an IPv4 or IPv6 literal, or a host name by RFC 1123 (labels of letters, digits and
// hyphens, at most 253 bytes). Rejects an empty string, "[::1]" (brackets belong to URLs) and a
// dotted all-digit name that is not a valid IPv4 address ("1.2.3.400").
std::optional<std::string> check_bind_address(std::string_view bind);

// listener unix_socket: a path that fits a sockaddr_un (at most 107 bytes), without NUL bytes.
std::optional<std::string> check_unix_socket_path(std::string_view path);

// http.username, http.password, http.token: no empty value (unset means "not used"), no control
// characters (they could not be sent in an Authorization header), and no colon in a username
// (HTTP Basic splits at the first one).
std::optional<std::string> check_http_credential(std::string_view value);
std::optional<std::string> check_http_username(std::string_view value);

}  // namespace pregon::config
