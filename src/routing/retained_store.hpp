// RetainedStore<Value>: the retained message of each topic, indexed as a trie of topic levels so
// that a new subscription finds the retained messages it matches by walking its filter: literal
// levels by lookup, '+' over the children, '#' over the whole subtree. The cost follows what
// the filter can reach, not the number of retained topics. Each node's children are kept in byte
// order, so a walk goes in topic order and can resume after a given topic (match_after): a
// subscriber to '#' over a million topics is served in batches, never from a copy of the set.
//
// The store keeps no copy of the topic string: match() rebuilds each topic from the trie into a
// scratch buffer owned by the call.
// Ownership: owns the values. Views and pointers handed out are valid until the next change.
// Thread-safety: none; the caller synchronises. Const functions touch no shared mutable state,
// so concurrent readers are safe when no writer runs.
#pragma once

#include <cassert>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/small_stack.hpp"
#include "routing/topic.hpp"

namespace pregon::routing {

template <class Value>
class RetainedStore {
 public:
  RetainedStore() = default;
  RetainedStore(const RetainedStore&) = delete;
  RetainedStore& operator=(const RetainedStore&) = delete;
  // A moved-from store is empty and usable.
  RetainedStore(RetainedStore&& other) noexcept
      : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {}
  RetainedStore& operator=(RetainedStore&& other) noexcept {
    if (this != &other) {
      destroy(std::move(root_));
      root_ = std::move(other.root_);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~RetainedStore() { destroy(std::move(root_)); }

  // Stores or replaces the retained message of `topic`. Deleting on an empty payload
  // ([MQTT-3.3.1-10] in 3.1.1) is the caller's decision: it calls erase().
  // Precondition: valid_topic_name(topic).
  void set(std::string_view topic, Value value) {
    assert(valid_topic_name(topic));
    if (!root_) root_ = std::make_unique<Node>();
    Node* node = root_.get();
    for (const std::string_view level : TopicLevels(topic)) {
      auto it = node->children.find(level);
      if (it == node->children.end()) {
        auto child = std::make_unique<Node>();
        child->parent = node;
        it = node->children.emplace(std::string(level), std::move(child)).first;
        it->second->level = it->first;
      }
      node = it->second.get();
    }
    if (!node->value) ++size_;
    node->value = std::move(value);
  }

  // True when `topic` had a retained message.
  bool erase(std::string_view topic) {
    Node* node = find_node(topic);
    if (node == nullptr || !node->value) return false;
    node->value.reset();
    --size_;
    // Prune the nodes that hold nothing any more.
    while (node != root_.get() && !node->value && node->children.empty()) {
      Node* parent = node->parent;
      parent->children.erase(parent->children.find(node->level));
      node = parent;
    }
    return true;
  }

  const Value* find(std::string_view topic) const {
    const Node* node = find_node(topic);
    return node != nullptr && node->value ? &*node->value : nullptr;
  }

  // visit(std::string_view topic, const Value&) for every retained topic matched by `filter`
  // (precondition: valid_topic_filter(filter), without "$share/"). '#' includes the parent level
  // [MQTT-4.7.1-2]; a filter starting with '+' or '#' skips topics beginning with '$'
  // [MQTT-4.7.2-1]. The topic view is valid during the call only. Visit must not modify the
  // store. Visited in topic order (see match_after).
  template <class F>
  void match(std::string_view filter, F&& visit) const {
    match_after(filter, {}, [&](std::string_view topic, const Value& value) {
      visit(topic, value);
      return true;
    });
  }

  // As match(), resumable: visits in topic order — level by level, each level's bytes compared
  // as unsigned, a topic before the topics below it — only the topics after `after` (empty: from
  // the start), until visit(topic, value) returns false. A walk resumed from the last topic it
  // visited continues where it stopped, whatever was set or erased meanwhile: topics added after
  // that point are visited, topics erased are not. Only the levels on the filter's and `after`'s
  // paths are looked up, so resuming costs the depth of the topic, not the topics before it.
  template <class F>
  void match_after(std::string_view filter, std::string_view after, F&& visit) const {
    walk_after(filter, after, true, std::forward<F>(visit));
  }

  // As match_after("#", ...) but '$' topics included: every retained topic, in topic order, for
  // listings that page through the whole store.
  template <class F>
  void all_after(std::string_view after, F&& visit) const {
    walk_after("#", after, false, std::forward<F>(visit));
  }

  // visit(std::string_view topic, const Value&) for every retained message; for persistence and
  // diagnostics. Order unspecified.
  template <class F>
  void for_each(F&& visit) const {
    if (!root_) return;
    std::string topic;
    std::vector<const Node*> pending{root_.get()};
    while (!pending.empty()) {
      const Node* node = pending.back();
      pending.pop_back();
      if (node->value) visit(topic_of(*node, topic), *node->value);
      for (const auto& [level, child] : node->children) pending.push_back(child.get());
    }
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Trie nodes below the root, for memory metrics and tests of pruning. Walks the whole store.
  std::size_t node_count() const {
    std::size_t count = 0;
    if (!root_) return count;
    std::vector<const Node*> pending{root_.get()};
    while (!pending.empty()) {
      const Node* node = pending.back();
      pending.pop_back();
      for (const auto& [level, child] : node->children) pending.push_back(child.get());
      count += node == root_.get() ? 0 : 1;
    }
    return count;
  }

 private:
  // match_after's walk; `dollar_rule`: a wildcard as first level skips '$' topics [MQTT-4.7.2-1].
  template <class F>
  void walk_after(std::string_view filter, std::string_view after, bool dollar_rule, F&& visit) const {
    if (!root_) return;
    const std::size_t done = filter.size() + 1;        // all filter levels consumed
    constexpr std::size_t kSubtree = ~std::size_t{0};  // under a '#': take everything
    std::string topic;
    using ChildIterator = typename decltype(Node::children)::const_iterator;
    // A node being walked: its children still to visit, in order.
    struct Frame {
      ChildIterator next;
      ChildIterator end;
      std::size_t child_pos;         // filter position for the children: next level, `done` or kSubtree
      std::string_view after_level;  // when bounded: `after`'s level at the children's depth
      std::size_t child_after_pos;   // when bounded: where `after` goes on below that level
      bool bounded;                  // the node is a proper prefix of `after`: skip what sorts before it
      bool skip_dollar;              // [MQTT-4.7.2-1] a wildcard as first level does not reach '$' topics
    };
    SmallStack<Frame, 32> work;
    // Enters `node`, reached with filter position `pos`. `on_after_path`: the node's topic is `after`
    // or a prefix of it, so it was visited before (or sorts before `after`); `after_pos` is then
    // where `after` goes on below it (past its end: the node is `after`). False: visit asked to stop.
    const auto enter = [&](const Node& node, std::size_t pos, bool on_after_path, std::size_t after_pos) {
      Frame frame{node.children.begin(), node.children.end(), kSubtree, {}, 0, false, false};
      std::optional<std::string_view> literal;  // the filter's level, unless a wildcard
      bool matched = pos == kSubtree || pos == done;
      if (!matched) {
        const std::size_t slash = filter.find('/', pos);
        const std::size_t end = slash == std::string_view::npos ? filter.size() : slash;
        const std::string_view level = filter.substr(pos, end - pos);
        frame.skip_dollar = dollar_rule && pos == 0 && (level == "#" || level == "+");
        if (level == "#") {
          matched = true;  // the parent level itself ("a/#" matches "a") [MQTT-4.7.1-2]
        } else {
          frame.child_pos = end + 1;
          if (level != "+") literal = level;  // [MQTT-4.7.3-4] exact bytes
        }
      }
      // The root holds no value: topic names are non-empty.
      if (matched && !on_after_path && node.value && !visit(topic_of(node, topic), *node.value)) return false;
      if (pos == done) return true;
      if (on_after_path && after_pos <= after.size()) {
        const std::size_t slash = after.find('/', after_pos);
        const std::size_t end = slash == std::string_view::npos ? after.size() : slash;
        frame.after_level = after.substr(after_pos, end - after_pos);
        frame.child_after_pos = end + 1;
        frame.bounded = true;
        frame.next = node.children.lower_bound(frame.after_level);
      }
      if (!literal) {
        work.push(frame);
        return true;
      }
      const auto it = node.children.find(*literal);
      if (it == node.children.end() || (frame.bounded && it->first < frame.after_level)) return true;
      frame.next = it;
      frame.end = std::next(it);
      work.push(frame);
      return true;
    };
    if (!enter(*root_, 0, !after.empty(), 0)) return;
    while (!work.empty()) {
      Frame frame = work.pop();
      if (frame.next == frame.end) continue;
      const auto& [level, child] = *frame.next;
      ++frame.next;
      const bool child_on_after_path = frame.bounded && level == frame.after_level;
      Frame rest = frame;
      rest.bounded = false;  // the siblings still to come sort after `after`
      work.push(rest);
      if (frame.skip_dollar && level.starts_with('$')) continue;
      if (!enter(*child, frame.child_pos, child_on_after_path, frame.child_after_pos)) return;
    }
  }

  struct Node {
    Node* parent = nullptr;
    std::string_view level;  // view of this node's key in parent->children (map nodes never move)
    // Ordered, so that a walk can resume after a given topic (match_after).
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::optional<Value> value;
  };

  Node* find_node(std::string_view topic) const {
    Node* node = root_.get();
    for (const std::string_view level : TopicLevels(topic)) {
      if (node == nullptr) return nullptr;
      const auto it = node->children.find(level);
      node = it == node->children.end() ? nullptr : it->second.get();
    }
    return node;
  }

  // Rebuilds the topic of `node` into `out` and returns a view of it.
  static std::string_view topic_of(const Node& node, std::string& out) {
    std::size_t length = 0;
    std::size_t depth = 0;
    for (const Node* n = &node; n->parent != nullptr; n = n->parent) {
      length += n->level.size();
      ++depth;
    }
    out.assign(length + depth - 1, '/');
    std::size_t end = out.size();
    for (const Node* n = &node; n->parent != nullptr; n = n->parent) {
      end -= n->level.size();
      out.replace(end, n->level.size(), n->level);
      if (end > 0) --end;  // the separator before this level
    }
    return out;
  }

  static void destroy(std::unique_ptr<Node> root) {
    std::vector<std::unique_ptr<Node>> pending;
    pending.push_back(std::move(root));
    while (!pending.empty()) {
      std::unique_ptr<Node> node = std::move(pending.back());
      pending.pop_back();
      if (!node) continue;
      for (auto& [level, child] : node->children) pending.push_back(std::move(child));
    }  // `node` dies here with no live children
  }

  std::unique_ptr<Node> root_;  // created on first set; null when empty after a move
  std::size_t size_ = 0;
};

}  // namespace pregon::routing
