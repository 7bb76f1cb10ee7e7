#include "broker/access.hpp"

#include <stdexcept>

namespace pregon::broker {

Access Access::load(const config::Config& config) {
  Access a;
  a.allow_anonymous = config::allow_anonymous(config);
  if (!config.auth.password_file.empty()) {
    auto loaded = auth::PasswordFile::load(config.auth.password_file);
    if (!loaded) {
      const auto& e = loaded.error();
      throw std::runtime_error("auth.password_file: " + config.auth.password_file +
                               (e.line > 0 ? ":" + std::to_string(e.line) : std::string()) + ": " + e.message);
    }
    a.passwords = std::move(*loaded);
  }
  if (!config.auth.acl_file.empty()) {
    auto loaded = auth::Acl::load(config.auth.acl_file);
    if (!loaded) {
      const auto& e = loaded.error();
      throw std::runtime_error("auth.acl_file: " + config.auth.acl_file +
                               (e.line > 0 ? ":" + std::to_string(e.line) : std::string()) + ": " + e.message);
    }
    a.acl = std::move(*loaded);
  }
  return a;
}

}  // namespace pregon::broker
