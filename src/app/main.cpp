// pregon: the broker, and its tools as subcommands (`pregon pub`, `pregon sub`, `pregon bench`,
// `pregon passwd`, `pregon check-config`).
#include <string>
#include <string_view>

#include "app/broker_command.hpp"
#include "app/check_config_command.hpp"
#include "app/passwd_command.hpp"
#include "bench/bench_command.hpp"
#include "client/pub_command.hpp"
#include "client/sub_command.hpp"

int main(int argc, char** argv) {
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "pub" || first == "sub" || first == "bench" || first == "passwd" ||
      first == "check-config") {
    // The subcommand sees itself as argv[0], named as the user typed it.
    std::string name = "pregon " + std::string(first);
    argv[1] = name.data();
    if (first == "pub") return pregon::client::run_pub(argc - 1, argv + 1);
    if (first == "sub") return pregon::client::run_sub(argc - 1, argv + 1);
    if (first == "passwd") return pregon::app::run_passwd(argc - 1, argv + 1);
    if (first == "check-config") return pregon::app::run_check_config(argc - 1, argv + 1);
    return pregon::bench::run_bench(argc - 1, argv + 1);
  }
  return pregon::app::run_broker(argc, argv);
}
