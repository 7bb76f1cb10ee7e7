// Access: who may connect and what they may do, as configured — the password file, the ACL file and
// the JWT key. (Whether clients that did not authenticate are let in is the listener's policy.)
// Loaded at start-up and again on SIGHUP.
//
// Thread-safety: immutable after load; shared by every shard.
#pragma once

#include <optional>
#include <string>

#include "auth/acl_file.hpp"
#include "auth/identity.hpp"
#include "auth/jwt.hpp"
#include "auth/password_file.hpp"
#include "config/config.hpp"
#include "session/session.hpp"

namespace pregon::broker {

struct Access {
  std::optional<auth::PasswordFile> passwords;
  std::optional<auth::Acl> acl;
  std::optional<auth::JwtVerifier> jwt;  // a CONNECT password that is a JWT is checked with it

  // Throws std::runtime_error naming the file, line and problem.
  static Access load(const config::Config& config);
};

// The identity a session's ACL checks use: its client's username (when it gave one that counted)
// and its client identifier.
inline auth::Identity identity_of(const session::Session& s) {
  auth::Identity id;
  if (s.username) id.username = *s.username;
  id.client_id = s.client_id();
  return id;
}

}  // namespace pregon::broker
