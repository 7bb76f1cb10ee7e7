#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace pregon::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The message of the ConfigError that parsing `text` throws ("" if it does not throw).
std::string error_of(std::string_view text) {
  try {
    parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigDefaults, MatchTheDocumentedValues) {
  const Config c;
  EXPECT_EQ(c.threads, 0u);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.listener.bind, "127.0.0.1");
  EXPECT_EQ(c.listener.port, 1883);
  EXPECT_EQ(c.limits.connect_timeout_ms, 10000u);
  EXPECT_EQ(c.limits.max_packet_size, 1048576u);
  EXPECT_EQ(c.limits.receive_maximum, 1024);
  EXPECT_EQ(c.limits.max_inflight_messages, 1024);
  EXPECT_EQ(c.limits.max_queued_messages, 10000u);
  EXPECT_EQ(c.limits.max_keep_alive, 65535);
  EXPECT_EQ(c.limits.topic_alias_maximum, 64);
  EXPECT_EQ(c.limits.max_session_expiry_interval, 4294967295u);
  EXPECT_EQ(c.limits.output_buffer_bytes, 4194304u);
  EXPECT_TRUE(c.limits.retain_available);
  EXPECT_EQ(c.limits.maximum_qos, 2);
  EXPECT_EQ(c.limits.max_connections, 1000000u);
  EXPECT_EQ(c.limits.max_client_id_length, 256);
  EXPECT_EQ(c.limits.max_topic_length, 1024);
  EXPECT_EQ(c.limits.max_topic_levels, 64);
  EXPECT_EQ(c.limits.max_subscriptions_per_client, 10000u);
  EXPECT_EQ(c.limits.max_queued_bytes, 64u << 20);
  EXPECT_EQ(c.limits.max_total_queued_bytes, 1u << 30);
  EXPECT_EQ(c.limits.queue_overflow, "drop_oldest");
  EXPECT_EQ(c.limits.max_retained_messages, 1000000u);
  EXPECT_EQ(c.limits.max_retained_bytes, 1u << 30);
  EXPECT_TRUE(c.persistence.enabled);
  EXPECT_EQ(c.persistence.dir, "data");
  EXPECT_EQ(c.persistence.sync, "batch");
  EXPECT_EQ(c.persistence.batch_window_us, 1000u);
  EXPECT_EQ(c.persistence.batch_max_writes, 4096u);
  EXPECT_EQ(c.persistence.on_corruption, "quarantine");
  EXPECT_FALSE(c.source.has_value());
}

TEST(ParseConfig, EmptyTextGivesDefaults) {
  const Config c = parse_config("", "empty.toml");
  EXPECT_EQ(c.listener.port, 1883);
  EXPECT_EQ(c.limits.max_packet_size, 1048576u);
  EXPECT_EQ(c.source, "empty.toml");
}

TEST(ParseConfig, ReadsEveryKey) {
  const Config c = parse_config(R"(
threads = 3
log_level = "debug"

[listener]
bind = "::1"
port = 8883

[limits]
connect_timeout_ms = 2500
max_packet_size = 65536
receive_maximum = 20
max_inflight_messages = 30
max_queued_messages = 400
max_keep_alive = 600
topic_alias_maximum = 0
max_session_expiry_interval = 86400
output_buffer_bytes = 65536
retain_available = false
maximum_qos = 1
max_queued_bytes = 1000
max_total_queued_bytes = 2000
queue_overflow = "refuse"
max_retained_messages = 5
max_retained_bytes = 6000

[persistence]
enabled = false
dir = "/var/lib/pregon"
sync = "always"
batch_window_us = 250
batch_max_writes = 10
on_corruption = "fail"
)",
                                "all.toml");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.listener.bind, "::1");
  EXPECT_EQ(c.listener.port, 8883);
  EXPECT_EQ(c.limits.connect_timeout_ms, 2500u);
  EXPECT_EQ(c.limits.max_packet_size, 65536u);
  EXPECT_EQ(c.limits.receive_maximum, 20);
  EXPECT_EQ(c.limits.max_inflight_messages, 30);
  EXPECT_EQ(c.limits.max_queued_messages, 400u);
  EXPECT_EQ(c.limits.max_keep_alive, 600);
  EXPECT_EQ(c.limits.topic_alias_maximum, 0);
  EXPECT_EQ(c.limits.max_session_expiry_interval, 86400u);
  EXPECT_EQ(c.limits.output_buffer_bytes, 65536u);
  EXPECT_FALSE(c.limits.retain_available);
  EXPECT_EQ(c.limits.maximum_qos, 1);
  EXPECT_EQ(c.limits.max_queued_bytes, 1000u);
  EXPECT_EQ(c.limits.max_total_queued_bytes, 2000u);
  EXPECT_EQ(c.limits.queue_overflow, "refuse");
  EXPECT_EQ(c.limits.max_retained_messages, 5u);
  EXPECT_EQ(c.limits.max_retained_bytes, 6000u);
  EXPECT_FALSE(c.persistence.enabled);
  EXPECT_EQ(c.persistence.dir, "/var/lib/pregon");
  EXPECT_EQ(c.persistence.sync, "always");
  EXPECT_EQ(c.persistence.batch_window_us, 250u);
  EXPECT_EQ(c.persistence.batch_max_writes, 10u);
  EXPECT_EQ(c.persistence.on_corruption, "fail");
}

TEST(ParseConfig, KeepsDefaultsForKeysNotGiven) {
  const Config c = parse_config("[limits]\nmaximum_qos = 0\n", "t.toml");
  EXPECT_EQ(c.limits.maximum_qos, 0);
  EXPECT_EQ(c.limits.receive_maximum, 1024);
  EXPECT_EQ(c.listener.port, 1883);
}

TEST(ParseConfig, AcceptsDottedKeysAndInlineTables) {
  const Config c = parse_config("listener.port = 1884\nlimits = { maximum_qos = 1 }\n", "t.toml");
  EXPECT_EQ(c.listener.port, 1884);
  EXPECT_EQ(c.limits.maximum_qos, 1);
}

TEST(ParseConfig, AcceptsTheExtremesOfEachRange) {
  const Config low = parse_config(R"(
threads = 0
[listener]
port = 1
[limits]
connect_timeout_ms = 1
max_packet_size = 64
receive_maximum = 1
max_inflight_messages = 1
max_queued_messages = 0
max_keep_alive = 1
topic_alias_maximum = 0
max_session_expiry_interval = 0
output_buffer_bytes = 1
maximum_qos = 0
)",
                                  "low.toml");
  EXPECT_EQ(low.limits.max_packet_size, 64u);
  EXPECT_EQ(low.limits.max_session_expiry_interval, 0u);
  const Config high = parse_config(R"(
threads = 1024
[listener]
port = 65535
[limits]
max_packet_size = 268435460
receive_maximum = 65535
max_inflight_messages = 65535
max_queued_messages = 4294967295
max_keep_alive = 65535
topic_alias_maximum = 65535
max_session_expiry_interval = 4294967295
output_buffer_bytes = 4294967295
maximum_qos = 2
)",
                                   "high.toml");
  EXPECT_EQ(high.threads, 1024u);
  EXPECT_EQ(high.listener.port, 65535);
  EXPECT_EQ(high.limits.max_packet_size, 268435460u);
  EXPECT_EQ(high.limits.max_queued_messages, 4294967295u);
  EXPECT_EQ(high.limits.output_buffer_bytes, 4294967295u);
}

TEST(ParseConfig, AcceptsEveryLogLevel) {
  for (std::string_view level : kLogLevels) {
    const Config c = parse_config("log_level = \"" + std::string(level) + "\"", "t.toml");
    EXPECT_EQ(c.log_level, level);
  }
}

TEST(ParseConfig, AcceptsAddressesAndHostNames) {
  for (const char* bind : {"0.0.0.0", "::", "127.0.0.1", "fe80::1", "::ffff:10.0.0.1", "localhost",
                           "broker.example.com", "broker.example.com.", "my-host", "host1"}) {
    const Config c = parse_config("[listener]\nbind = \"" + std::string(bind) + "\"\n", "t.toml");
    EXPECT_EQ(c.listener.bind, bind);
  }
}

TEST(ParseConfigErrors, SyntaxErrorHasTheParsersPosition) {
  const std::string e = error_of("threads = 1\nlog_level = \"info\n");
  EXPECT_THAT(e, StartsWith("test.toml:2:"));
  EXPECT_THAT(e, HasSubstr("syntax error"));
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(ParseConfigErrors, DuplicateKeyIsASyntaxError) {
  EXPECT_THAT(error_of("[listener]\nport = 1\nport = 2\n"),
              AllOf(StartsWith("test.toml:3:"), HasSubstr("syntax error")));
}

TEST(ParseConfigErrors, UnknownKeyNamesItsLineAndSuggests) {
  EXPECT_EQ(error_of("[limits]\nmax_pakcet_size = 100\n"),
            "test.toml:2:1: limits.max_pakcet_size: unknown key; did you mean max_packet_size?");
}

TEST(ParseConfigErrors, UnknownKeyFarFromAnyListsTheKnownOnes) {
  EXPECT_EQ(error_of("[listener]\n  certificate = \"x\"\n"),
            "test.toml:2:3: listener.certificate: unknown key (expected one of bind, port, allow_anonymous, max_connections, unix_socket, proxy_protocol, tls_cert_file, tls_key_file, tls_ca_file, tls_client_certificates, tls_min_version, tls_ciphers, tls_ciphersuites, tls_identity_as_username, protocol, websocket_path)");
}

TEST(ParseConfigErrors, UnknownTableIsRejected) {
  EXPECT_EQ(error_of("[listner]\nport = 1\n"),
            "test.toml:1:2: listner: unknown key or table; did you mean listener?");
  EXPECT_THAT(error_of("[tls]\n"), AllOf(StartsWith("test.toml:1:2: tls: unknown key or table"),
                                         HasSubstr("threads, log_level, log_format, listener, listeners, limits")));
}

TEST(ParseConfigErrors, UnknownRootKeyIsRejected) {
  EXPECT_THAT(error_of("\n\nthread = 4\n"),
              StartsWith("test.toml:3:1: thread: unknown key or table; did you mean threads?"));
}

TEST(ParseConfigErrors, NestedTableInsideAKnownTableIsRejected) {
  EXPECT_THAT(error_of("[limits.extra]\nx = 1\n"),
              StartsWith("test.toml:1:9: limits.extra: unknown key"));
}

TEST(ParseConfigErrors, WrongTypeNamesExpectedAndActual) {
  EXPECT_EQ(error_of("[listener]\nport = \"1883\"\n"),
            "test.toml:2:8: listener.port: expected an integer, got a string");
  EXPECT_EQ(error_of("threads = 1.5\n"),
            "test.toml:1:11: threads: expected an integer, got a floating-point number");
  EXPECT_EQ(error_of("log_level = 3\n"),
            "test.toml:1:13: log_level: expected a string, got an integer");
  EXPECT_EQ(error_of("[limits]\nretain_available = 1\n"),
            "test.toml:2:20: limits.retain_available: expected a boolean (true or false), got an "
            "integer");
  EXPECT_EQ(error_of("listener = 5\n"),
            "test.toml:1:12: listener: expected a table, got an integer");
  EXPECT_THAT(error_of("[[limits]]\n"), HasSubstr("limits: expected a table, got an array"));
}

TEST(ParseConfigErrors, OutOfRangeValuesAreRejected) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"[listener]\nport = 0", "test.toml:2:8: listener.port: 0 is out of range [1, 65535]"},
      {"[listener]\nport = 65536",
       "test.toml:2:8: listener.port: 65536 is out of range [1, 65535]"},
      {"[listener]\nport = -1", "test.toml:2:8: listener.port: -1 is out of range [1, 65535]"},
      {"threads = 1025", "test.toml:1:11: threads: 1025 is out of range [0, 1024]"},
      {"[limits]\nreceive_maximum = 0",
       "test.toml:2:19: limits.receive_maximum: 0 is out of range [1, 65535]"},
      {"[limits]\nreceive_maximum = 65536",
       "test.toml:2:19: limits.receive_maximum: 65536 is out of range [1, 65535]"},
      {"[limits]\nmax_packet_size = 63",
       "test.toml:2:19: limits.max_packet_size: 63 is out of range [64, 268435460]"},
      {"[limits]\nmax_packet_size = 268435461",
       "test.toml:2:19: limits.max_packet_size: 268435461 is out of range [64, 268435460]"},
      {"[limits]\nmaximum_qos = 3", "test.toml:2:15: limits.maximum_qos: 3 is out of range [0, 2]"},
      {"[limits]\nconnect_timeout_ms = 0",
       "test.toml:2:22: limits.connect_timeout_ms: 0 is out of range [1, 3600000]"},
      {"[limits]\nmax_inflight_messages = 0",
       "test.toml:2:25: limits.max_inflight_messages: 0 is out of range [1, 65535]"},
      {"[limits]\nmax_keep_alive = 0",
       "test.toml:2:18: limits.max_keep_alive: 0 is out of range [1, 65535]"},
      {"[limits]\ntopic_alias_maximum = 65536",
       "test.toml:2:23: limits.topic_alias_maximum: 65536 is out of range [0, 65535]"},
      {"[limits]\nmax_session_expiry_interval = 4294967296",
       "test.toml:2:31: limits.max_session_expiry_interval: 4294967296 is out of range [0, "
       "4294967295]"},
      {"[limits]\nmax_queued_messages = -5",
       "test.toml:2:23: limits.max_queued_messages: -5 is out of range [0, 4294967295]"},
      {"[limits]\noutput_buffer_bytes = 0",
       "test.toml:2:23: limits.output_buffer_bytes: 0 is out of range [1, 4294967295]"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.text), c.message) << c.text;
}

TEST(ParseConfigErrors, BadLogLevelListsTheAccepted) {
  EXPECT_EQ(error_of("log_level = \"verbose\""),
            "test.toml:1:13: log_level: \"verbose\" is not a log level (expected one of trace, "
            "debug, info, warn, error, critical, off)");
  EXPECT_THAT(error_of("log_level = \"INFO\""), HasSubstr("is not a log level"));
}

TEST(ParseConfig, ReadsLogFormat) {
  EXPECT_EQ(Config{}.log_format, "text");
  EXPECT_EQ(parse_config("log_format = \"json\"", "t.toml").log_format, "json");
  EXPECT_EQ(error_of("log_format = \"xml\""),
            "test.toml:1:14: log_format: \"xml\" is not a log format (expected one of text, json)");
}

TEST(ApplyOverrides, LogFormatIsCheckedAndApplied) {
  Overrides o;
  o.log_format = "json";
  EXPECT_EQ(apply_overrides(Config{}, o).log_format, "json");
  o.log_format = "yaml";
  EXPECT_THROW(apply_overrides(Config{}, o), ConfigError);
}

TEST(ParseConfigErrors, BadPersistenceChoicesListTheAccepted) {
  EXPECT_EQ(error_of("[persistence]\nsync = \"sometimes\""),
            "test.toml:2:8: persistence.sync: \"sometimes\" is not a sync mode (expected one of batch, always, "
            "none)");
  EXPECT_THAT(error_of("[persistence]\non_corruption = \"ignore\""), HasSubstr("is not a corruption action"));
  EXPECT_THAT(error_of("[persistence]\ndir = \"\""), HasSubstr("persistence.dir: the directory must not be empty"));
  EXPECT_THAT(error_of("[persistence]\nbatch_max_writes = 0"), HasSubstr("out of range"));
  EXPECT_THAT(error_of("[limits]\nqueue_overflow = \"block\""), HasSubstr("is not a queue overflow policy"));
}

TEST(ParseConfigErrors, BadBindAddressesAreRejected) {
  for (const char* bind :
       {"", "[::1]", "1.2.3.400", "::g", "host name", "-host", "a..b", "ho_st"}) {
    const std::string e = error_of("[listener]\nbind = \"" + std::string(bind) + "\"\n");
    EXPECT_THAT(e, StartsWith("test.toml:2:8: listener.bind: ")) << bind;
  }
}

TEST(ParseConfigErrors, EveryMistakeIsReportedInFileOrder) {
  const std::string e = error_of(R"([limits]
maximum_qos = 7
receive_maximum = 0
[listener]
port = 0
)");
  EXPECT_EQ(e,
            "test.toml:2:15: limits.maximum_qos: 7 is out of range [0, 2]\n"
            "test.toml:3:19: limits.receive_maximum: 0 is out of range [1, 65535]\n"
            "test.toml:5:8: listener.port: 0 is out of range [1, 65535]");
}

TEST(ParseConfigErrors, ManyMistakesAreCappedInTheMessage) {
  std::string text = "[limits]\n";
  for (int i = 0; i < 30; ++i) text += "unknown_" + std::to_string(i) + " = 1\n";
  const std::string e = error_of(text);
  EXPECT_THAT(e, HasSubstr("test.toml: 10 more errors not shown"));
}

TEST(ParseConfigErrors, QuotedKeysWithControlCharactersStayOnOneLine) {
  const std::string e = error_of("\"evil\\nkey\" = 1\n");
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_THAT(e, StartsWith("test.toml:1:1: \"evil\\nkey\": unknown key or table"));
}

TEST(LoadConfigFile, ReadsAFile) {
  const std::string path = ::testing::TempDir() + "pregon_config_test.toml";
  {
    std::ofstream out(path);
    out << "[listener]\nport = 2883\n";
  }
  const Config c = load_config_file(path);
  EXPECT_EQ(c.listener.port, 2883);
  EXPECT_EQ(c.source, path);
  std::remove(path.c_str());
}

TEST(LoadConfigFile, NamesTheFileInErrors) {
  const std::string path = ::testing::TempDir() + "pregon_config_test_bad.toml";
  {
    std::ofstream out(path);
    out << "[listener]\nport = 0\n";
  }
  try {
    load_config_file(path);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2:8: listener.port: 0 is out of range [1, 65535]");
  }
  std::remove(path.c_str());
}

TEST(LoadConfigFile, MissingFileOrDirectoryIsAConfigError) {
  EXPECT_THROW(load_config_file("/nonexistent/pregon.toml"), ConfigError);
  try {
    load_config_file("/nonexistent/pregon.toml");
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/pregon.toml: cannot open: "));
  }
  EXPECT_THROW(load_config_file(::testing::TempDir()), ConfigError);
}

// pregon.toml.example at the repository root documents every key at its default; this keeps it
// parseable and in step with the defaults. Found from this file's path, two folders up.
TEST(ExampleFile, ParsesToTheDefaultsAndNamesEveryKey) {
  std::string root = __FILE__;
  for (int i = 0; i < 3 && root.find('/') != std::string::npos; ++i) root.erase(root.rfind('/'));
  const std::string path = root + "/pregon.toml.example";
  if (!std::ifstream(path)) GTEST_SKIP() << "no " << path;
  const Config c = load_config_file(path);
  const Config d;
  EXPECT_EQ(c.threads, d.threads);
  EXPECT_EQ(c.log_level, d.log_level);
  EXPECT_EQ(c.listener.bind, d.listener.bind);
  EXPECT_EQ(c.listener.port, d.listener.port);
  EXPECT_EQ(c.limits.connect_timeout_ms, d.limits.connect_timeout_ms);
  EXPECT_EQ(c.limits.max_packet_size, d.limits.max_packet_size);
  EXPECT_EQ(c.limits.receive_maximum, d.limits.receive_maximum);
  EXPECT_EQ(c.limits.max_inflight_messages, d.limits.max_inflight_messages);
  EXPECT_EQ(c.limits.max_queued_messages, d.limits.max_queued_messages);
  EXPECT_EQ(c.limits.max_keep_alive, d.limits.max_keep_alive);
  EXPECT_EQ(c.limits.topic_alias_maximum, d.limits.topic_alias_maximum);
  EXPECT_EQ(c.limits.max_session_expiry_interval, d.limits.max_session_expiry_interval);
  EXPECT_EQ(c.limits.output_buffer_bytes, d.limits.output_buffer_bytes);
  EXPECT_EQ(c.limits.retain_available, d.limits.retain_available);
  EXPECT_EQ(c.limits.maximum_qos, d.limits.maximum_qos);
  EXPECT_EQ(c.limits.max_connections, d.limits.max_connections);
  EXPECT_EQ(c.limits.max_client_id_length, d.limits.max_client_id_length);
  EXPECT_EQ(c.limits.max_topic_length, d.limits.max_topic_length);
  EXPECT_EQ(c.limits.max_topic_levels, d.limits.max_topic_levels);
  EXPECT_EQ(c.limits.max_subscriptions_per_client, d.limits.max_subscriptions_per_client);
  EXPECT_EQ(c.limits.max_publish_rate, d.limits.max_publish_rate);
  EXPECT_EQ(c.limits.max_publish_bytes_rate, d.limits.max_publish_bytes_rate);
  EXPECT_EQ(c.limits.max_accept_rate, d.limits.max_accept_rate);
  EXPECT_EQ(c.limits.max_queued_bytes, d.limits.max_queued_bytes);
  EXPECT_EQ(c.limits.max_total_queued_bytes, d.limits.max_total_queued_bytes);
  EXPECT_EQ(c.limits.queue_overflow, d.limits.queue_overflow);
  EXPECT_EQ(c.limits.max_spilled_messages, d.limits.max_spilled_messages);
  EXPECT_EQ(c.limits.max_retained_messages, d.limits.max_retained_messages);
  EXPECT_EQ(c.limits.max_retained_bytes, d.limits.max_retained_bytes);
  EXPECT_EQ(c.persistence.enabled, d.persistence.enabled);
  EXPECT_EQ(c.persistence.dir, d.persistence.dir);
  EXPECT_EQ(c.persistence.sync, d.persistence.sync);
  EXPECT_EQ(c.persistence.batch_window_us, d.persistence.batch_window_us);
  EXPECT_EQ(c.persistence.batch_max_writes, d.persistence.batch_max_writes);
  EXPECT_EQ(c.persistence.on_corruption, d.persistence.on_corruption);
  EXPECT_EQ(c.sys_interval, d.sys_interval);
  EXPECT_EQ(c.http.enabled, d.http.enabled);
  EXPECT_EQ(c.http.bind, d.http.bind);
  EXPECT_EQ(c.http.port, d.http.port);
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key : {"threads", "log_level", "bind", "port", "connect_timeout_ms",
                          "max_packet_size", "receive_maximum", "max_inflight_messages",
                          "max_queued_messages", "max_keep_alive", "topic_alias_maximum",
                          "max_session_expiry_interval", "output_buffer_bytes", "retain_available",
                          "maximum_qos", "max_queued_bytes", "max_total_queued_bytes", "queue_overflow", "max_spilled_messages",
                          "max_retained_messages", "max_retained_bytes", "max_connections", "max_client_id_length",
                          "max_topic_length", "max_topic_levels", "max_subscriptions_per_client", "max_publish_rate",
                          "max_publish_bytes_rate", "max_accept_rate", "enabled", "dir", "sync", "batch_window_us", "batch_max_writes",
                          "on_corruption", "sys_interval"}) {
    // Built with += rather than "\n" + std::string(...): GCC 12 -O3 warns falsely (-Wrestrict).
    std::string line = "\n";
    line += key;
    line += " = ";
    EXPECT_NE(text.find(line), std::string::npos) << key;
  }
}

TEST(ParseConfig, ReadsTheAuthKeys) {
  const Config c = parse_config(R"(
[listener]
allow_anonymous = false

[auth]
password_file = "/etc/pregon/passwd"
acl_file = "/etc/pregon/acl"
jwt_algorithm = "ES256"
jwt_key_file = "/etc/pregon/jwt.pem"
jwt_username_claim = "device"
jwt_leeway_s = 30
)",
                                "auth.toml");
  EXPECT_EQ(c.listener.allow_anonymous, false);
  EXPECT_EQ(c.auth.password_file, "/etc/pregon/passwd");
  EXPECT_EQ(c.auth.acl_file, "/etc/pregon/acl");
  EXPECT_EQ(c.auth.jwt_algorithm, "ES256");
  EXPECT_EQ(c.auth.jwt_key_file, "/etc/pregon/jwt.pem");
  EXPECT_EQ(c.auth.jwt_username_claim, "device");
  EXPECT_EQ(c.auth.jwt_leeway_s, 30u);
  EXPECT_THAT(error_of("[auth]\njwt_algorithm = \"none\""), HasSubstr("is not a JWT algorithm"));
  EXPECT_THAT(error_of("[listener]\nallow_anonymous = \"yes\""), HasSubstr("expected a boolean"));
}

TEST(AllowAnonymous, DefaultsToTrueOnlyOnLoopback) {
  Config c;
  EXPECT_TRUE(allow_anonymous(c.listener));  // 127.0.0.1
  c.listener.bind = "::1";
  EXPECT_TRUE(allow_anonymous(c.listener));
  c.listener.bind = "0.0.0.0";
  EXPECT_FALSE(allow_anonymous(c.listener));
  c.listener.bind = "192.168.1.10";
  EXPECT_FALSE(allow_anonymous(c.listener));
  c.listener.allow_anonymous = true;
  EXPECT_TRUE(allow_anonymous(c.listener));
  c.listener.bind = "127.0.0.1";
  c.listener.allow_anonymous = false;
  EXPECT_FALSE(allow_anonymous(c.listener));
}

TEST(ParseConfig, ListenersTablesAddListenersWithTheirOwnTls) {
  const Config c = parse_config(R"(
[listener]
port = 1884
max_connections = 10

[[listeners]]
bind = "0.0.0.0"
port = 8883
tls_cert_file = "server.pem"
tls_key_file = "server.key"
tls_ca_file = "ca.pem"
tls_client_certificates = "required"
tls_min_version = "1.3"
tls_identity_as_username = true

[[listeners]]
port = 1885
allow_anonymous = false
)",
                                "test.toml");
  EXPECT_EQ(c.listener.port, 1884);
  EXPECT_EQ(c.listener.max_connections, 10u);
  EXPECT_TRUE(c.listener.tls.cert_file.empty());
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].bind, "0.0.0.0");
  EXPECT_EQ(c.listeners[0].port, 8883);
  EXPECT_EQ(c.listeners[0].tls.cert_file, "server.pem");
  EXPECT_EQ(c.listeners[0].tls.key_file, "server.key");
  EXPECT_EQ(c.listeners[0].tls.ca_file, "ca.pem");
  EXPECT_EQ(c.listeners[0].tls.client_certificates, "required");
  EXPECT_EQ(c.listeners[0].tls.min_version, "1.3");
  EXPECT_TRUE(c.listeners[0].tls.identity_as_username);
  EXPECT_EQ(c.listeners[1].port, 1885);
  EXPECT_EQ(c.listeners[1].allow_anonymous, false);
  EXPECT_EQ(c.listeners[1].tls.client_certificates, "none");
  EXPECT_EQ(all_listeners(c).size(), 3u);
}

TEST(ParseConfig, UnixSocketAndProxyProtocolListeners) {
  const Config c = parse_config(R"(
[[listeners]]
unix_socket = "/run/pregon/mqtt.sock"

[[listeners]]
bind = "0.0.0.0"
port = 1884
proxy_protocol = true
)",
                                "test.toml");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].unix_socket, "/run/pregon/mqtt.sock");
  EXPECT_TRUE(allow_anonymous(c.listeners[0]));  // local processes only
  EXPECT_FALSE(c.listeners[0].proxy_protocol);
  EXPECT_TRUE(c.listeners[1].proxy_protocol);
  EXPECT_FALSE(allow_anonymous(c.listeners[1]));
  EXPECT_FALSE(c.listener.proxy_protocol);
}

TEST(ParseConfigErrors, TlsSettingsNeedACertificate) {
  EXPECT_EQ(error_of("[[listeners]]\nport = 8883\ntls_key_file = \"server.key\"\n"),
            "test.toml:3:16: listeners[0].tls_key_file: set without tls_cert_file (a listener speaks TLS only "
            "with a certificate)");
  EXPECT_THAT(error_of("[listener]\ntls_client_certificates = \"required\""), HasSubstr("set without tls_cert_file"));
}

TEST(ParseConfigErrors, UnixSocketPathMustFit) {
  EXPECT_THAT(error_of("[listener]\nunix_socket = \"/" + std::string(120, 'a') + "\""),
              HasSubstr("is longer than a Unix socket path may be (107 bytes)"));
  EXPECT_THAT(error_of("[listener]\nunix_socket = \"\""), HasSubstr("must not be empty"));
  EXPECT_THAT(error_of("[listener]\nproxy_protocol = \"yes\""), HasSubstr("a boolean"));
}

TEST(ParseConfigErrors, ListenerKeysAreCheckedInEveryListenersEntry) {
  EXPECT_EQ(error_of("[[listeners]]\nport = 8883\n[[listeners]]\ntls_min_version = \"1.1\"\n"),
            "test.toml:4:19: listeners[1].tls_min_version: \"1.1\" is not a TLS version (expected one of 1.2, 1.3)");
  EXPECT_THAT(error_of("[listener]\ntls_client_certificates = \"maybe\""), HasSubstr("is not a client certificate mode"));
  EXPECT_THAT(error_of("listeners = 3"), HasSubstr("expected an array of tables"));
}

TEST(ParseConfig, WebSocketListener) {
  const Config c = parse_config(R"(
[[listeners]]
port = 8080
protocol = "websocket"

[[listeners]]
port = 8081
protocol = "websocket"
websocket_path = "/ws/mqtt"
tls_cert_file = "server.pem"
tls_key_file = "server.key"
)",
                                "test.toml");
  EXPECT_EQ(c.listener.protocol, "mqtt");
  EXPECT_EQ(c.listener.websocket_path, "/mqtt");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].protocol, "websocket");
  EXPECT_EQ(c.listeners[0].websocket_path, "/mqtt");
  EXPECT_EQ(c.listeners[1].websocket_path, "/ws/mqtt");
  EXPECT_EQ(c.listeners[1].tls.cert_file, "server.pem");
}

TEST(ParseConfigErrors, WebSocketSettingsAreChecked) {
  EXPECT_EQ(error_of("[listener]\nprotocol = \"ws\"\n"),
            "test.toml:2:12: listener.protocol: \"ws\" is not a listener protocol (expected one of mqtt, websocket)");
  EXPECT_THAT(error_of("[[listeners]]\nwebsocket_path = \"mqtt\"\n"),
              HasSubstr("listeners[0].websocket_path: \"mqtt\" must start with '/'"));
  EXPECT_THAT(error_of("[listener]\nwebsocket_path = \"/a b\"\n"), HasSubstr("must be visible ASCII"));
  EXPECT_THAT(error_of("[listener]\nwebsocket_path = \"/a?b=1\"\n"), HasSubstr("without '?' or '#'"));
  EXPECT_THAT(error_of("[listener]\nprotocol = 1\n"), HasSubstr("listener.protocol: expected a string"));
  EXPECT_EQ(error_of("[[listeners]]\nport = 8080\nwebsocket_path = \"/ws\"\n"),
            "test.toml:3:18: listeners[0].websocket_path: set on a listener whose protocol is not \"websocket\"");
}

TEST(EffectiveThreads, ZeroMeansOnePerCore) {
  Config c;
  c.threads = 0;
  EXPECT_GE(effective_threads(c), 1u);
  c.threads = 7;
  EXPECT_EQ(effective_threads(c), 7u);
}

TEST(ApplyOverrides, ReplacesOnlyWhatIsGiven) {
  Config base = parse_config("threads = 2\n[listener]\nport = 1884\n", "t.toml");
  Overrides o;
  o.bind = "0.0.0.0";
  o.log_level = "warn";
  const Config c = apply_overrides(base, o);
  EXPECT_EQ(c.listener.bind, "0.0.0.0");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.listener.port, 1884);
  EXPECT_EQ(c.threads, 2u);
  o.port = 1999;
  o.threads = 0;
  const Config d = apply_overrides(base, o);
  EXPECT_EQ(d.listener.port, 1999);
  EXPECT_EQ(d.threads, 0u);
  o.data_dir = "/srv/pregon";
  o.no_persistence = true;
  const Config e = apply_overrides(base, o);
  EXPECT_EQ(e.persistence.dir, "/srv/pregon");
  EXPECT_FALSE(e.persistence.enabled);
}

TEST(ApplyOverrides, ValidatesLikeTheFile) {
  auto error = [](const Overrides& o) -> std::string {
    try {
      apply_overrides(Config{}, o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error({.port = 0}), "--port: 0 is out of range [1, 65535]");
  EXPECT_EQ(error({.threads = 5000}), "--threads: 5000 is out of range [0, 1024]");
  EXPECT_THAT(error({.bind = "[::1]"}), StartsWith("--bind: "));
  EXPECT_THAT(error({.log_level = "loud"}), StartsWith("--log-level: \"loud\" is not a log level"));
  EXPECT_EQ(error({.data_dir = ""}), "--data-dir: the directory must not be empty");
}

TEST(ConfigDefaults, HttpOnLoopbackWithoutCredentialsAndSysEveryTenSeconds) {
  const Config c;
  EXPECT_TRUE(c.http.enabled);
  EXPECT_EQ(c.http.bind, "127.0.0.1");
  EXPECT_EQ(c.http.port, 18083);
  EXPECT_EQ(c.http.username, "");
  EXPECT_EQ(c.http.password, "");
  EXPECT_EQ(c.http.token, "");
  EXPECT_EQ(c.sys_interval, 10u);
}

TEST(ParseConfig, ReadsTheHttpKeysAndSysInterval) {
  const Config c = parse_config(R"(
sys_interval = 0
[http]
enabled = false
bind = "::1"
port = 8080
username = "admin"
password = "secret"
token = "t0ken"
)", "test.toml");
  EXPECT_EQ(c.sys_interval, 0u);
  EXPECT_FALSE(c.http.enabled);
  EXPECT_EQ(c.http.bind, "::1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.username, "admin");
  EXPECT_EQ(c.http.password, "secret");
  EXPECT_EQ(c.http.token, "t0ken");
}

TEST(ParseConfigErrors, HttpAndSysIntervalValuesAreChecked) {
  EXPECT_THAT(error_of("sys_interval = 86401\n"), HasSubstr("test.toml:1:16: sys_interval: 86401 is out of range [0, 86400]"));
  EXPECT_THAT(error_of("[http]\nport = 0\n"), HasSubstr("http.port: 0 is out of range [1, 65535]"));
  EXPECT_THAT(error_of("[http]\nbind = \"\"\n"), HasSubstr("http.bind: "));
  EXPECT_THAT(error_of("[http]\ntoken = \"\"\n"), HasSubstr("http.token: must not be empty"));
  EXPECT_THAT(error_of("[http]\nusername = \"a:b\"\npassword = \"p\"\n"), HasSubstr("http.username: must not contain ':'"));
  EXPECT_THAT(error_of("[http]\npassword = \"p\\u0001\"\nusername = \"u\"\n"),
              HasSubstr("http.password: must not contain control characters"));
  EXPECT_THAT(error_of("[http]\nusername = \"admin\"\n"),
              HasSubstr("test.toml:1:1: http: username and password must be set together"));
  EXPECT_THAT(error_of("[http]\nenabled = 1\n"), HasSubstr("http.enabled: expected a boolean"));
}

TEST(ApplyOverrides, HttpPortIsCheckedAndApplied) {
  EXPECT_EQ(apply_overrides(Config{}, {.http_port = 9000}).http.port, 9000);
  try {
    apply_overrides(Config{}, {.http_port = 70000});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--http-port: 70000 is out of range [1, 65535]");
  }
}

}  // namespace
}  // namespace pregon::config
