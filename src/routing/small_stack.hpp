// SmallStack<T, N>: a LIFO work list for the iterative trie walks. The first N elements live
// inline (on the caller's stack), the rest spill into a vector. Trie walks are iterative rather
// than recursive because a filter may have up to 32768 levels, too deep for a thread's stack;
// the inline part keeps the ordinary walk (a handful of levels) free of heap allocation.
// T must be trivially copyable. Not thread-safe; meant as a local variable.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace pregon::routing {

template <class T, std::size_t N>
class SmallStack {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  bool empty() const { return size_ == 0; }

  void push(const T& value) {
    if (size_ < N) {
      inline_[size_++] = value;
    } else {
      spill_.push_back(value);
      ++size_;
    }
  }

  T pop() {
    --size_;
    if (size_ >= N) {
      T value = spill_.back();
      spill_.pop_back();
      return value;
    }
    return inline_[size_];
  }

 private:
  std::array<T, N> inline_{};
  std::size_t size_ = 0;  // every element, inline or spilled
  std::vector<T> spill_;
};

}  // namespace pregon::routing
