// SubscriberList: the subscribers attached to one filter (one trie node, or one shared group).
// A dense vector, so that matching walks contiguous memory, plus a Key -> position index that is
// built only once the list grows past kIndexThreshold: most filters have one or a few
// subscribers and pay nothing for it, while removing one key among a million on a popular filter
// stays O(1) (index lookup + swap with the last element).
//
// Order: insertion order, except that a removal moves the last subscriber into the freed slot.
// It only changes on insert/erase, never while matching.
// Not thread-safe; owned by SubscriptionTree.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pregon::routing {

template <class Key, class Value>
struct Subscriber {
  Key key;
  Value value;
};

template <class Key, class Value, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class SubscriberList {
 public:
  using Entry = Subscriber<Key, Value>;
  static constexpr std::size_t kIndexThreshold = 16;

  std::span<const Entry> entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  const Entry* find(const Key& key) const {
    const std::optional<std::size_t> at = position(key);
    return at ? &entries_[*at] : nullptr;
  }

  // Adds `key`, or replaces its value when already present. True when it was added.
  bool insert_or_assign(const Key& key, Value value) {
    if (const std::optional<std::size_t> at = position(key)) {
      entries_[*at].value = std::move(value);
      return false;
    }
    entries_.push_back(Entry{key, std::move(value)});
    if (index_) {
      index_->emplace(key, entries_.size() - 1);
    } else if (entries_.size() > kIndexThreshold) {
      build_index();
    }
    return true;
  }

  // Removes `key`. Returns the position it occupied (the former last entry now sits there), or
  // nullopt when the key was absent.
  std::optional<std::size_t> erase(Key key) {  // by value: `key` may alias an entry we move
    const std::optional<std::size_t> at = position(key);
    if (!at) return std::nullopt;
    const std::size_t last = entries_.size() - 1;
    if (*at != last) {
      entries_[*at] = std::move(entries_[last]);
      if (index_) (*index_)[entries_[*at].key] = *at;
    }
    entries_.pop_back();
    if (index_) {
      index_->erase(key);
      // Hysteresis: drop the index well below the threshold so that a list oscillating around
      // it does not rebuild on every change.
      if (entries_.size() < kIndexThreshold / 2) index_.reset();
    }
    return at;
  }

 private:
  std::optional<std::size_t> position(const Key& key) const {
    if (index_) {
      const auto it = index_->find(key);
      if (it == index_->end()) return std::nullopt;
      return it->second;
    }
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (KeyEqual{}(entries_[i].key, key)) return i;
    }
    return std::nullopt;
  }

  void build_index() {
    index_ = std::make_unique<std::unordered_map<Key, std::size_t, Hash, KeyEqual>>();
    index_->reserve(entries_.size() * 2);
    for (std::size_t i = 0; i < entries_.size(); ++i) index_->emplace(entries_[i].key, i);
  }

  std::vector<Entry> entries_;
  // Key -> position in entries_; present only while entries_ is large.
  std::unique_ptr<std::unordered_map<Key, std::size_t, Hash, KeyEqual>> index_;
};

}  // namespace pregon::routing
