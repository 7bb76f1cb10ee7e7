#include "bench/bench_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <map>

namespace pregon::bench {
namespace {

base::Unexpected<OptionsStop> usage_error(std::string message) {
  return base::unexpected(OptionsStop{1, std::move(message)});
}

}  // namespace

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::Conn: return "conn";
    case Scenario::Pairs: return "pairs";
    case Scenario::FanIn: return "fan-in";
    case Scenario::FanOut: return "fan-out";
  }
  return "?";
}

uint32_t default_clients(Scenario s) {
  switch (s) {
    case Scenario::Conn: return 10000;
    case Scenario::Pairs: return 50;
    case Scenario::FanIn: return 100;
    case Scenario::FanOut: return 500;
  }
  return 1;
}

base::Expected<BenchOptions, OptionsStop> parse_bench_options(const std::vector<std::string>& args) {
  CLI::App app{"Generate MQTT load against a broker and measure throughput, latency and loss.",
               "pregon bench"};
  // -h is the host, as in the other MQTT command-line tools; help is --help only.
  app.set_help_flag("--help", "Show this help and exit");
  app.allow_extras(false);

  BenchOptions o;
  const std::map<std::string, Scenario> scenarios{{"conn", Scenario::Conn},
                                                  {"pairs", Scenario::Pairs},
                                                  {"fan-in", Scenario::FanIn},
                                                  {"fan-out", Scenario::FanOut}};
  int protocol = 311;
  int qos = 0;
  uint32_t clients = 0;
  uint32_t sources = 0;
  app.add_option("scenario", o.scenario, "conn | pairs | fan-in | fan-out")
      ->required()
      ->transform(CLI::CheckedTransformer(scenarios, CLI::ignore_case));
  app.add_option("-h,--host", o.host, "Broker host (127.0.0.1)");
  app.add_option("-p,--port", o.port, "Broker port (1883; 8883 with TLS)");
  app.add_option("-V,--protocol", protocol, "MQTT version: 311 or 5 (311)")->check(CLI::IsMember({311, 5}));
  app.add_option("-q,--qos", qos, "QoS of publications and subscriptions (0)")->check(CLI::Range(0, 2));
  app.add_option("-s,--size", o.size, "Payload size in bytes (64; at least 16)");
  app.add_option("-n,--clients", clients,
                 "pairs: pairs (50); fan-in: publishers (100); fan-out: subscribers (500); conn: connections (10000)");
  app.add_option("-d,--duration", o.duration_s, "Measurement time in seconds (10)");
  app.add_option("--warmup", o.warmup_s, "Seconds of load before measuring (2)");
  app.add_option("-r,--rate", o.rate, "Fixed total rate in messages/s (open loop); default: max rate");
  app.add_option("-w,--window", o.window,
                 "Max-rate mode: messages a publisher may have sent and not yet had delivered (64; 0 = unbounded)");
  app.add_option("--connect-rate", o.connect_rate, "conn: connections opened per second (2000)");
  app.add_option("--hold", o.hold_s, "conn: seconds to keep the connections idle once all are up (5)");
  app.add_option("--sources", sources, "Spread connections over 127.0.0.1..127.0.0.N as source addresses");
  app.add_option("-t,--threads", o.threads, "Generator threads, each with its own event loop (1)");
  app.add_option("--topic-prefix", o.topic_prefix, "Prefix of every topic (bench/)");
  app.add_flag("--persistent", o.persistent,
               "Subscribers keep a persistent session (3.1.1: clean session 0; 5.0: Session Expiry Interval "
               "3600), so the broker must store their QoS 1/2 messages; publishers stay clean");
  app.add_flag("--json", o.json, "Print one JSON object at the end instead of the table");
  transport::add_transport_options(app, o.transport);
  app.add_flag("--null-sink", o.null_sink, "Self test: publish into an in-process sink that discards")
      ->group("");  // hidden

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return base::unexpected(OptionsStop{0, app.help()});
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  o.version = protocol == 5 ? protocol::ProtocolVersion::V5 : protocol::ProtocolVersion::V311;
  o.qos = static_cast<protocol::QoS>(qos);
  o.clients = clients != 0 ? clients : default_clients(o.scenario);
  if (o.size < kMinPayloadSize) {
    return usage_error(fmt::format("--size must be at least {} (timestamp and sequence number)", kMinPayloadSize));
  }
  if (o.size > 256 * 1024 * 1024) return usage_error("--size is larger than an MQTT packet can be");
  if (o.duration_s <= 0) return usage_error("--duration must be positive");
  if (o.warmup_s < 0) return usage_error("--warmup must not be negative");
  if (o.hold_s < 0) return usage_error("--hold must not be negative");
  if (o.threads == 0 || o.threads > 1024) return usage_error("--threads must be between 1 and 1024");
  if (o.connect_rate == 0) return usage_error("--connect-rate must be positive");
  if (o.clients > (1u << 24)) return usage_error("--clients is limited to 16777216");
  if (o.persistent && o.scenario == Scenario::Conn) {
    return usage_error("--persistent needs a scenario with subscribers (pairs, fan-in, fan-out)");
  }
  if (auto bad = transport::validate_transport(o.transport)) return usage_error(*bad);
  if (o.null_sink && !o.transport.plain()) return usage_error("--null-sink speaks plain TCP only");
  if (o.port == 0) o.port = o.transport.tls ? 8883 : 1883;
  if (sources > 254) return usage_error("--sources is limited to 254 (127.0.0.1..127.0.0.254)");
  const uint32_t connections = o.scenario == Scenario::Pairs ? 2 * o.clients : o.clients + 1;
  o.sources = sources != 0 ? sources : (connections + kConnectionsPerSource - 1) / kConnectionsPerSource;
  if (o.sources == 0) o.sources = 1;
  if (o.sources > 254) o.sources = 254;
  return o;
}

}  // namespace pregon::bench
