#include "app/check_config_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>

#include "broker/access.hpp"
#include "config/config.hpp"
#include "net/tls_context.hpp"

namespace pregon::app {

int run_check_config(int argc, char** argv) {
  CLI::App cli{"Check a configuration file without starting the broker.", "pregon check-config"};
  std::string file;
  cli.add_option("file", file, "TOML configuration file")->required();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 1;  // --help, or a usage error (printed by exit)
  }
  config::Config config;
  try {
    config = config::load_config_file(file);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  }
  bool ok = true;
  try {
    (void)broker::Access::load(config);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: auth: {}\n", file, e.what());
    ok = false;
  }
  const auto listeners = config::all_listeners(config);
  for (size_t i = 0; i < listeners.size(); ++i) {
    const config::Tls& tls = listeners[i].tls;
    if (tls.cert_file.empty()) continue;
    if (auto loaded = net::TlsContext::load(tls); !loaded) {
      fmt::print(stderr, "{}: {}: {}\n", file, i == 0 ? "listener" : "listeners[" + std::to_string(i - 1) + "]",
                 loaded.error());
      ok = false;
    }
  }
  if (!ok) return 1;
  fmt::print("{}: ok\n", file);
  return 0;
}

}  // namespace pregon::app
