// What parsing a tool's command line ends in when it does not produce settings: help was asked for
// (exit 0, text for stdout) or the options are wrong (exit 1, one line for stderr). Pure data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/expected.hpp"

namespace CLI {
class App;
}

namespace pregon::client {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;

struct ParseStop {
  int exit_code = kExitFailure;
  std::string text;  // help text, or an error message without "Error: "
};

template <class T>
using ParseResult = base::Expected<T, ParseStop>;

// argv[1..argc) as strings, the form the parsers take.
inline std::vector<std::string> arguments_of(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

// Runs `app` over `args` (without the program name). Help and CLI11's errors become a ParseStop.
base::Expected<void, ParseStop> parse_with(CLI::App& app, const std::vector<std::string>& args);

// Creates the application object both tools start from: CLI11's -h is given up to --help because
// -h is the host, as in the other command-line MQTT clients.
void prepare_app(CLI::App& app);

}  // namespace pregon::client
