// SubscriptionTree<Key, Value>: every subscription of the broker (or of one shard), ordinary and
// shared, indexed as a trie of topic levels so that matching a PUBLISH topic costs time in the
// depth of the topic, not in the number of subscriptions.
//
//   Key    a small copyable hashable value naming the subscriber (session pointer, integer id).
//   Value  the subscription data (options, Subscription Identifier), stored by value.
//
// Each trie node is one filter prefix; its children are the next literal levels (hash map,
// looked up with string_view: nothing is allocated per level), plus dedicated '+' and '#'
// children. A node holds the ordinary subscribers of its filter and the shared groups
// "$share/{name}/{filter}" on it, keyed by name.
//
// Ownership: the tree owns all nodes, values and groups. Views and references handed to
// callbacks are valid until the next modification of the tree.
// Thread-safety: none; the caller synchronises. match() is const but advances the round-robin
// cursor of the shared groups it reports when the callback calls pick_next(), so even concurrent
// match() calls need exclusion (or one tree per thread).
// Allocation: match() allocates its cache once, and then only when a topic longer, or matching
// more nodes, than any before in its cache slot is walked, or more than 32 branches of a walk are
// pending at once (at most one per topic level; then a spill vector). subscribe() allocates
// missing nodes.
// Walks are iterative (filters may have 32768 levels), including destruction.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/level_map.hpp"
#include "routing/shared_group.hpp"
#include "routing/small_stack.hpp"
#include "routing/subscriber_list.hpp"
#include "routing/topic.hpp"

namespace pregon::routing {

template <class Key, class Value, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class SubscriptionTree {
 public:
  using Entry = Subscriber<Key, Value>;
  using Group = SharedGroup<Key, Value, Hash, KeyEqual>;

  SubscriptionTree() = default;
  SubscriptionTree(const SubscriptionTree&) = delete;
  SubscriptionTree& operator=(const SubscriptionTree&) = delete;
  // A moved-from tree is empty and usable.
  SubscriptionTree(SubscriptionTree&& other) noexcept
      : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {
    ++other.version_;
  }
  SubscriptionTree& operator=(SubscriptionTree&& other) noexcept {
    if (this != &other) {
      destroy(std::move(root_));
      root_ = std::move(other.root_);
      size_ = std::exchange(other.size_, 0);
      version_ = std::max(version_, other.version_) + 1;
      ++other.version_;
    }
    return *this;
  }
  ~SubscriptionTree() { destroy(std::move(root_)); }

  // Ordinary subscription of `key` to `filter`. Replaces the value when `key` already has this
  // exact filter [MQTT-3.8.4-3]. True when the subscription is new (the caller needs this for
  // Retain Handling 1, [MQTT-3.3.1-10] in 5.0). Precondition: valid_topic_filter(filter).
  bool subscribe(std::string_view filter, Key key, Value value) {
    assert(valid_topic_filter(filter));
    ++version_;
    const bool added = make_node(filter).subscribers.insert_or_assign(key, std::move(value));
    size_ += added ? 1 : 0;
    return added;
  }

  // True when `key` was subscribed to exactly `filter` (no wildcard matching here).
  bool unsubscribe(std::string_view filter, Key key) {
    Node* node = find_node(filter);
    if (node == nullptr || !node->subscribers.erase(key)) return false;
    ++version_;
    --size_;
    prune(node);
    return true;
  }

  // The value `key` holds for exactly `filter`, or nullptr.
  const Value* find(std::string_view filter, const Key& key) const {
    const Node* node = find_node(filter);
    if (node == nullptr) return nullptr;
    const Entry* entry = node->subscribers.find(key);
    return entry ? &entry->value : nullptr;
  }

  // Membership of `key` in the shared group (group, filter), i.e. "$share/{group}/{filter}" split
  // by parse_shared(). Creates the group on first member. True when the membership is new.
  // Preconditions: non-empty group without '/', '+', '#'; valid_topic_filter(filter).
  bool subscribe_shared(std::string_view group, std::string_view filter, Key key, Value value) {
    assert(valid_topic_filter(filter) && !group.empty());
    ++version_;
    Node& node = make_node(filter);
    auto it = node.groups.find(group);
    if (it == node.groups.end()) {
      it = node.groups.try_emplace(std::string(group), group, filter).first;
    }
    const bool added = it->second.insert_or_assign(key, std::move(value));
    size_ += added ? 1 : 0;
    return added;
  }

  // True when `key` was a member; the group disappears with its last member.
  bool unsubscribe_shared(std::string_view group, std::string_view filter, Key key) {
    Node* node = find_node(filter);
    if (node == nullptr) return false;
    const auto it = node->groups.find(group);
    if (it == node->groups.end() || !it->second.erase(key)) return false;
    ++version_;
    if (it->second.size() == 0) node->groups.erase(it);
    --size_;
    prune(node);
    return true;
  }

  // The shared group (group, filter), or nullptr.
  const Group* find_shared(std::string_view group, std::string_view filter) const {
    const Node* node = find_node(filter);
    if (node == nullptr) return nullptr;
    const auto it = node->groups.find(group);
    return it == node->groups.end() ? nullptr : &it->second;
  }

  // For a PUBLISH to `topic` (precondition: valid_topic_name(topic)):
  //   on_subscriber(const Key&, const Value&) once per matching ordinary subscription. A key with
  //     several matching filters is reported once per filter; merging them (highest QoS, all
  //     Subscription Identifiers) is the caller's job [MQTT-3.3.4-2], [MQTT-3.3.4-3].
  //   on_group(const Group&) once per matching shared group; the caller picks one member, e.g.
  //     with group.pick_next().
  // Callbacks must not modify the tree. Order of reports is unspecified.
  // The nodes a topic matched are remembered (kMatchCacheSlots topics, by hash, until the tree
  // next changes): a topic published again costs one hash and one comparison instead of a walk
  // with a lookup per level. The cache is allocated by the first match.
  template <class F, class G>
  void match(std::string_view topic, F&& on_subscriber, G&& on_group) const {
    match(topic, topic_hash(topic), on_subscriber, on_group);
  }
  // The same, with topic_hash(topic) known already.
  template <class F, class G>
  void match(std::string_view topic, uint32_t hash, F&& on_subscriber, G&& on_group) const {
    if (!cache_) cache_ = std::make_unique<CachedMatch[]>(kMatchCacheSlots);
    CachedMatch& slot = cache_[hash & (kMatchCacheSlots - 1)];
    if (slot.version != version_ || slot.topic != topic) {
      slot.version = version_;
      slot.topic.assign(topic);
      slot.nodes.clear();
      walk(topic, [&](const Node& node) {
        if (!node.subscribers.empty() || !node.groups.empty()) slot.nodes.push_back(&node);
      });
    }
    for (const Node* node : slot.nodes) report(*node, on_subscriber, on_group);
  }

  // visit(std::string_view filter, const Key&, const Value&) for every subscription that match()
  // would report for `topic`, with the filter it was made with; shared memberships with their full
  // "$share/{group}/{filter}". For diagnostics ("who gets this topic"): allocates, picks no member.
  template <class F>
  void for_each_match(std::string_view topic, F&& visit) const {
    std::string filter;
    std::string shared;
    walk(topic, [&](const Node& node) { visit_node(node, filter, shared, visit); });
  }

  // Ordinary subscriptions plus shared memberships.
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Trie nodes below the root, for memory metrics and tests of pruning. Walks the whole tree.
  std::size_t node_count() const {
    std::size_t count = 0;
    if (!root_) return count;
    std::vector<const Node*> pending{root_.get()};
    while (!pending.empty()) {
      const Node* node = pending.back();
      pending.pop_back();
      for (const auto& [level, child] : node->children) pending.push_back(child.get());
      if (node->plus) pending.push_back(node->plus.get());
      if (node->hash) pending.push_back(node->hash.get());
      count += node == root_.get() ? 0 : 1;
    }
    return count;
  }

  // visit(std::string_view filter, const Key&, const Value&) for every subscription; shared
  // memberships are reported with their full "$share/{group}/{filter}". For diagnostics and
  // persistence: allocates, costs time in the size of the tree. Order unspecified.
  template <class F>
  void for_each(F&& visit) const {
    if (!root_) return;
    std::vector<const Node*> pending{root_.get()};
    std::string filter;
    std::string shared;
    while (!pending.empty()) {
      const Node* node = pending.back();
      pending.pop_back();
      for (const auto& [level, child] : node->children) pending.push_back(child.get());
      if (node->plus) pending.push_back(node->plus.get());
      if (node->hash) pending.push_back(node->hash.get());
      visit_node(*node, filter, shared, visit);
    }
  }

 private:
  static constexpr std::string_view kPlusLevel = "+";
  static constexpr std::string_view kHashLevel = "#";

  struct Node {
    Node* parent = nullptr;
    // This node's level: a view of its key in parent->children (map nodes never move), or
    // kPlusLevel / kHashLevel.
    std::string_view level;
    LevelMap<std::unique_ptr<Node>> children;  // literal levels
    std::unique_ptr<Node> plus;                // '+'
    std::unique_ptr<Node> hash;                // '#'; has no children in a tree of valid filters
    SubscriberList<Key, Value, Hash, KeyEqual> subscribers;
    LevelMap<Group> groups;  // by ShareName

    bool unused() const {
      return subscribers.empty() && groups.empty() && children.empty() && !plus && !hash;
    }
  };

  // on_node(const Node&) for every node whose filter matches `topic` (precondition:
  // valid_topic_name(topic)): the walk behind match() and for_each_match().
  template <class N>
  void walk(std::string_view topic, N&& on_node) const {
    if (!root_) return;
    struct Frame {
      const Node* node;
      std::size_t pos;  // start of the next topic level; topic.size() + 1 once all are consumed
    };
    const std::size_t done = topic.size() + 1;
    // [MQTT-4.7.2-1] a leading '+' or '#' does not match a topic beginning with '$'.
    const bool dollar = !topic.empty() && topic.front() == '$';
    SmallStack<Frame, 32> work;
    work.push(Frame{root_.get(), 0});
    while (!work.empty()) {
      const Frame frame = work.pop();
      const Node& node = *frame.node;
      const bool wildcards_allowed = !(dollar && frame.pos == 0);
      // '#' matches the remaining levels, also when none remain: "a/#" matches "a" [MQTT-4.7.1-2].
      if (node.hash && wildcards_allowed) on_node(*node.hash);
      if (frame.pos == done) {
        on_node(node);
        continue;
      }
      const std::size_t slash = topic.find('/', frame.pos);
      const std::size_t end = slash == std::string_view::npos ? topic.size() : slash;
      const std::size_t next = end + 1;
      if (node.plus && wildcards_allowed) work.push(Frame{node.plus.get(), next});
      // [MQTT-4.7.3-4] exact byte comparison of the level.
      const auto child = node.children.find(topic.substr(frame.pos, end - frame.pos));
      if (child != node.children.end()) work.push(Frame{child->second.get(), next});
    }
  }

  // visit(filter, key, value) for the subscriptions and shared memberships held by `node`;
  // `filter` and `shared` are scratch.
  template <class F>
  static void visit_node(const Node& node, std::string& filter, std::string& shared, F& visit) {
    if (node.subscribers.empty() && node.groups.empty()) return;
    filter_of(node, filter);
    for (const Entry& e : node.subscribers.entries()) visit(std::string_view(filter), e.key, e.value);
    for (const auto& [name, group] : node.groups) {
      shared.assign(kSharePrefix).append(name).append("/").append(filter);
      for (const Entry& e : group.members()) visit(std::string_view(shared), e.key, e.value);
    }
  }

  template <class F, class G>
  static void report(const Node& node, F& on_subscriber, G& on_group) {
    for (const Entry& e : node.subscribers.entries()) on_subscriber(e.key, e.value);
    for (const auto& [name, group] : node.groups) on_group(group);
  }

  // The node of `filter`, created with its missing ancestors.
  Node& make_node(std::string_view filter) {
    if (!root_) root_ = std::make_unique<Node>();
    Node* node = root_.get();
    for (const std::string_view level : TopicLevels(filter)) {
      if (level == kPlusLevel || level == kHashLevel) {
        std::unique_ptr<Node>& slot = level == kPlusLevel ? node->plus : node->hash;
        if (!slot) {
          slot = std::make_unique<Node>();
          slot->parent = node;
          slot->level = level == kPlusLevel ? kPlusLevel : kHashLevel;
        }
        node = slot.get();
        continue;
      }
      auto it = node->children.find(level);
      if (it == node->children.end()) {
        auto child = std::make_unique<Node>();
        child->parent = node;
        it = node->children.emplace(std::string(level), std::move(child)).first;
        it->second->level = it->first;
      }
      node = it->second.get();
    }
    return *node;
  }

  // The node of exactly `filter`, or nullptr.
  Node* find_node(std::string_view filter) const {
    Node* node = root_.get();
    for (const std::string_view level : TopicLevels(filter)) {
      if (node == nullptr) return nullptr;
      if (level == kPlusLevel) {
        node = node->plus.get();
      } else if (level == kHashLevel) {
        node = node->hash.get();
      } else {
        const auto it = node->children.find(level);
        node = it == node->children.end() ? nullptr : it->second.get();
      }
    }
    return node;
  }

  // Removes `node` and its ancestors while they hold nothing, so that the tree's memory follows
  // the live subscriptions.
  void prune(Node* node) {
    while (node != root_.get() && node->unused()) {
      Node* parent = node->parent;
      if (parent->plus.get() == node) {
        parent->plus.reset();
      } else if (parent->hash.get() == node) {
        parent->hash.reset();
      } else {
        parent->children.erase(parent->children.find(node->level));
      }
      node = parent;
    }
  }

  // Rebuilds the filter of `node` from its ancestors into `out`.
  static void filter_of(const Node& node, std::string& out) {
    std::vector<std::string_view> levels;
    for (const Node* n = &node; n->parent != nullptr; n = n->parent) levels.push_back(n->level);
    out.clear();
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
      if (it != levels.rbegin()) out.push_back('/');
      out.append(*it);
    }
  }

  // Frees a subtree without recursion (a chain of 32768 nested unique_ptrs would otherwise
  // recurse that deep in the destructors).
  static void destroy(std::unique_ptr<Node> root) {
    std::vector<std::unique_ptr<Node>> pending;
    pending.push_back(std::move(root));
    while (!pending.empty()) {
      std::unique_ptr<Node> node = std::move(pending.back());
      pending.pop_back();
      if (!node) continue;
      for (auto& [level, child] : node->children) pending.push_back(std::move(child));
      pending.push_back(std::move(node->plus));
      pending.push_back(std::move(node->hash));
    }  // `node` dies here with no live children
  }

  static constexpr std::size_t kMatchCacheSlots = 1024;
  struct CachedMatch {
    std::string topic;
    uint64_t version = 0;  // of the tree when filled; 0, below every version: empty
    std::vector<const Node*> nodes;  // the matching nodes that hold subscriptions, in walk order
  };

  std::unique_ptr<Node> root_;  // created on first subscribe; null when empty after a move
  std::size_t size_ = 0;
  uint64_t version_ = 1;  // changes with every subscription added, replaced or removed
  mutable std::unique_ptr<CachedMatch[]> cache_;
};

}  // namespace pregon::routing
