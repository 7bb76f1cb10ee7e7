// What a reload of the configuration file changes in a running broker. The file is read again
// (with the same command-line overrides); its settings are compared with the running ones, key by
// key; those a running broker can take (take_live_settings) make the next running configuration,
// the others are reported as needing a restart and keep their running values.
//
// Ownership: plain values. Thread-safety: pure functions of their arguments; any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace pregon::config {

// One setting that differs: its key path and both values as list_settings shows them. A setting
// present on one side only (a [[listeners]] entry added or removed) shows "unset" on the other.
struct SettingChange {
  std::string key;
  std::string before;
  std::string after;
};

// The settings of `after` that differ from `before`, in schema order.
std::vector<SettingChange> diff_settings(const Config& before, const Config& after);

// `running` with the settings of `loaded` that a running broker applies: log_level, log_format,
// [auth], and the limits that do not change what connected clients were told at CONNECT (see
// docs/configuration.md, "Reloading").
Config take_live_settings(const Config& running, const Config& loaded);

struct ReloadPlan {
  Config next;                               // the configuration to run with from now on
  std::vector<SettingChange> applied;        // running -> next
  std::vector<SettingChange> need_restart;   // changed in the file, kept as running
};

ReloadPlan plan_reload(const Config& running, const Config& loaded);

}  // namespace pregon::config
