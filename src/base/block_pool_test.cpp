#include "base/block_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace pregon::base {
namespace {

TEST(BlockPool, ReusesAFreedBlockOfTheSameClass) {
  BlockPool pool;
  void* a = BlockPool::allocate(&pool, 100);
  BlockPool::free(a);
  EXPECT_EQ(pool.cached_bytes(), 128u);
  void* b = BlockPool::allocate(&pool, 90);  // same class: 90 + header fits in 128
  EXPECT_EQ(a, b);
  EXPECT_EQ(pool.cached_bytes(), 0u);
  BlockPool::free(b);
}

TEST(BlockPool, BlocksAreAlignedAndUsable) {
  BlockPool pool;
  std::vector<void*> blocks;
  for (size_t size : {0u, 1u, 48u, 49u, 200u, 4000u, 40000u, 1000000u}) {
    void* p = BlockPool::allocate(&pool, size);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    std::memset(p, 0xAB, size);
    blocks.push_back(p);
  }
  for (void* p : blocks) BlockPool::free(p);
}

TEST(BlockPool, OversizeAndPoollessBlocksBypassTheCache) {
  BlockPool pool;
  BlockPool::free(BlockPool::allocate(&pool, 1 << 20));
  BlockPool::free(BlockPool::allocate(nullptr, 100));
  EXPECT_EQ(pool.cached_bytes(), 0u);
}

TEST(BlockPool, FreesFromOtherThreadsComeBackToTheOwner) {
  BlockPool pool;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(BlockPool::allocate(&pool, 100));
  std::thread t1([&] {
    for (size_t i = 0; i < 500; ++i) BlockPool::free(blocks[i]);
  });
  std::thread t2([&] {
    for (size_t i = 500; i < 1000; ++i) BlockPool::free(blocks[i]);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(pool.cached_bytes(), 1000u * 128u);
  std::vector<void*> again;
  for (int i = 0; i < 1000; ++i) again.push_back(BlockPool::allocate(&pool, 100));
  EXPECT_EQ(pool.cached_bytes(), 0u);
  std::sort(blocks.begin(), blocks.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(blocks, again);
  for (void* p : again) BlockPool::free(p);
}

TEST(BlockPool, ABatchingThreadReturnsOtherPoolsBlocksWhenItFlushes) {
  BlockPool pool;
  std::vector<void*> blocks;
  for (size_t i = 0; i < 2 * BlockPool::kReturnBatch + 5; ++i) blocks.push_back(BlockPool::allocate(&pool, 100));
  BlockPool other;  // the batching thread's own pool, whose blocks it keeps at once
  size_t before_flush = 0;
  std::thread t([&] {
    BlockPool::batch_returns();
    void* own = BlockPool::allocate(&other, 100);
    BlockPool::free(own);
    for (void* p : blocks) BlockPool::free(p);
    before_flush = pool.cached_bytes();
    BlockPool::flush_returns(true);
    BlockPool::free(BlockPool::allocate(&pool, 100));  // batching stopped: back at once
  });
  t.join();
  EXPECT_EQ(before_flush, 2 * BlockPool::kReturnBatch * 128u) << "full batches go back without a flush";
  EXPECT_EQ(pool.cached_bytes(), blocks.size() * 128u);
  EXPECT_EQ(other.cached_bytes(), 128u);
  std::vector<void*> again;
  for (size_t i = 0; i < blocks.size(); ++i) again.push_back(BlockPool::allocate(&pool, 100));
  std::sort(blocks.begin(), blocks.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(blocks, again);
  for (void* p : again) BlockPool::free(p);
}

TEST(BlockPool, ABatchPastTheCacheLimitIsFreed) {
  BlockPool pool(10 * 128);
  std::vector<void*> blocks;
  for (int i = 0; i < 50; ++i) blocks.push_back(BlockPool::allocate(&pool, 100));
  std::thread t([&] {
    BlockPool::batch_returns();
    for (void* p : blocks) BlockPool::free(p);
    BlockPool::flush_returns(true);
  });
  t.join();
  EXPECT_EQ(pool.cached_bytes(), 0u) << "50 blocks at once would be over the limit of 10";
}

TEST(BlockPool, KeepsNoMoreThanItsCacheLimit) {
  BlockPool pool(10 * 128);
  std::vector<void*> blocks;
  for (int i = 0; i < 50; ++i) blocks.push_back(BlockPool::allocate(&pool, 100));
  for (void* p : blocks) BlockPool::free(p);
  EXPECT_EQ(pool.cached_bytes(), 10u * 128u);
}

TEST(PoolAllocator, SharedObjectAndControlBlockShareOnePooledBlock) {
  BlockPool pool;
  {
    auto p = std::allocate_shared<std::array<int, 8>>(PoolAllocator<std::array<int, 8>>(&pool));
    (*p)[0] = 1;
  }
  const size_t cached = pool.cached_bytes();
  EXPECT_GT(cached, 0u);
  auto again = std::allocate_shared<std::array<int, 8>>(PoolAllocator<std::array<int, 8>>(&pool));
  EXPECT_EQ(pool.cached_bytes(), 0u);
}

}  // namespace
}  // namespace pregon::base
