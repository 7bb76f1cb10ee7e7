// Unordered vectors whose elements know their own index, kept in a member of the element, so that
// one is removed in constant time: the last element takes its place and is told its new index.
// The element type P is a raw or smart pointer to T. Used for a loop's connections, a shard's
// clients and the buckets of a deadline wheel, where a hash set would cost a node per element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace pregon::base {

// Appends `p`, which points at `item`, and stores its index in `item.*index`.
template <class P, class T, class Index>
void push_indexed(std::vector<P>& v, P p, T& item, Index T::*index) {
  item.*index = static_cast<Index>(v.size());
  v.push_back(std::move(p));
}

// Removes the element that points at `item` (it must be in `v`, at `item.*index`) and returns it.
template <class P, class T, class Index>
P remove_indexed(std::vector<P>& v, T& item, Index T::*index) {
  const Index at = item.*index;
  P gone = std::move(v[at]);
  if (static_cast<std::size_t>(at) + 1 != v.size()) {
    v[at] = std::move(v.back());
    (*v[at]).*index = at;
  }
  v.pop_back();
  return gone;
}

}  // namespace pregon::base
