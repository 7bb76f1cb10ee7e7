// libFuzzer target for the configuration parser: arbitrary bytes as TOML text. parse_config must
// either return a Config or throw ConfigError; any other exception, crash, leak or undefined
// behaviour is a finding. Accepted configs are checked against the documented ranges, so a value
// that slipped past validation is a finding too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace {

void check_ranges(const pregon::config::Config& c) {
  const pregon::config::Limits& l = c.limits;
  const bool valid = c.threads <= 1024 && c.listener.port != 0 && !c.listener.bind.empty() &&
                     l.connect_timeout_ms != 0 && l.max_packet_size >= 64 &&
                     l.max_packet_size <= 268'435'460 && l.receive_maximum != 0 &&
                     l.max_inflight_messages != 0 && l.max_keep_alive != 0 &&
                     l.output_buffer_bytes != 0 && l.maximum_qos <= 2;
  if (!valid) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_ranges(pregon::config::parse_config(text, "fuzz.toml"));
  } catch (const pregon::config::ConfigError& e) {
    // Every message starts with the source name it was given.
    if (std::string_view(e.what()).substr(0, 9) != "fuzz.toml") std::abort();
  }
  return 0;
}
