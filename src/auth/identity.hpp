// Who a client is, as far as authorization cares: the username it authenticated with (none for an
// anonymous client) and its client identifier (the one the server assigned, when it did). Views
// into strings the caller keeps alive for the duration of the check; nothing is copied.
#pragma once

#include <optional>
#include <string_view>

namespace pregon::auth {

struct Identity {
  std::optional<std::string_view> username;
  std::optional<std::string_view> client_id;
};

}  // namespace pregon::auth
