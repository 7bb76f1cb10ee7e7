// Random topic names and filters over a tiny alphabet (with '$' and empty levels), for tests that
// compare the trees with topic_matches(). Test-only; deterministic for a given seed.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace pregon::routing {

class RandomTopics {
 public:
  explicit RandomTopics(unsigned seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  // One to four levels; may be empty (all levels empty) — callers decide what to do with that.
  std::string topic() {
    std::string t;
    const std::size_t depth = 1 + pick(4);
    for (std::size_t l = 0; l < depth; ++l) t += (l ? "/" : "") + words_[pick(words_.size())];
    return t;
  }

  // One to four levels of words, '+' and a final '#'; may be empty.
  std::string filter() {
    std::string f;
    const std::size_t depth = 1 + pick(4);
    for (std::size_t l = 0; l < depth; ++l) {
      if (l) f += "/";
      const std::size_t r = pick(10);
      if (r < 2) {
        f += "+";
      } else if (r < 3) {
        f += "#";
        break;
      } else {
        f += words_[pick(words_.size())];
      }
    }
    return f;
  }

 private:
  std::mt19937 rng_;
  const std::vector<std::string> words_{"a", "b", "$c", "", "dd"};
};

}  // namespace pregon::routing
