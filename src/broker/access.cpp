#include "broker/access.hpp"

#include <stdexcept>

namespace pregon::broker {

Access Access::load(const config::Config& config) {
  Access a;
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
  if (!config.auth.jwt_algorithm.empty()) {
    const auto algorithm = *auth::jwt_algorithm_named(config.auth.jwt_algorithm);  // checked by config
    auto key = algorithm == auth::JwtAlgorithm::kHs256
                   ? auth::JwtKey::shared_secret(config.auth.jwt_secret)
                   : auth::JwtKey::public_key_file(algorithm, config.auth.jwt_key_file);
    if (!key) throw std::runtime_error("auth.jwt: " + key.error());
    auth::JwtOptions options;
    options.keys.push_back(std::move(*key));
    options.leeway = std::chrono::seconds(config.auth.jwt_leeway_s);
    options.username_claim = config.auth.jwt_username_claim;
    a.jwt.emplace(std::move(options));
  }
  return a;
}

}  // namespace pregon::broker
