// libFuzzer target for topic filters: parsing ($share included), the subscription tree and the
// retained store, each cross-checked against the reference matcher topic_matches().
//
// Input: the first line is a SUBSCRIBE filter; every further line is a candidate topic name.
// Besides those topics the target derives topics from the filter itself (wildcards replaced by
// concrete levels) so that positive matches are exercised, not only misses.
// Any disagreement aborts, which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "routing/retained_store.hpp"
#include "routing/subscription_tree.hpp"
#include "routing/topic.hpp"

namespace {

using pregon::routing::RetainedStore;
using pregon::routing::SubscriptionTree;
using pregon::routing::TopicLevels;

void check(bool condition) {
  if (!condition) std::abort();
}

// Topics that `filter` should match: '+' replaced by a level, '#' by zero, one or two levels.
std::vector<std::string> derived_topics(std::string_view filter) {
  std::vector<std::string> out;
  for (const std::string_view plus : {"p", "", "$p"}) {
    for (const std::string_view hash : {"", "h", "h/i"}) {
      std::string topic;
      bool first = true;
      for (const std::string_view level : TopicLevels(filter)) {
        if (level == "#") {
          if (hash.empty()) break;  // "a/#" also matches "a" [MQTT-4.7.1-2]
          if (!first) topic += '/';
          topic += hash;
          break;
        }
        if (!first) topic += '/';
        first = false;
        topic += level == "+" ? plus : level;
      }
      out.push_back(std::move(topic));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view full = input.substr(0, newline);
  std::vector<std::string> topics;
  if (newline != std::string_view::npos) {
    std::string_view rest = input.substr(newline + 1);
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      topics.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }

  // Parsing: the three entry points agree with one another.
  const auto parsed = pregon::routing::parse_subscription_filter(full);
  const auto shared = pregon::routing::parse_shared(full);
  const bool is_shared = pregon::routing::is_shared_filter(full);
  check(shared.has_value() == (parsed.has_value() && parsed->shared()));
  if (!is_shared) check(parsed.has_value() == pregon::routing::valid_topic_filter(full));
  if (pregon::routing::valid_topic_name(full)) {
    check(pregon::routing::valid_topic_filter(full));
    if (!is_shared) check(pregon::routing::topic_matches(full, full));
  }
  if (!parsed) return 0;
  const std::string_view filter = parsed->filter;
  check(pregon::routing::valid_topic_filter(filter));
  if (shared) {
    check(shared->filter == filter && shared->group == parsed->group);
    check(!shared->group.empty() && shared->group.find_first_of("/+#") == std::string_view::npos);
  }

  for (std::string& t : derived_topics(filter)) topics.push_back(std::move(t));

  // The tree: the fuzzed filter plus a few fixed ones that overlap with it in various ways.
  SubscriptionTree<int, int> tree;
  const std::vector<std::string_view> filters{filter, "#", "+", "+/#", "p/+", "$p/#"};
  for (std::size_t i = 0; i < filters.size(); ++i) {
    tree.subscribe(filters[i], static_cast<int>(i), static_cast<int>(i));
  }
  check(!tree.subscribe(filter, 0, 0));  // same key, same filter: replaced
  const std::string_view group = parsed->shared() ? parsed->group : std::string_view("g");
  check(tree.subscribe_shared(group, filter, 100, 0));
  check(tree.subscribe_shared(group, filter, 101, 0));

  RetainedStore<int> retained;
  std::vector<std::string_view> names;
  for (const std::string& topic : topics) {
    if (!pregon::routing::valid_topic_name(topic)) continue;
    names.push_back(topic);
    retained.set(topic, 1);

    std::vector<bool> seen(filters.size(), false);
    int groups = 0;
    tree.match(
        topic,
        [&](int key, const int& value) {
          check(key == value && !seen[static_cast<std::size_t>(key)]);
          seen[static_cast<std::size_t>(key)] = true;
        },
        [&](const SubscriptionTree<int, int>::Group& g) {
          check(g.name() == group && g.filter() == filter && g.size() == 2);
          const int picked = g.pick_next().key;
          check(picked == 100 || picked == 101);
          ++groups;
        });
    for (std::size_t i = 0; i < filters.size(); ++i) {
      check(seen[i] == pregon::routing::topic_matches(filters[i], topic));
    }
    check((groups == 1) == pregon::routing::topic_matches(filter, topic) && groups <= 1);
  }

  // The retained store walks the filter: it must find exactly the stored topics that match.
  std::size_t expected = 0;
  std::vector<std::string_view> distinct;
  for (const std::string_view name : names) {
    bool duplicate = false;
    for (const std::string_view d : distinct) duplicate = duplicate || d == name;
    if (duplicate) continue;
    distinct.push_back(name);
    expected += pregon::routing::topic_matches(filter, name) ? 1 : 0;
  }
  check(retained.size() == distinct.size());
  std::size_t found = 0;
  retained.match(filter, [&](std::string_view topic, const int&) {
    check(pregon::routing::topic_matches(filter, topic) && retained.find(topic) != nullptr);
    ++found;
  });
  check(found == expected);

  // Removing everything leaves empty structures.
  for (std::size_t i = 0; i < filters.size(); ++i) {
    check(tree.unsubscribe(filters[i], static_cast<int>(i)));
  }
  check(tree.unsubscribe_shared(group, filter, 100) && tree.unsubscribe_shared(group, filter, 101));
  check(tree.size() == 0 && tree.node_count() == 0);
  for (const std::string_view name : distinct) check(retained.erase(name));
  check(retained.size() == 0 && retained.node_count() == 0);
  return 0;
}
