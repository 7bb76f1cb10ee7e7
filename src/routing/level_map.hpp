// LevelMap<T>: the children of a trie node, keyed by one topic level. Owns its keys as
// std::string but is searched with std::string_view (C++20 heterogeneous lookup), so a lookup on
// the match path builds no string. Not thread-safe; owned by the tree that holds it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pregon::routing {

struct LevelHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view level) const noexcept {
    return std::hash<std::string_view>{}(level);
  }
};

template <class T>
using LevelMap = std::unordered_map<std::string, T, LevelHash, std::equal_to<>>;

}  // namespace pregon::routing
