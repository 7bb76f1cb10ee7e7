// The command line of `pregon bench`: which scenario to run against which broker, and how hard.
// Pure: parse_bench_options() reads nothing but its arguments. Not thread-safe; used once at
// start-up, after which the BenchOptions are shared read-only by every generator thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/expected.hpp"
#include "protocol/version.hpp"
#include "transport/transport_options.hpp"

namespace pregon::bench {

enum class Scenario {
  Conn,    // open many idle connections, measure how fast they are accepted
  Pairs,   // N publisher/subscriber pairs, one topic per pair
  FanIn,   // N publishers on their own topics, one subscriber to all of them by wildcard
  FanOut,  // one publisher, N subscribers to its topic
};

const char* scenario_name(Scenario s);

// The smallest payload: an 8-byte timestamp and an 8-byte sequence word (see payload.hpp).
inline constexpr uint32_t kMinPayloadSize = 16;

struct BenchOptions {
  Scenario scenario = Scenario::Pairs;
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: not given, 1883 (8883 with TLS)
  protocol::ProtocolVersion version = protocol::ProtocolVersion::V311;
  protocol::QoS qos = protocol::QoS::AtMostOnce;
  uint32_t size = 64;
  uint32_t clients = 0;  // after parsing: the scenario's default when not given
  double duration_s = 10;
  double warmup_s = 2;
  uint64_t rate = 0;     // total messages/s; 0 = max-rate (closed loop, bounded by window)
  uint32_t window = 64;  // max-rate mode: outstanding deliveries per publisher; 0 = unbounded
  uint32_t connect_rate = 2000;
  double hold_s = 5;
  uint32_t sources = 0;  // after parsing: at least 1 (automatic when not given)
  uint32_t threads = 1;
  std::string topic_prefix = "bench/";
  // Subscribers keep their session (see kPersistentSessionExpiry), so a broker with persistence
  // must store their QoS 1/2 messages before acknowledging them; publishers stay clean.
  bool persistent = false;
  bool json = false;
  // TLS, WebSocket or both (WSS) for every connection; plain TCP by default.
  transport::TransportOptions transport;
  // Hidden self-test: run a null sink in-process and publish into it (see null_sink.hpp).
  bool null_sink = false;
};

struct OptionsStop {
  int exit_code = 1;  // 0 for --help
  std::string text;   // help text, or the error message
};

// The default -n of a scenario.
uint32_t default_clients(Scenario s);

// --persistent, 5.0: the Session Expiry Interval (seconds) of the subscribers' CONNECT. Long enough
// for any run; the DISCONNECT at the end sets it to 0 so that nothing outlives the run.
inline constexpr uint32_t kPersistentSessionExpiry = 3600;

// Connections one source address can open to one destination port (the ephemeral port range).
inline constexpr uint32_t kConnectionsPerSource = 28000;

// `args` excludes the program name. Fills scenario defaults and checks ranges.
base::Expected<BenchOptions, OptionsStop> parse_bench_options(const std::vector<std::string>& args);

}  // namespace pregon::bench
