#include "app/broker_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "app/version.hpp"
#include "config/config.hpp"
#include "net/server.hpp"
#include "net/stop_signals.hpp"

namespace pregon::app {

namespace {

struct Flags {
  std::string config_file;
  std::optional<uint16_t> port;
  std::optional<std::string> bind;
  std::optional<unsigned> threads;
  std::optional<std::string> log_level;
};

config::Config load(const Flags& f) {
  config::Config c = f.config_file.empty() ? config::Config{} : config::load_config_file(f.config_file);
  if (f.port) c.listener.port = *f.port;
  if (f.bind) c.listener.bind = *f.bind;
  if (f.threads) c.threads = *f.threads;
  if (f.log_level) c.log_level = *f.log_level;
  return c;
}

void set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("pregon");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int run_broker(int argc, char** argv) {
  CLI::App cli{"pregon: an MQTT 3.1, 3.1.1 and 5.0 broker.\n"
               "Subcommands: `pregon pub --help`, `pregon sub --help`.",
               "pregon"};
  Flags flags;
  cli.add_option("-c,--config", flags.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  cli.add_option("-p,--port", flags.port, "listener port (overrides the file)");
  cli.add_option("-b,--bind", flags.bind, "listener address (overrides the file)");
  cli.add_option("-t,--threads", flags.threads, "event-loop threads, 0 = one per core (overrides the file)");
  cli.add_option("-l,--log-level", flags.log_level, "trace, debug, info, warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cli.set_version_flag("-V,--version", std::string(kVersion));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  config::Config config;
  try {
    config = load(flags);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "pregon: configuration error: {}\n", e.what());
    return 1;
  }
  set_up_logging(config.log_level);

  try {
    net::StopSignals signals;
    net::Server server(config);
    spdlog::info("pregon {} listening on {}:{} with {} event-loop threads", kVersion, config.listener.bind,
                 server.port(), server.thread_count());
    spdlog::warn("anonymous access: any client may connect (authentication is not configured)");
    server.run(&signals);
    spdlog::info("pregon stopped");
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 2;
  }
  return 0;
}

}  // namespace pregon::app
