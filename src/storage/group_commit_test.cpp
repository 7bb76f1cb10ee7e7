// Group commit and the SyncModes. Assertions are on counts and order, never on timing.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/durable_store.hpp"
#include "storage/storage_test_support.hpp"

namespace pregon::storage {
namespace {

using testing::RecordingVisitor;
using testing::sample_delivery;
using testing::TempDir;

std::unique_ptr<DurableStore> open_store(const std::filesystem::path& dir, SyncMode sync,
                                         size_t max_writes = 4096) {
  StoreOptions options;
  options.dir = dir;
  options.sync = sync;
  options.batch_max_writes = max_writes;
  auto store = DurableStore::open(options);
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

Batch one_queued(const std::string& client, uint64_t sequence) {
  Batch batch;
  batch.put_queued(client, sequence, sample_delivery(sequence));
  return batch;
}

size_t queued_on_disk(const std::filesystem::path& dir) {
  StoreOptions options;
  options.dir = dir;
  auto store = DurableStore::open(options);
  EXPECT_TRUE(store);
  if (!store) return 0;
  RecordingVisitor v;
  EXPECT_TRUE((*store)->load(v));
  return v.queued.size();
}

TEST(GroupCommit, CallbacksRunOnceEachInSubmissionOrder) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir(), SyncMode::Batch);
  ASSERT_TRUE(store);
  constexpr int kCommits = 500;
  std::vector<int> order;  // written only by the writer thread, read after flush()
  for (int i = 0; i < kCommits; ++i) {
    store->commit(one_queued("c", static_cast<uint64_t>(i)), [&order, i](bool ok) {
      EXPECT_TRUE(ok);
      order.push_back(i);
    });
  }
  store->flush();
  ASSERT_EQ(order.size(), static_cast<size_t>(kCommits));
  for (int i = 0; i < kCommits; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
  const StoreCounters c = store->counters();
  EXPECT_EQ(c.commits, static_cast<uint64_t>(kCommits));
  EXPECT_EQ(c.fsyncs, c.write_batches);
  EXPECT_LE(c.write_batches, c.commits);
  EXPECT_GT(c.bytes_written, 0u);
  EXPECT_EQ(c.failed_writes, 0u);
}

TEST(GroupCommit, OneFsyncCoversManyConcurrentCommits) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir(), SyncMode::Batch);
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::mutex mutex;
  std::vector<std::vector<int>> seen(kThreads);  // guarded by mutex
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string client = "client-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        store->commit(one_queued(client, static_cast<uint64_t>(i)), [&, t, i](bool ok) {
          EXPECT_TRUE(ok);
          calls.fetch_add(1);
          std::lock_guard lock(mutex);
          seen[static_cast<size_t>(t)].push_back(i);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  store->flush();

  EXPECT_EQ(calls.load(), kThreads * kPerThread);
  for (const auto& per_thread : seen) {
    ASSERT_EQ(per_thread.size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) EXPECT_EQ(per_thread[static_cast<size_t>(i)], i);
  }
  const StoreCounters c = store->counters();
  EXPECT_EQ(c.commits, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(c.write_batches, c.commits);
  EXPECT_EQ(c.fsyncs, c.write_batches);
  store.reset();
  EXPECT_EQ(queued_on_disk(tmp.store_dir()), static_cast<size_t>(kThreads * kPerThread));
}

TEST(GroupCommit, NoWriteHoldsMoreThanTheMaximum) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir(), SyncMode::Batch, 4);
  ASSERT_TRUE(store);
  for (int i = 0; i < 100; ++i) store->commit(one_queued("c", static_cast<uint64_t>(i)), {});
  store->flush();
  const StoreCounters c = store->counters();
  EXPECT_EQ(c.commits, 100u);
  EXPECT_GE(c.write_batches, 25u);
}

TEST(GroupCommit, EmptyBatchIsABarrier) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir(), SyncMode::Batch);
  ASSERT_TRUE(store);
  std::vector<int> order;
  store->commit(one_queued("c", 1), [&](bool) { order.push_back(1); });
  store->commit(Batch{}, [&](bool ok) {
    EXPECT_TRUE(ok);
    order.push_back(2);
  });
  store->flush();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(GroupCommit, DestructorFlushesPendingCommits) {
  TempDir tmp;
  std::atomic<int> calls{0};
  {
    auto store = open_store(tmp.store_dir(), SyncMode::Batch);
    ASSERT_TRUE(store);
    for (int i = 0; i < 50; ++i) {
      store->commit(one_queued("c", static_cast<uint64_t>(i)), [&](bool ok) {
        EXPECT_TRUE(ok);
        calls.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(calls.load(), 50);
  EXPECT_EQ(queued_on_disk(tmp.store_dir()), 50u);
}

TEST(SyncAlways, EveryCommitIsSyncedBeforeItsCallback) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir(), SyncMode::Always);
  ASSERT_TRUE(store);
  std::atomic<int> calls{0};
  for (int i = 0; i < 20; ++i) {
    store->commit(one_queued("c", static_cast<uint64_t>(i)), [&](bool ok) {
      EXPECT_TRUE(ok);
      calls.fetch_add(1);
    });
  }
  store->flush();
  EXPECT_EQ(calls.load(), 20);
  const StoreCounters c = store->counters();
  EXPECT_EQ(c.commits, 20u);
  EXPECT_GE(c.write_batches, 1u);
  EXPECT_EQ(c.fsyncs, c.write_batches);
}

TEST(SyncNone, CallbackRunsBeforeCommitReturns) {
  TempDir tmp;
  {
    auto store = open_store(tmp.store_dir(), SyncMode::None);
    ASSERT_TRUE(store);
    for (int i = 0; i < 10; ++i) {
      bool called = false;
      store->commit(one_queued("c", static_cast<uint64_t>(i)), [&](bool ok) {
        EXPECT_TRUE(ok);
        called = true;
      });
      EXPECT_TRUE(called);
    }
    const StoreCounters c = store->counters();
    EXPECT_EQ(c.commits, 10u);
    EXPECT_EQ(c.write_batches, 10u);
    EXPECT_EQ(c.fsyncs, 0u);
    store->flush();  // syncs the write-ahead log
    EXPECT_EQ(store->counters().fsyncs, 1u);
  }
  EXPECT_EQ(queued_on_disk(tmp.store_dir()), 10u);
}

}  // namespace
}  // namespace pregon::storage
