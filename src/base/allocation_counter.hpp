// Counts the heap allocations the calling thread makes, so a test can prove that a path allocates
// nothing. Include it in exactly one source file of a test binary: it replaces the global operator
// new and delete of that binary (allocation itself is still malloc's). Never include it in a library.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace pregon::base {
// Test-only instrumentation: this thread's allocations, and every thread's (for a server's loops).
inline thread_local std::size_t thread_allocation_count = 0;
inline std::atomic<std::size_t> process_allocation_count{0};
}  // namespace pregon::base

// Out of line so that the compiler does not pair an inlined malloc with an inlined free at a
// new/delete call site and warn about a mismatch.
[[gnu::noinline]] void* operator new(std::size_t size) {
  ++pregon::base::thread_allocation_count;
  pregon::base::process_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
