// RetainedStore<Value>: the retained message of each topic, indexed as a trie of topic levels so
// that a new subscription finds the retained messages it matches by walking its filter: literal
// levels by lookup, '+' over the children, '#' over the whole subtree. The cost follows what
// the filter can reach, not the number of retained topics.
//
// The store keeps no copy of the topic string: match() rebuilds each topic from the trie into a
// scratch buffer owned by the call.
// Ownership: owns the values. Views and pointers handed out are valid until the next change.
// Thread-safety: none; the caller synchronises. Const functions touch no shared mutable state,
// so concurrent readers are safe when no writer runs.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/level_map.hpp"
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
  // store. Order unspecified.
  template <class F>
  void match(std::string_view filter, F&& visit) const {
    if (!root_) return;
    struct Frame {
      const Node* node;
      std::size_t pos;  // start of the next filter level, or `done`, or kSubtree
    };
    const std::size_t done = filter.size() + 1;    // all filter levels consumed
    constexpr std::size_t kSubtree = ~std::size_t{0};  // under a '#': take everything
    std::string topic;
    SmallStack<Frame, 32> work;
    work.push(Frame{root_.get(), 0});
    while (!work.empty()) {
      const Frame frame = work.pop();
      const Node& node = *frame.node;
      if (frame.pos == kSubtree || frame.pos == done) {
        if (node.value) visit(topic_of(node, topic), *node.value);
        if (frame.pos == kSubtree) {
          for (const auto& [level, child] : node.children) work.push(Frame{child.get(), kSubtree});
        }
        continue;
      }
      const std::size_t slash = filter.find('/', frame.pos);
      const std::size_t end = slash == std::string_view::npos ? filter.size() : slash;
      const std::string_view level = filter.substr(frame.pos, end - frame.pos);
      // [MQTT-4.7.2-1] a wildcard as first level does not reach topics beginning with '$'.
      const bool skip_dollar = frame.pos == 0;
      if (level == "#") {
        // The parent level itself matches ("a/#" matches "a") [MQTT-4.7.1-2]; the root holds
        // no value since topic names are non-empty.
        if (node.value) visit(topic_of(node, topic), *node.value);
        for (const auto& [child_level, child] : node.children) {
          if (skip_dollar && child_level.starts_with('$')) continue;
          work.push(Frame{child.get(), kSubtree});
        }
      } else if (level == "+") {
        for (const auto& [child_level, child] : node.children) {
          if (skip_dollar && child_level.starts_with('$')) continue;
          work.push(Frame{child.get(), end + 1});
        }
      } else {
        const auto it = node.children.find(level);  // [MQTT-4.7.3-4] exact bytes
        if (it != node.children.end()) work.push(Frame{it->second.get(), end + 1});
      }
    }
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
  struct Node {
    Node* parent = nullptr;
    std::string_view level;  // view of this node's key in parent->children (map nodes never move)
    LevelMap<std::unique_ptr<Node>> children;
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
