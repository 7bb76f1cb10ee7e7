// RingDeque<T>: a double-ended queue on one power-of-two ring buffer. Unlike std::deque it holds no
// memory until the first push (an idle session's queues cost nothing), and once grown it pushes and
// pops without allocating. Erasing from the middle shifts the later elements (O(n)); the queues it
// serves erase from the front almost always.
//
// T must be default-constructible and movable; a popped or erased slot is reset to T{} so that it
// releases what it held.
// Thread-safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <utility>

namespace pregon::base {

template <class T>
class RingDeque {
 public:
  template <class Q, class V>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = V*;
    using reference = V&;

    Iter() = default;
    Iter(Q* q, size_t i) : q_(q), i_(i) {}
    reference operator*() const { return (*q_)[i_]; }
    pointer operator->() const { return &(*q_)[i_]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++i_;
      return old;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }
    size_t index() const { return i_; }

   private:
    Q* q_ = nullptr;
    size_t i_ = 0;
  };
  using iterator = Iter<RingDeque, T>;
  using const_iterator = Iter<const RingDeque, const T>;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  T& operator[](size_t i) { return slots_[(head_ + i) & (capacity_ - 1)]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & (capacity_ - 1)]; }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

  void push_back(T value) {
    if (size_ == capacity_) grow();
    (*this)[size_] = std::move(value);
    ++size_;
  }

  void pop_front() {
    front() = T{};
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }

  // Removes the element at `it`; returns the iterator to the element that followed it.
  iterator erase(iterator it) {
    const size_t i = it.index();
    if (i == 0) {
      pop_front();
      return begin();
    }
    for (size_t k = i; k + 1 < size_; ++k) (*this)[k] = std::move((*this)[k + 1]);
    back() = T{};
    --size_;
    return {this, i};
  }

  void clear() {
    while (!empty()) pop_front();
  }

 private:
  void grow() {
    const uint32_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
    auto bigger = std::make_unique<T[]>(capacity);
    for (size_t k = 0; k < size_; ++k) bigger[k] = std::move((*this)[k]);
    slots_ = std::move(bigger);
    capacity_ = capacity;
    head_ = 0;
  }

  // 24 bytes, not a vector's 24 plus two size_t: every session holds two of these.
  std::unique_ptr<T[]> slots_;
  uint32_t capacity_ = 0;  // zero or a power of two
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace pregon::base
