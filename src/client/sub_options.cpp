#include "client/sub_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "routing/topic.hpp"

namespace pregon::client {
namespace {

base::Unexpected<ParseStop> usage_error(std::string message) {
  return base::unexpected(ParseStop{kExitFailure, std::move(message)});
}

}  // namespace

ParseResult<SubSettings> parse_sub_options(const std::vector<std::string>& args) {
  CLI::App app{"Subscribe to MQTT topics and print the messages received.", "pregon sub"};
  prepare_app(app);
  CommonOptions common;
  add_common_options(app, common);

  SubSettings s;
  std::optional<int> retain_handling;
  app.add_option("-t,--topic", s.filters, "Topic filter to subscribe to (repeatable)");
  app.add_option("-T,--filter-out", s.filter_out, "Do not print topics matching this filter (repeatable)");
  app.add_flag("-v,--verbose", s.verbose, "Print \"topic payload\" instead of the payload alone");
  app.add_option_function<std::string>(
      "-F", [&](const std::string& v) { s.format = v; }, "Output format (see docs/client-tools.md)");
  app.add_flag("-N", s.no_newline, "Do not print a newline after each message");
  app.add_option("-C,--count", s.count, "Exit after printing this many messages");
  app.add_option("-W,--timeout", s.timeout_seconds, "Exit with status 27 this many seconds after connecting");
  app.add_flag("-R,--no-retained", s.no_retained, "Do not print retained (stale) messages");
  app.add_flag("--retained-only", s.retained_only, "Print retained messages only; exit at the first fresh one");
  app.add_flag("-E,--exit-after-subscribe", s.exit_after_subscribe, "Exit once the subscriptions are acknowledged");
  app.add_flag("--nl,--no-local", s.options.no_local, "MQTT 5.0: do not receive our own publications");
  app.add_flag("--rap,--retain-as-published", s.options.retain_as_published,
               "MQTT 5.0: keep the retain flag as the publisher set it");
  app.add_option_function<int>(
      "--rh,--retain-handling", [&](int v) { retain_handling = v; },
      "MQTT 5.0 retain handling: 0 send, 1 send if new, 2 do not send");

  if (auto parsed = parse_with(app, args); !parsed) return base::unexpected(parsed.error());

  auto validated = validate_common(common, "sub");
  if (!validated) return usage_error(validated.error());
  s.common = std::move(*validated);
  s.options.max_qos = s.common.qos;

  if (s.filters.empty()) return usage_error("Give at least one topic filter with -t");
  for (const std::string& f : s.filters) {
    if (!routing::valid_topic_filter(f)) return usage_error(fmt::format("Invalid topic filter '{}'", f));
  }
  for (const std::string& f : s.filter_out) {
    if (!routing::valid_topic_filter(f)) return usage_error(fmt::format("Invalid -T topic filter '{}'", f));
  }
  if (s.count < 0) return usage_error(fmt::format("Invalid -C {} (use 1 or more)", s.count));
  if (s.timeout_seconds < 0)
    return usage_error(fmt::format("Invalid -W {} (use 1 or more seconds)", s.timeout_seconds));
  if (s.no_retained && s.retained_only) return usage_error("-R and --retained-only cannot be used together");

  const bool v5 = protocol::is_v5(s.common.connect.version);
  if ((s.options.no_local || s.options.retain_as_published || retain_handling) && !v5) {
    return usage_error("--nl, --rap and --rh need MQTT 5.0 (-V 5)");
  }
  if (s.options.no_local) {
    for (const std::string& f : s.filters) {
      // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
      if (routing::is_shared_filter(f))
        return usage_error(fmt::format("--nl cannot be used with shared subscription '{}'", f));
    }
  }
  if (retain_handling) {
    // The value 3 is a Protocol Error (5.0 section 3.8.3.1).
    if (*retain_handling < 0 || *retain_handling > 2) return usage_error("Invalid --rh (use 0, 1 or 2)");
    s.options.retain_handling = static_cast<protocol::RetainHandling>(*retain_handling);
  }
  return s;
}

}  // namespace pregon::client
