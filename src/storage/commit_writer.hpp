// CommitWriter: turns Batches into RocksDB writes per SyncMode, and counts them. Internal to the
// storage layer; DurableStore owns one.
//
// Batch and Always modes run one writer thread. Submitters append to a queue under `mutex_`; the
// writer takes every queued batch (Batch mode: after waiting up to the window from the oldest
// one, or until `max_writes` are queued), writes them as one rocksdb::WriteBatch with sync=true,
// then runs their callbacks in queue order, outside the lock. Because there is one writer and it
// finishes a group before taking the next, callbacks run in submission order and a batch is never
// reported durable before an earlier one. None mode writes on the submitting thread, unsynced.
//
// Thread-safe: submit(), flush() and counters() from any thread. The destructor flushes and joins
// the writer; no submit() may race with it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "storage/durable_store.hpp"
#include "storage/store_batch.hpp"

namespace pregon::storage {

class CommitWriter {
 public:
  using Callback = std::function<void(bool ok)>;

  // `spilled`: the column family of Batch::Column::Spilled operations.
  CommitWriter(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled, SyncMode mode,
               std::chrono::microseconds window, size_t max_writes);
  ~CommitWriter();
  CommitWriter(const CommitWriter&) = delete;
  CommitWriter& operator=(const CommitWriter&) = delete;

  // Queues a batch. Backpressure: while more than kMaxPendingBytes wait to be written, the caller
  // waits until half of them are, so a loop that produces faster than the disk takes is slowed
  // (it stops reading its sockets meanwhile) instead of growing the queue without bound.
  void submit(Batch batch, Callback on_durable);
  static constexpr size_t kMaxPendingBytes = size_t{32} << 20;
  void flush();
  StoreCounters counters() const;

 private:
  struct Pending {
    Batch batch;
    Callback on_durable;
  };

  void run();
  // Writes the batches as one synced RocksDB write; false if it failed (logged).
  bool write(const std::vector<Pending>& group);
  bool write_batch(rocksdb::WriteBatch& batch, bool sync, size_t commits);

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& spilled_;
  const SyncMode mode_;
  const std::chrono::microseconds window_;
  const size_t max_writes_;

  std::mutex mutex_;
  std::condition_variable work_ready_;  // writer waits: queue non-empty, full, flush or stop
  std::condition_variable work_done_;   // flush() waits: completed_ advanced
  // Guarded by mutex_:
  std::deque<Pending> queue_;
  std::chrono::steady_clock::time_point oldest_;  // when the queue's front was submitted
  uint64_t submitted_ = 0;  // batches ever queued
  uint64_t completed_ = 0;  // batches whose callbacks have run
  size_t pending_bytes_ = 0;  // Batch::byte_size of the queued batches
  size_t flush_waiters_ = 0;
  bool stopping_ = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> write_batches_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> failed_writes_{0};
  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<int64_t> last_write_latency_us_{0};
  std::atomic<int64_t> write_latency_total_us_{0};

  std::thread writer_;  // last: started after every member above is ready
};

}  // namespace pregon::storage
