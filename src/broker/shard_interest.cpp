#include "broker/shard_interest.hpp"

#include "protocol/topic_name.hpp"

namespace pregon::broker {

bool ShardInterest::count(std::string_view filter, int delta) {
  auto it = own_.find(filter);
  if (delta > 0) {
    if (it != own_.end()) {
      ++it->second;
      return false;
    }
    own_.emplace(std::string(filter), 1);
    return true;
  }
  if (it == own_.end()) return false;
  if (--it->second != 0) return false;
  own_.erase(it);
  return true;
}

void ShardInterest::learn(unsigned from, std::string_view filter, bool present) {
  Known& s = known_[from];
  if (protocol::has_wildcard(filter)) {
    if (present) {
      ++s.wildcards;
    } else if (s.wildcards != 0) {
      --s.wildcards;
    }
  } else if (present) {
    s.exact.emplace(filter);
  } else if (auto it = s.exact.find(filter); it != s.exact.end()) {
    s.exact.erase(it);
  }
}

}  // namespace pregon::broker
