// BlockPool: memory blocks in power-of-two size classes for the message path, so that relaying a
// message makes no trip through malloc once the pool has warmed up. Each event-loop thread owns one
// pool and is the only one that allocates from it; a block may be freed on any thread, because the
// last reference to a message can be dropped by any thread that delivered it.
//
// Every block starts with a header that names its pool and size class. A pool's owner is the
// thread that allocates from it (allocate() binds the calling thread to the pool). Freeing a block
// on its owner's thread puts it on the owner's private free list with no atomic operation (most
// messages die on the thread that made them). On any other thread it goes on the owner's lock-free
// return stack (one compare-and-swap), which the owner takes whole, in one exchange, when its list
// runs dry; a thread that asked for it (batch_returns) pushes such blocks a batch at a time. Only
// the owner pops, so the stack needs no ABA guard.
// Blocks larger than the largest class, and blocks asked of no pool, come from operator new and
// carry a null pool in their header, so that one `free` serves every block.
//
// Memory bound: a pool keeps at most about `max_cached_bytes` of free blocks (its private list and
// its return stack are checked separately, so briefly up to twice that); a block freed beyond that
// goes back to the system allocator, so a burst (a million queued messages, later acknowledged)
// does not pin its peak forever.
//
// Ownership: a pool must outlive every block it handed out, its owner thread's last free and the
// last flush of every thread that batches; the destructor frees the cached blocks.
// Thread-safety: allocate() on the owner thread only; free() on any thread.
#pragma once

#include <atomic>
#include <array>
#include <cstddef>
#include <cstdint>

namespace pregon::base {

class BlockPool {
 public:
  static constexpr size_t kMinBlock = 64;
  static constexpr size_t kClasses = 10;  // 64 B .. 32 KiB, header included
  static constexpr size_t kHeader = 16;   // keeps the user part 16-byte aligned
  static constexpr size_t kDefaultMaxCached = size_t{8} << 20;

  explicit BlockPool(size_t max_cached_bytes = kDefaultMaxCached) : max_cached_(max_cached_bytes) {}
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  // At least `bytes` usable bytes, 16-byte aligned. `pool` may be null: plain heap memory.
  // Throws std::bad_alloc like operator new.
  static void* allocate(BlockPool* pool, size_t bytes);
  // Any block from allocate(), on any thread. Null is ignored.
  static void free(void* p) noexcept;

  // From now on, this thread returns other pools' blocks in batches (per size class, up to
  // kReturnBatch blocks or kReturnBatchBytes): one push per batch instead of two atomic operations
  // per block on cache lines their owner writes. The thread must call flush_returns() regularly (an
  // event loop: after each pass) and before the pools may go; it stops batching at its last flush.
  static void batch_returns() noexcept;
  // Hands this thread's batches back to their pools; `last` also stops batching.
  static void flush_returns(bool last = false) noexcept;
  static constexpr size_t kReturnBatch = 64;
  static constexpr size_t kReturnBatchBytes = size_t{64} << 10;

  // Bytes held in free blocks (both lists), for metrics and tests.
  size_t cached_bytes() const {
    return owned_.load(std::memory_order_relaxed) + returned_bytes_.load(std::memory_order_relaxed);
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Header {
    BlockPool* pool;
    uint32_t size_class;
  };
  static_assert(sizeof(Header) <= kHeader);

  // One thread's blocks of one size class from one other pool, not yet given back.
  struct Batch {
    BlockPool* pool = nullptr;
    FreeBlock* head = nullptr;
    FreeBlock* tail = nullptr;
    size_t count = 0;
  };
  struct Batches;
  static Batches& batches() noexcept;

  static size_t class_bytes(size_t c) { return kMinBlock << c; }
  void* take(size_t c);
  void keep(Header* h, size_t bytes) noexcept;  // owner thread: onto the private list
  // Any thread: the chain head..tail of `count` blocks of class `c` onto the return stack.
  void give_back(FreeBlock* head, FreeBlock* tail, size_t count, size_t c) noexcept;
  static void flush(Batch& b, size_t c) noexcept;

  const size_t max_cached_;
  // Bytes on the private list: written by the owner only (a plain load and store, no locked
  // instruction), atomic so that cached_bytes() may read it from another thread.
  std::atomic<size_t> owned_{0};
  std::atomic<size_t> returned_bytes_{0};  // on the return stack, added before each push
  std::array<FreeBlock*, kClasses> local_{};                // owner thread only
  std::array<std::atomic<FreeBlock*>, kClasses> returned_{};  // any thread pushes; the owner takes all
};

// An allocator over a BlockPool, for std::allocate_shared: the control block and the object share
// one pooled block, and the block goes back to its pool on whichever thread drops the last reference.
template <class T>
struct PoolAllocator {
  using value_type = T;
  BlockPool* pool = nullptr;

  explicit PoolAllocator(BlockPool* p) : pool(p) {}
  template <class U>
  PoolAllocator(const PoolAllocator<U>& other) : pool(other.pool) {}  // NOLINT: rebinding

  T* allocate(size_t n) { return static_cast<T*>(BlockPool::allocate(pool, n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { BlockPool::free(p); }
  template <class U>
  bool operator==(const PoolAllocator<U>& other) const { return pool == other.pool; }
};

}  // namespace pregon::base
