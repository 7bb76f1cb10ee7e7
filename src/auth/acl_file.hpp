// mosquitto's ACL file and the authorization checks made from it.
//
//   # comment
//   topic read public/#            lines before the first `user` line: anonymous clients
//   user alice                     the lines after it, up to the next `user`: client "alice"
//   topic readwrite alice/#
//   topic deny alice/secret
//   pattern read sensors/%u/#      anywhere in the file: every client, "%u" its username
//   pattern write clients/%c/out   "%c" its client id
//
// `topic|pattern [read|write|readwrite|deny] <filter>`: without an access word the line grants
// readwrite; the filter is the rest of the line (it may hold spaces). A client with a username
// gets its user's `topic` lines (none when it has no section) and the patterns; a client without
// one gets the anonymous `topic` lines and the patterns that do not use "%u". A pattern using "%c"
// does not apply to a client without a client id.
//
// A check is allowed when some applicable line grants it and no applicable `deny` line concerns
// it: deny wins whatever the order. With no grant, the answer is no (an empty file allows nothing).
// See acl_filter.hpp for why a username or client id can never widen a pattern.
//
// Ownership: an Acl owns its rules. Thread-safety: immutable after parse()/load(); the checks are
// const and may run on every event-loop thread at once. Cost: linear in the applicable lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/acl_filter.hpp"
#include "auth/identity.hpp"
#include "base/expected.hpp"

namespace pregon::auth {

enum class Access : std::uint8_t { kRead, kWrite, kReadWrite, kDeny };

// What is wrong with a file, and where: `line` counts from 1; 0 means the file as a whole.
struct AclError {
  std::size_t line = 0;
  std::string message;
};

class Acl {
 public:
  Acl() = default;  // no rules: every check answers no

  static base::Expected<Acl, AclError> parse(std::string_view text);
  static base::Expected<Acl, AclError> load(const std::string& path);

  // PUBLISH from the client (and its Will Topic at CONNECT): write access to `topic`. False for a
  // topic that is not a valid topic name [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1]).
  bool may_publish(const Identity& identity, std::string_view topic) const;

  // SUBSCRIBE: read access to every topic `filter` can match. Granted only when a single read
  // line covers the whole filter (pattern read sensors/%u/# lets bob subscribe "sensors/bob/+",
  // not "sensors/+/x") and no deny line shares a topic with it. Conservative: a filter covered
  // only by the union of several lines is refused. Pass the filter without a "$share/{group}/"
  // prefix. False for an invalid filter.
  bool may_subscribe(const Identity& identity, std::string_view filter) const;

  // Delivery of a message on `topic` to the client: read access to that topic. Checked per
  // message, so a message on a denied topic inside an allowed subscription is not delivered.
  bool may_receive(const Identity& identity, std::string_view topic) const;

 private:
  struct Rule {
    Access access;
    AclFilter filter;
    bool pattern;  // from a `pattern` line (substituted per client)
  };

  // Calls f(rule) for each rule that applies to `identity`; f returns false to stop.
  template <class F>
  void for_each_rule(const Identity& identity, F&& f) const;

  bool may_access(const Identity& identity, std::string_view topic, Access wanted) const;

  std::vector<Rule> anonymous_;
  // Transparent, so that a check looks a username up without building a std::string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<Rule>, NameHash, std::equal_to<>> users_;
  std::vector<Rule> patterns_;
};

}  // namespace pregon::auth
