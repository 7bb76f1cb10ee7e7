#include "base/block_pool.hpp"

#include <sanitizer/asan_interface.h>

#include <bit>
#include <new>

namespace pregon::base {

namespace {
constexpr uint32_t kNoClass = ~uint32_t{0};
}  // namespace

BlockPool::~BlockPool() {
  for (size_t c = 0; c < kClasses; ++c) {
    FreeBlock* lists[2] = {local_[c], returned_[c].exchange(nullptr, std::memory_order_acquire)};
    for (FreeBlock* b : lists) {
      while (b != nullptr) {
        FreeBlock* next = b->next;
        ASAN_UNPOISON_MEMORY_REGION(b, class_bytes(c));
        ::operator delete(static_cast<void*>(b));
        b = next;
      }
    }
  }
}

void* BlockPool::allocate(BlockPool* pool, size_t bytes) {
  const size_t total = bytes + kHeader;
  const size_t c = total <= kMinBlock ? 0 : static_cast<size_t>(std::bit_width((total - 1) / kMinBlock));
  void* block;
  Header h{pool, static_cast<uint32_t>(c)};
  if (pool != nullptr && c < kClasses) {
    block = pool->take(c);
  } else {
    block = ::operator new(total);
    h = {nullptr, kNoClass};
  }
  *static_cast<Header*>(block) = h;
  return static_cast<std::byte*>(block) + kHeader;
}

void* BlockPool::take(size_t c) {
  if (local_[c] == nullptr) local_[c] = returned_[c].exchange(nullptr, std::memory_order_acquire);
  if (FreeBlock* b = local_[c]) {
    local_[c] = b->next;
    ASAN_UNPOISON_MEMORY_REGION(b, class_bytes(c));
    cached_.fetch_sub(class_bytes(c), std::memory_order_relaxed);
    return b;
  }
  return ::operator new(class_bytes(c));
}

void BlockPool::free(void* p) noexcept {
  if (p == nullptr) return;
  auto* h = reinterpret_cast<Header*>(static_cast<std::byte*>(p) - kHeader);
  if (h->pool == nullptr) {
    ::operator delete(static_cast<void*>(h));
    return;
  }
  h->pool->give_back(h);
}

void BlockPool::give_back(Header* h) noexcept {
  const size_t c = h->size_class;
  const size_t bytes = class_bytes(c);
  if (cached_.load(std::memory_order_relaxed) + bytes > max_cached_) {
    ::operator delete(static_cast<void*>(h));
    return;
  }
  cached_.fetch_add(bytes, std::memory_order_relaxed);
  auto* b = reinterpret_cast<FreeBlock*>(h);
  // Under AddressSanitizer a cached block stays poisoned (all but its link) until it is handed out
  // again, so a use after free of a pooled message is still caught. Poisoned before the push: once
  // pushed, the owner may hand it out at once.
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<std::byte*>(b) + sizeof(FreeBlock), bytes - sizeof(FreeBlock));
  FreeBlock* head = returned_[c].load(std::memory_order_relaxed);
  do {
    b->next = head;
  } while (!returned_[c].compare_exchange_weak(head, b, std::memory_order_release, std::memory_order_relaxed));
}

}  // namespace pregon::base
