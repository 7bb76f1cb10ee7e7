// parse_config: TOML text -> Config, and list_settings: Config -> its settings by key path. The
// schema below is the single list of accepted tables and keys; anything not in it is an error, so
// that a typo ("max_pakcet_size") is reported instead of being silently ignored while the default
// stays in force.
#include <toml++/toml.h>

#include <array>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/rules.hpp"

namespace pregon::config {
namespace {

// One accepted key: its name, how to read its value into the Config, and how to list the value a
// Config holds (for comparing two configurations on reload).
struct KeySpec {
  std::string_view name;
  std::function<void(const toml::node&, const std::string& path, Config&, Diagnostics&)> read;
  std::function<void(const Config&, const std::string& path, std::vector<Setting>&)> show;
};

// The field accessors are written for the reader and take a mutable Config; showing only reads
// through them.
Config& readable(const Config& c) { return const_cast<Config&>(c); }

// Long enough for any path a setting holds, so that two different values never look the same.
constexpr std::size_t kMaxShownBytes = 4096;

void report(Diagnostics& d, const toml::source_region& where, const std::string& path,
            std::string_view what) {
  d.add(where.begin.line, where.begin.column, path, what);
}

std::string_view type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

void report_type(Diagnostics& d, const toml::node& node, const std::string& path,
                 std::string_view expected) {
  std::string what = "expected ";
  what += expected;
  what += ", got ";
  what += type_phrase(node.type());
  report(d, node.source(), path, what);
}

// An integer key within `range`, stored through `field` (a function returning a reference to the
// Config member). The member's type must hold every value of the range.
template <class Field>
KeySpec integer_key(std::string_view name, Range range, Field field) {
  return {name, [range, field](const toml::node& node, const std::string& path, Config& config,
                               Diagnostics& d) {
            using Member = std::remove_reference_t<decltype(field(config))>;
            static_assert(std::is_integral_v<Member>);
            if (!node.is_integer()) return report_type(d, node, path, "an integer");
            const int64_t value = node.as_integer()->get();
            if (auto wrong = check_range(value, range)) {
              return report(d, node.source(), path, *wrong);
            }
            if (value < static_cast<int64_t>(std::numeric_limits<Member>::min()) ||
                static_cast<uint64_t>(value) > std::numeric_limits<Member>::max()) {
              // Only reachable if a Range in rules.hpp is wider than its member: a bug here.
              return report(d, node.source(), path, "does not fit its field (internal error)");
            }
            field(config) = static_cast<Member>(value);
          },
          [field](const Config& config, const std::string& path, std::vector<Setting>& out) {
            out.push_back({path, std::to_string(+field(readable(config)))});
          }};
}

template <class Field>
KeySpec bool_key(std::string_view name, Field field) {
  return {name, [field](const toml::node& node, const std::string& path, Config& config,
                        Diagnostics& d) {
            if (!node.is_boolean()) return report_type(d, node, path, "a boolean (true or false)");
            field(config) = node.as_boolean()->get();
          },
          [field](const Config& config, const std::string& path, std::vector<Setting>& out) {
            out.push_back({path, field(readable(config)) ? "true" : "false"});
          }};
}

// A string key, checked by `check` (returns what is wrong, if anything). A `secret` one is listed
// as "(hidden)" when set, so that its value never reaches a log line.
template <class Field, class Check>
KeySpec string_key(std::string_view name, Field field, Check check, bool secret = false) {
  return {name,
          [field, check](const toml::node& node, const std::string& path, Config& config, Diagnostics& d) {
            if (!node.is_string()) return report_type(d, node, path, "a string");
            const std::string& value = node.as_string()->get();
            if (auto wrong = check(value)) return report(d, node.source(), path, *wrong);
            field(config) = value;
          },
          [field, secret](const Config& config, const std::string& path, std::vector<Setting>& out) {
            const std::string& value = field(readable(config));
            out.push_back({path, secret && !value.empty() ? "(hidden)" : quoted(value, kMaxShownBytes)});
          }};
}

void show_table(const Config& config, const std::string& path, const std::vector<KeySpec>& keys,
                std::vector<Setting>& out) {
  for (const KeySpec& spec : keys) spec.show(config, join_key_path(path, spec.name), out);
}

void read_table(const toml::table& table, const std::string& path,
                const std::vector<KeySpec>& keys, Config& config, Diagnostics& d);

// A sub-table such as [limits], whose own keys are `keys`.
KeySpec table_key(std::string_view name, std::vector<KeySpec> keys) {
  auto shared = std::make_shared<const std::vector<KeySpec>>(std::move(keys));
  return {name,
          [shared](const toml::node& node, const std::string& path, Config& config, Diagnostics& d) {
            if (!node.is_table()) return report_type(d, node, path, "a table");
            read_table(*node.as_table(), path, *shared, config, d);
          },
          [shared](const Config& config, const std::string& path, std::vector<Setting>& out) {
            show_table(config, path, *shared, out);
          }};
}

void report_unknown(const toml::key& key, const std::string& path, const std::vector<KeySpec>& keys,
                    bool at_root, Diagnostics& d) {
  std::vector<std::string_view> names;
  names.reserve(keys.size());
  for (const KeySpec& spec : keys) names.push_back(spec.name);
  std::string what = at_root ? "unknown key or table" : "unknown key";
  if (std::string_view guess = closest_match(key.str(), names); !guess.empty()) {
    what += "; did you mean ";
    what += guess;
    what += '?';
  } else {
    what += " (expected one of";
    for (std::size_t i = 0; i < names.size(); ++i) {
      what += i == 0 ? " " : ", ";
      what += names[i];
    }
    what += ')';
  }
  report(d, key.source(), path, what);
}

void read_table(const toml::table& table, const std::string& path,
                const std::vector<KeySpec>& keys, Config& config, Diagnostics& d) {
  for (const auto& [key, node] : table) {
    const std::string key_path = join_key_path(path, key.str());
    const KeySpec* spec = nullptr;
    for (const KeySpec& candidate : keys) {
      if (candidate.name == key.str()) spec = &candidate;
    }
    if (spec == nullptr) {
      report_unknown(key, key_path, keys, path.empty(), d);
      continue;
    }
    spec->read(node, key_path, config, d);
  }
}

// The keys of [listener] and of each [[listeners]] entry; `which` picks the one being read.
std::vector<KeySpec> listener_keys(std::function<Listener&(Config&)> which) {
  const auto any_text = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  return {
      string_key("bind", [which](Config& c) -> std::string& { return which(c).bind; }, check_bind_address),
      integer_key("port", kPortRange, [which](Config& c) -> uint16_t& { return which(c).port; }),
      KeySpec{"allow_anonymous",
              [which](const toml::node& node, const std::string& path, Config& config, Diagnostics& d) {
                if (!node.is_boolean()) return report_type(d, node, path, "a boolean (true or false)");
                which(config).allow_anonymous = node.as_boolean()->get();
              },
              [which](const Config& config, const std::string& path, std::vector<Setting>& out) {
                const std::optional<bool>& value = which(readable(config)).allow_anonymous;
                out.push_back({path, !value ? "unset" : *value ? "true" : "false"});
              }},
      integer_key("max_connections", kListenerMaxConnectionsRange,
                  [which](Config& c) -> uint32_t& { return which(c).max_connections; }),
      string_key("unix_socket", [which](Config& c) -> std::string& { return which(c).unix_socket; },
                 check_unix_socket_path),
      bool_key("proxy_protocol", [which](Config& c) -> bool& { return which(c).proxy_protocol; }),
      string_key("tls_cert_file", [which](Config& c) -> std::string& { return which(c).tls.cert_file; }, any_text),
      string_key("tls_key_file", [which](Config& c) -> std::string& { return which(c).tls.key_file; }, any_text),
      string_key("tls_ca_file", [which](Config& c) -> std::string& { return which(c).tls.ca_file; }, any_text),
      string_key("tls_client_certificates",
                 [which](Config& c) -> std::string& { return which(c).tls.client_certificates; },
                 check_client_certificates),
      string_key("tls_min_version", [which](Config& c) -> std::string& { return which(c).tls.min_version; },
                 check_tls_version),
      string_key("tls_ciphers", [which](Config& c) -> std::string& { return which(c).tls.ciphers; }, any_text),
      string_key("tls_ciphersuites", [which](Config& c) -> std::string& { return which(c).tls.ciphersuites; },
                 any_text),
      bool_key("tls_identity_as_username",
               [which](Config& c) -> bool& { return which(c).tls.identity_as_username; }),
      string_key("protocol", [which](Config& c) -> std::string& { return which(c).protocol; },
                 check_listener_protocol),
      string_key("websocket_path", [which](Config& c) -> std::string& { return which(c).websocket_path; },
                 check_websocket_path),
  };
}

// [[listeners]]: an array of tables, each read with the listener keys into a new entry.
KeySpec listeners_key() {
  return {"listeners", [](const toml::node& node, const std::string& path, Config& config, Diagnostics& d) {
            if (!node.is_array_of_tables()) return report_type(d, node, path, "an array of tables ([[listeners]])");
            const auto keys = listener_keys([](Config& c) -> Listener& { return c.listeners.back(); });
            size_t i = 0;
            for (const toml::node& entry : *node.as_array()) {
              config.listeners.emplace_back();
              read_table(*entry.as_table(), path + '[' + std::to_string(i++) + ']', keys, config, d);
            }
          },
          [](const Config& config, const std::string& path, std::vector<Setting>& out) {
            for (size_t i = 0; i < config.listeners.size(); ++i) {
              const auto keys = listener_keys([i](Config& c) -> Listener& { return c.listeners[i]; });
              show_table(config, path + '[' + std::to_string(i) + ']', keys, out);
            }
          }};
}

// The file layout, documented key by key in docs/configuration.md.
std::vector<KeySpec> schema() {
  std::vector<KeySpec> listener = listener_keys([](Config& c) -> Listener& { return c.listener; });
  std::vector<KeySpec> auth = {
      string_key("password_file", [](Config& c) -> std::string& { return c.auth.password_file; },
                 [](std::string_view) -> std::optional<std::string> { return std::nullopt; }),
      string_key("acl_file", [](Config& c) -> std::string& { return c.auth.acl_file; },
                 [](std::string_view) -> std::optional<std::string> { return std::nullopt; }),
      string_key("jwt_algorithm", [](Config& c) -> std::string& { return c.auth.jwt_algorithm; },
                 check_jwt_algorithm),
      string_key("jwt_key_file", [](Config& c) -> std::string& { return c.auth.jwt_key_file; },
                 [](std::string_view) -> std::optional<std::string> { return std::nullopt; }),
      string_key("jwt_secret", [](Config& c) -> std::string& { return c.auth.jwt_secret; },
                 [](std::string_view) -> std::optional<std::string> { return std::nullopt; }, true),
      string_key("jwt_username_claim", [](Config& c) -> std::string& { return c.auth.jwt_username_claim; },
                 [](std::string_view v) -> std::optional<std::string> {
                   if (v.empty()) return "the claim name must not be empty";
                   return std::nullopt;
                 }),
      integer_key("jwt_leeway_s", kJwtLeewayRange, [](Config& c) -> uint32_t& { return c.auth.jwt_leeway_s; }),
  };
  std::vector<KeySpec> limits = {
      integer_key("connect_timeout_ms", kConnectTimeoutMsRange,
                  [](Config& c) -> uint32_t& { return c.limits.connect_timeout_ms; }),
      integer_key("max_packet_size", kMaxPacketSizeRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_packet_size; }),
      integer_key("receive_maximum", kReceiveMaximumRange,
                  [](Config& c) -> uint16_t& { return c.limits.receive_maximum; }),
      integer_key("max_inflight_messages", kMaxInflightMessagesRange,
                  [](Config& c) -> uint16_t& { return c.limits.max_inflight_messages; }),
      integer_key("max_queued_messages", kMaxQueuedMessagesRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_queued_messages; }),
      integer_key("max_queued_bytes", kQueuedBytesRange,
                  [](Config& c) -> uint64_t& { return c.limits.max_queued_bytes; }),
      integer_key("max_total_queued_bytes", kQueuedBytesRange,
                  [](Config& c) -> uint64_t& { return c.limits.max_total_queued_bytes; }),
      integer_key("max_spilled_messages", kMaxQueuedMessagesRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_spilled_messages; }),
      string_key("queue_overflow", [](Config& c) -> std::string& { return c.limits.queue_overflow; },
                 check_queue_overflow),
      integer_key("max_retained_messages", kMaxRetainedMessagesRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_retained_messages; }),
      integer_key("max_retained_bytes", kQueuedBytesRange,
                  [](Config& c) -> uint64_t& { return c.limits.max_retained_bytes; }),
      integer_key("max_keep_alive", kMaxKeepAliveRange,
                  [](Config& c) -> uint16_t& { return c.limits.max_keep_alive; }),
      integer_key("topic_alias_maximum", kTopicAliasMaximumRange,
                  [](Config& c) -> uint16_t& { return c.limits.topic_alias_maximum; }),
      integer_key("max_session_expiry_interval", kMaxSessionExpiryIntervalRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_session_expiry_interval; }),
      integer_key("output_buffer_bytes", kOutputBufferBytesRange,
                  [](Config& c) -> uint32_t& { return c.limits.output_buffer_bytes; }),
      bool_key("retain_available", [](Config& c) -> bool& { return c.limits.retain_available; }),
      integer_key("maximum_qos", kMaximumQosRange,
                  [](Config& c) -> uint8_t& { return c.limits.maximum_qos; }),
      integer_key("max_connections", kMaxConnectionsRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_connections; }),
      integer_key("max_client_id_length", kMaxClientIdLengthRange,
                  [](Config& c) -> uint16_t& { return c.limits.max_client_id_length; }),
      integer_key("max_topic_length", kMaxTopicLengthRange,
                  [](Config& c) -> uint16_t& { return c.limits.max_topic_length; }),
      integer_key("max_topic_levels", kMaxTopicLevelsRange,
                  [](Config& c) -> uint16_t& { return c.limits.max_topic_levels; }),
      integer_key("max_subscriptions_per_client", kMaxSubscriptionsPerClientRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_subscriptions_per_client; }),
      integer_key("max_publish_rate", kRateRange, [](Config& c) -> uint32_t& { return c.limits.max_publish_rate; }),
      integer_key("max_publish_bytes_rate", kRateRange,
                  [](Config& c) -> uint32_t& { return c.limits.max_publish_bytes_rate; }),
      integer_key("max_accept_rate", kRateRange, [](Config& c) -> uint32_t& { return c.limits.max_accept_rate; }),
  };
  std::vector<KeySpec> persistence = {
      bool_key("enabled", [](Config& c) -> bool& { return c.persistence.enabled; }),
      string_key("dir", [](Config& c) -> std::string& { return c.persistence.dir; }, check_directory),
      string_key("sync", [](Config& c) -> std::string& { return c.persistence.sync; }, check_sync_mode),
      integer_key("batch_window_us", kBatchWindowUsRange,
                  [](Config& c) -> uint32_t& { return c.persistence.batch_window_us; }),
      integer_key("batch_max_writes", kBatchMaxWritesRange,
                  [](Config& c) -> uint32_t& { return c.persistence.batch_max_writes; }),
      string_key("on_corruption", [](Config& c) -> std::string& { return c.persistence.on_corruption; },
                 check_on_corruption),
  };
  std::vector<KeySpec> http = {
      bool_key("enabled", [](Config& c) -> bool& { return c.http.enabled; }),
      string_key("bind", [](Config& c) -> std::string& { return c.http.bind; }, check_bind_address),
      integer_key("port", kPortRange, [](Config& c) -> uint16_t& { return c.http.port; }),
      string_key("username", [](Config& c) -> std::string& { return c.http.username; }, check_http_username),
      string_key("password", [](Config& c) -> std::string& { return c.http.password; }, check_http_credential, true),
      string_key("token", [](Config& c) -> std::string& { return c.http.token; }, check_http_credential, true),
  };
  return {
      integer_key("threads", kThreadsRange, [](Config& c) -> unsigned& { return c.threads; }),
      string_key("log_level", [](Config& c) -> std::string& { return c.log_level; },
                 check_log_level),
      string_key("log_format", [](Config& c) -> std::string& { return c.log_format; }, check_log_format),
      table_key("listener", std::move(listener)),
      listeners_key(),
      table_key("limits", std::move(limits)),
      table_key("persistence", std::move(persistence)),
      table_key("auth", std::move(auth)),
      table_key("http", std::move(http)),
      integer_key("sys_interval", kSysIntervalRange, [](Config& c) -> uint32_t& { return c.sys_interval; }),
  };
}

}  // namespace

Config parse_config(std::string_view toml_text, const std::string& source) {
  toml::table document;
  try {
    document = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    throw ConfigError(source + ':' + std::to_string(at.line) + ':' + std::to_string(at.column) +
                      ": syntax error: " + escaped_text(e.description()));
  }
  Config config;
  config.source = source;
  Diagnostics diagnostics(source);
  read_table(document, "", schema(), config, diagnostics);
  if (config.http.username.empty() != config.http.password.empty()) {
    // HTTP Basic needs both; one alone would leave the API open or unusable without saying so.
    const toml::node* http = document.get("http");
    const auto& where = http->source().begin;
    diagnostics.add(where.line, where.column, "http", "username and password must be set together");
  }
  // Settings that would quietly do nothing: websocket_path on a plain MQTT listener is a forgotten
  // `protocol = "websocket"`; TLS settings without tls_cert_file a listener that is not TLS.
  const auto check_path_use = [&diagnostics](const toml::table* table, const Listener& l, const std::string& path) {
    if (table == nullptr) return;
    if (const toml::node* node = table->get("websocket_path"); node != nullptr && l.protocol != "websocket") {
      diagnostics.add(node->source().begin.line, node->source().begin.column, path + ".websocket_path",
                      "set on a listener whose protocol is not \"websocket\"");
    }
    if (!l.tls.cert_file.empty()) return;
    for (const char* key : {"tls_key_file", "tls_ca_file", "tls_client_certificates", "tls_identity_as_username"}) {
      if (const toml::node* node = table->get(key)) {
        diagnostics.add(node->source().begin.line, node->source().begin.column, path + '.' + key,
                        "set without tls_cert_file (a listener speaks TLS only with a certificate)");
        return;
      }
    }
  };
  check_path_use(document["listener"].as_table(), config.listener, "listener");
  if (const toml::array* entries = document["listeners"].as_array(); entries != nullptr) {
    for (size_t i = 0; i < entries->size() && i < config.listeners.size(); ++i) {
      check_path_use((*entries)[i].as_table(), config.listeners[i], "listeners[" + std::to_string(i) + "]");
    }
  }
  diagnostics.throw_if_any();
  return config;
}

std::vector<Setting> list_settings(const Config& c) {
  std::vector<Setting> out;
  show_table(c, "", schema(), out);
  return out;
}

}  // namespace pregon::config
