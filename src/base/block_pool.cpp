#include "base/block_pool.hpp"

#include <sanitizer/asan_interface.h>

#include <algorithm>
#include <bit>
#include <new>

namespace pregon::base {

namespace {
constexpr uint32_t kNoClass = ~uint32_t{0};
constexpr size_t kPrefetchBytes = 256;
// The pool this thread allocates from, if any: its blocks freed here skip the atomics.
thread_local BlockPool* t_home = nullptr;
}  // namespace

struct BlockPool::Batches {
  bool on = false;
  std::array<Batch, kClasses> by_class{};
  ~Batches() { flush_returns(true); }
};

BlockPool::Batches& BlockPool::batches() noexcept {
  thread_local Batches t_batches;
  return t_batches;
}

void BlockPool::batch_returns() noexcept { batches().on = true; }

void BlockPool::flush_returns(bool last) noexcept {
  Batches& all = batches();
  for (size_t c = 0; c < kClasses; ++c) flush(all.by_class[c], c);
  if (last) all.on = false;
}

void BlockPool::flush(Batch& b, size_t c) noexcept {
  if (b.pool == nullptr) return;  // set with the first block
  b.pool->give_back(b.head, b.tail, b.count, c);
  b = Batch{};
}

BlockPool::~BlockPool() {
  if (t_home == this) t_home = nullptr;
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
    t_home = pool;
    block = pool->take(c);
  } else {
    block = ::operator new(total);
    h = {nullptr, kNoClass};
  }
  *static_cast<Header*>(block) = h;
  return static_cast<std::byte*>(block) + kHeader;
}

void* BlockPool::take(size_t c) {
  size_t owned = owned_.load(std::memory_order_relaxed);
  if (local_[c] == nullptr) {
    // The stack first, then its bytes: a pusher adds the bytes before it pushes, so every block
    // taken here has been counted (a few not yet taken may be too; they are later).
    local_[c] = returned_[c].exchange(nullptr, std::memory_order_acquire);
    if (local_[c] != nullptr) owned += returned_bytes_.exchange(0, std::memory_order_relaxed);
  }
  if (FreeBlock* b = local_[c]) {
    local_[c] = b->next;
    // The next block of this class was most likely last written by another thread (a message it
    // delivered and freed): start fetching its first lines now, while this one is being filled.
    if (FreeBlock* next = b->next) {
      for (size_t at = 0; at < std::min(class_bytes(c), kPrefetchBytes); at += 64) {
        __builtin_prefetch(reinterpret_cast<const std::byte*>(next) + at, 1);
      }
    }
    ASAN_UNPOISON_MEMORY_REGION(b, class_bytes(c));
    owned_.store(owned - std::min(owned, class_bytes(c)), std::memory_order_relaxed);
    return b;
  }
  owned_.store(owned, std::memory_order_relaxed);
  return ::operator new(class_bytes(c));
}

void BlockPool::free(void* p) noexcept {
  if (p == nullptr) return;
  auto* h = reinterpret_cast<Header*>(static_cast<std::byte*>(p) - kHeader);
  if (h->pool == nullptr) {
    ::operator delete(static_cast<void*>(h));
    return;
  }
  const size_t bytes = class_bytes(h->size_class);
  if (BlockPool* pool = h->pool; pool == t_home) {
    if (pool->owned_.load(std::memory_order_relaxed) + bytes <= pool->max_cached_) {
      pool->keep(h, bytes);
    } else {
      ::operator delete(static_cast<void*>(h));
    }
    return;
  }
  // The link overlays the header: read it first.
  BlockPool* owner = h->pool;
  const size_t c = h->size_class;
  auto* block = reinterpret_cast<FreeBlock*>(h);
  // Under AddressSanitizer a cached block stays poisoned (all but its link) until it is handed out
  // again, so a use after free of a pooled message is still caught.
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<std::byte*>(block) + sizeof(FreeBlock), bytes - sizeof(FreeBlock));
  if (Batches& all = batches(); all.on) {
    Batch& b = all.by_class[c];
    if (b.pool != owner) {
      flush(b, c);
      b.pool = owner;
      b.tail = block;
    }
    block->next = b.head;
    b.head = block;
    if (++b.count >= kReturnBatch || b.count * bytes >= kReturnBatchBytes) flush(b, c);
    return;
  }
  block->next = nullptr;
  owner->give_back(block, block, 1, c);
}

void BlockPool::keep(Header* h, size_t bytes) noexcept {
  auto* b = reinterpret_cast<FreeBlock*>(h);
  const size_t c = h->size_class;
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<std::byte*>(b) + sizeof(FreeBlock), bytes - sizeof(FreeBlock));
  b->next = local_[c];
  local_[c] = b;
  owned_.store(owned_.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
}

void BlockPool::give_back(FreeBlock* head, FreeBlock* tail, size_t count, size_t c) noexcept {
  const size_t bytes = count * class_bytes(c);
  if (returned_bytes_.load(std::memory_order_relaxed) + owned_.load(std::memory_order_relaxed) + bytes > max_cached_) {
    while (head != nullptr) {
      FreeBlock* next = head->next;
      ASAN_UNPOISON_MEMORY_REGION(head, class_bytes(c));
      ::operator delete(static_cast<void*>(head));
      head = next;
    }
    return;
  }
  returned_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  // Poisoned before the push (in free): once pushed, the owner may hand the blocks out at once.
  FreeBlock* top = returned_[c].load(std::memory_order_relaxed);
  do {
    tail->next = top;
  } while (!returned_[c].compare_exchange_weak(top, head, std::memory_order_release, std::memory_order_relaxed));
}

}  // namespace pregon::base
