// SharedGroup: the members of one shared subscription "$share/{name}/{filter}" (MQTT 5.0 section
// 4.8.2). A group is identified by (name, filter); each matching message goes to one member,
// chosen by the broker, typically with pick_next() (round robin).
//
// Ownership: owned by SubscriptionTree; match() hands out `const SharedGroup&` that stays valid
// until the tree is next modified.
// Thread-safety: none. pick_next() advances a `mutable` cursor, so even the const functions of a
// tree that holds groups must not be called concurrently; picking a member is a scheduling
// decision, not a change of the subscription set, hence const.
#pragma once

#include <cassert>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "routing/subscriber_list.hpp"

namespace pregon::routing {

template <class Key, class Value, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class SharedGroup {
 public:
  using Member = Subscriber<Key, Value>;

  SharedGroup(std::string_view name, std::string_view filter) : name_(name), filter_(filter) {}

  std::string_view name() const { return name_; }
  std::string_view filter() const { return filter_; }
  // Members in a stable order (see SubscriberList). Never empty for a group inside a tree.
  std::span<const Member> members() const { return members_.entries(); }
  std::size_t size() const { return members_.size(); }
  const Member* find(const Key& key) const { return members_.find(key); }

  // The next member in round robin. Precondition: size() > 0.
  const Member& pick_next() const {
    assert(!members_.empty());
    if (cursor_ >= members_.size()) cursor_ = 0;
    return members_.entries()[cursor_++];
  }

  // Round robin restricted to the members for which `eligible(member)` holds (e.g. connected, or
  // with send quota left): tries each member at most once starting at the cursor, and leaves the
  // cursor just past the one chosen. Returns nullptr when none is eligible.
  template <class P>
  const Member* pick_next_if(P&& eligible) const {
    const std::span<const Member> all = members_.entries();
    for (std::size_t tried = 0; tried < all.size(); ++tried) {
      if (cursor_ >= all.size()) cursor_ = 0;
      const Member& candidate = all[cursor_++];
      if (eligible(candidate)) return &candidate;
    }
    return nullptr;
  }

  // Tree-side mutation; see SubscriptionTree::subscribe_shared / unsubscribe_shared.
  bool insert_or_assign(const Key& key, Value value) {
    return members_.insert_or_assign(key, std::move(value));
  }

  bool erase(Key key) {
    const std::size_t last = members_.size() - 1;  // only read when erase succeeds
    const std::optional<std::size_t> at = members_.erase(key);
    if (!at) return false;
    // The former last member moved into *at. If it was the next to be picked, follow it so the
    // rotation neither skips nor repeats it.
    if (cursor_ == last) cursor_ = *at;
    if (cursor_ >= members_.size()) cursor_ = 0;
    return true;
  }

 private:
  std::string name_;
  std::string filter_;
  SubscriberList<Key, Value, Hash, KeyEqual> members_;
  mutable std::size_t cursor_ = 0;  // position of the next member to pick
};

}  // namespace pregon::routing
