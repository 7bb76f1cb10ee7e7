// ConfigReload: what SIGHUP does. Reads the configuration file the broker was started with again,
// with the same command-line overrides; keeps what a running broker can change
// (config::plan_reload); hands it to the server (limits, auth files, certificates) and to logging
// (level, format); and logs one line per setting: "reloaded: <key> <before> -> <after>", or a
// warning that a changed setting needs a restart. A file that does not parse or validate, or auth
// files that do not load, change nothing: the error is logged and the broker runs on as before.
//
// Ownership: holds the running configuration. Thread-safety: call reload() from one thread (the
// server's run() thread, through its on_hangup).
#pragma once

#include <string>
#include <utility>

#include "config/config.hpp"

namespace pregon::net {
class Server;
}

namespace pregon::app {

class ConfigReload {
 public:
  // `file` empty: the broker runs on defaults and flags; a reload then only reads the auth files
  // and certificates again.
  ConfigReload(std::string file, config::Overrides overrides, config::Config running)
      : file_(std::move(file)), overrides_(std::move(overrides)), running_(std::move(running)) {}

  void reload(net::Server& server);

 private:
  std::string file_;
  config::Overrides overrides_;
  config::Config running_;
};

}  // namespace pregon::app
