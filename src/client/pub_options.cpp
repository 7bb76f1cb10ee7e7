#include "client/pub_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "routing/topic.hpp"

namespace pregon::client {
namespace {

base::Unexpected<ParseStop> usage_error(std::string message) {
  return base::unexpected(ParseStop{kExitFailure, std::move(message)});
}

}  // namespace

ParseResult<PubSettings> parse_pub_options(const std::vector<std::string>& args) {
  CLI::App app{"Publish MQTT messages.", "pregon pub"};
  prepare_app(app);
  CommonOptions common;
  add_common_options(app, common);

  std::string topic;
  std::optional<std::string> message;
  std::optional<std::string> file;
  bool lines = false;
  bool whole_stdin = false;
  bool null_message = false;
  bool retain = false;
  int repeat = 1;
  double repeat_delay = 0.0;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::optional<std::string> content_type;
  std::optional<int64_t> message_expiry;

  app.add_option("-t,--topic", topic, "Topic to publish to")->required();
  app.add_option_function<std::string>(
      "-m,--message", [&](const std::string& v) { message = v; }, "Send this message");
  app.add_option_function<std::string>(
      "-f,--file", [&](const std::string& v) { file = v; }, "Send the contents of this file as one message");
  app.add_flag("-l,--stdin-line", lines, "Send each line read from stdin as a message");
  app.add_flag("-s,--stdin-file", whole_stdin, "Send all of stdin as one message");
  app.add_flag("-n,--null-message", null_message, "Send an empty (zero-length) message");
  app.add_flag("-r,--retain", retain, "Ask the broker to retain the message");
  app.add_option("--repeat", repeat, "Send the message this many times (not with -l)");
  app.add_option("--repeat-delay", repeat_delay, "Seconds to wait between repeats (fractions allowed)");
  app.add_option_function<std::string>(
      "-e,--response-topic", [&](const std::string& v) { response_topic = v; }, "MQTT 5.0 Response Topic");
  app.add_option_function<std::string>(
      "--correlation-data", [&](const std::string& v) { correlation_data = v; }, "MQTT 5.0 Correlation Data");
  app.add_option_function<std::string>(
      "--content-type", [&](const std::string& v) { content_type = v; }, "MQTT 5.0 Content Type");
  app.add_option_function<int64_t>(
      "--message-expiry", [&](int64_t v) { message_expiry = v; }, "MQTT 5.0 Message Expiry Interval in seconds");

  if (auto parsed = parse_with(app, args); !parsed) return base::unexpected(parsed.error());

  auto validated = validate_common(common, "pub");
  if (!validated) return usage_error(validated.error());
  PubSettings s;
  s.common = std::move(*validated);

  // [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1]): no wildcards in a Topic Name; checked here so that the
  // user hears why rather than seeing the broker drop the connection.
  if (!routing::valid_topic_name(topic)) {
    return usage_error(
        fmt::format("Invalid topic '{}': a topic to publish to is not empty and holds no '+' or '#'", topic));
  }
  s.topic = topic;

  const int sources =
      (message ? 1 : 0) + (file ? 1 : 0) + (lines ? 1 : 0) + (whole_stdin ? 1 : 0) + (null_message ? 1 : 0);
  if (sources != 1) return usage_error("Give exactly one of -m, -f, -l, -s or -n");
  if (message) {
    s.source = PayloadSource::Message;
    s.message = *message;
  } else if (file) {
    s.source = PayloadSource::File;
    s.file = *file;
  } else if (lines) {
    s.source = PayloadSource::StdinLines;
  } else if (whole_stdin) {
    s.source = PayloadSource::StdinWhole;
  } else {
    s.source = PayloadSource::Null;
  }

  if (repeat < 1) return usage_error(fmt::format("Invalid --repeat {} (use 1 or more)", repeat));
  if (repeat > 1 && lines) return usage_error("--repeat cannot be used with -l");
  if (!(repeat_delay >= 0.0)) return usage_error("Invalid --repeat-delay (use 0 or more seconds)");
  s.repeat = repeat;
  s.repeat_delay = repeat_delay;
  s.retain = retain;

  const bool v5 = protocol::is_v5(s.common.connect.version);
  if ((response_topic || correlation_data || content_type || message_expiry) && !v5) {
    return usage_error("-e, --correlation-data, --content-type and --message-expiry need MQTT 5.0 (-V 5)");
  }
  if (response_topic && !routing::valid_topic_name(*response_topic)) {
    // The Response Topic is a Topic Name and so holds no wildcards [MQTT-3.3.2-14].
    return usage_error(fmt::format("Invalid response topic '{}'", *response_topic));
  }
  if (message_expiry && (*message_expiry < 0 || *message_expiry > 0xFFFF'FFFFLL)) {
    return usage_error("Invalid --message-expiry (use 0 to 4294967295 seconds)");
  }
  s.response_topic = response_topic;
  s.correlation_data = correlation_data;
  s.content_type = content_type;
  if (message_expiry) s.message_expiry_interval = static_cast<uint32_t>(*message_expiry);
  return s;
}

}  // namespace pregon::client
