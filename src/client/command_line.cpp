#include "client/command_line.hpp"

#include <CLI/CLI.hpp>

namespace pregon::client {

void prepare_app(CLI::App& app) {
  app.set_help_flag("--help", "Show this help and exit");
  // Options such as -t and --user-property may be given many times; positional leftovers are errors.
  app.allow_extras(false);
}

base::Expected<void, ParseStop> parse_with(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return base::unexpected(ParseStop{kExitSuccess, app.help()});
  } catch (const CLI::ParseError& e) {
    return base::unexpected(ParseStop{kExitFailure, e.what()});
  }
  return {};
}

}  // namespace pregon::client
