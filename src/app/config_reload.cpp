#include "app/config_reload.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/reload_plan.hpp"
#include "net/server.hpp"
#include "observability/log_format.hpp"

namespace pregon::app {

void ConfigReload::reload(net::Server& server) {
  config::Config loaded;
  try {
    loaded = file_.empty() ? running_ : config::apply_overrides(config::load_config_file(file_), overrides_);
  } catch (const config::ConfigError& e) {
    spdlog::error("reload on SIGHUP failed, the previous configuration stays: {}", e.what());
    return;
  }
  config::ReloadPlan plan = config::plan_reload(running_, loaded);
  if (auto done = server.reconfigure(plan.next); !done) {
    spdlog::error("reload on SIGHUP failed, the previous configuration stays: {}", done.error());
    return;
  }
  // The change lines are written at the more verbose of the two levels, so that lowering the level
  // to warn still says so, and raising it says so too.
  const auto before = spdlog::level::from_str(running_.log_level);
  const auto after = spdlog::level::from_str(plan.next.log_level);
  observability::configure_logging(std::min(before, after), plan.next.log_format);
  for (const config::SettingChange& c : plan.applied) {
    spdlog::info("reloaded: {} {} -> {}", c.key, c.before, c.after);
  }
  for (const config::SettingChange& c : plan.need_restart) {
    spdlog::warn("reload: {} changed in the file ({} -> {}) but needs a restart; it stays {}", c.key, c.before,
                 c.after, c.before);
  }
  if (plan.applied.empty() && plan.need_restart.empty()) spdlog::info("reloaded: no setting changed");
  observability::configure_logging(after, plan.next.log_format);
  running_ = std::move(plan.next);
}

}  // namespace pregon::app
