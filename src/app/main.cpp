// pregon: the broker, and its client tools as subcommands (`pregon pub`, `pregon sub`).
#include <cstring>
#include <string>

#include "app/broker_command.hpp"
#include "client/pub_command.hpp"
#include "client/sub_command.hpp"

int main(int argc, char** argv) {
  if (argc > 1) {
    const std::string sub = argv[1];
    std::string name = "pregon " + sub;
    argv[1] = name.data();  // the subcommand sees itself as argv[0]
    if (sub == "pub") return pregon::client::run_pub(argc - 1, argv + 1);
    if (sub == "sub") return pregon::client::run_sub(argc - 1, argv + 1);
    argv[1] = const_cast<char*>(sub.c_str());
  }
  return pregon::app::run_broker(argc, argv);
}
