#include "app/broker_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>

#include "app/config_reload.hpp"
#include "app/version.hpp"
#include "config/config.hpp"
#include "net/server.hpp"
#include "net/control_signals.hpp"
#include "observability/log_format.hpp"
#include "observability/monitor.hpp"

namespace pregon::app {

int run_broker(int argc, char** argv) {
  CLI::App cli{"pregon: an MQTT 3.1, 3.1.1 and 5.0 broker.\n"
               "Subcommands: `pregon pub --help`, `pregon sub --help`, `pregon bench --help`,\n"
               "`pregon passwd`, `pregon check-config FILE`.",
               "pregon"};
  std::string config_file;
  config::Overrides overrides;
  cli.add_option("-c,--config", config_file, "TOML configuration file (see docs/configuration.md)");
  cli.add_option("-p,--port", overrides.port, "listener port (overrides the file)");
  cli.add_option("-b,--bind", overrides.bind, "listener address (overrides the file)");
  cli.add_option("-t,--threads", overrides.threads, "event-loop threads, 0 = one per core (overrides the file)");
  cli.add_option("-l,--log-level", overrides.log_level, "trace, debug, info, warn, error, critical, off");
  cli.add_option("--log-format", overrides.log_format, "text, or json (one object per line)");
  cli.add_option("-d,--data-dir", overrides.data_dir, "persistence directory (overrides the file)");
  cli.add_flag("--no-persistence", overrides.no_persistence, "keep everything in memory only (overrides the file)");
  cli.add_option("--http-port", overrides.http_port, "monitoring HTTP port (overrides the file)");
  cli.set_version_flag("-V,--version", std::string(kVersion));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  config::Config config;
  try {
    config = config::apply_overrides(
        config_file.empty() ? config::Config{} : config::load_config_file(config_file), overrides);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "pregon: configuration error: {}\n", e.what());
    return 1;
  }
  observability::configure_logging(spdlog::level::from_str(config.log_level), config.log_format);

  try {
    spdlog::info("pregon {} starting", kVersion);
    net::ControlSignals signals;
    net::Server server(config);
    observability::Monitor monitor(config, server.router(), server.state(), std::string(kVersion));
    for (const config::Listener& l : config::all_listeners(config)) {
      if (!config::allow_anonymous(l)) continue;
      spdlog::warn("anonymous access on {}:{}: clients that do not authenticate may connect{}", l.bind, l.port,
                   config.auth.password_file.empty() ? " (no password file is configured)" : "");
    }
    ConfigReload reload(config_file, overrides, config);
    server.run(&signals, [&] { reload.reload(server); });
    spdlog::info("pregon stopped");
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 2;
  }
  return 0;
}

}  // namespace pregon::app
