// CommitWriter: see commit_writer.hpp for the group commit protocol.
#include "storage/commit_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <rocksdb/write_batch.h>

namespace pregon::storage {
namespace {

void append(rocksdb::WriteBatch& out, const Batch& batch, rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled) {
  for (const Batch::Op& op : batch.ops()) {
    rocksdb::ColumnFamilyHandle* family = op.column == Batch::Column::Spilled ? &spilled : db.DefaultColumnFamily();
    switch (op.type) {
      case Batch::OpType::Put:
        out.Put(family, op.key, op.value);
        break;
      case Batch::OpType::Erase:
        out.Delete(family, op.key);
        break;
      case Batch::OpType::EraseRange:
        out.DeleteRange(family, op.key, op.value);
        break;
    }
  }
}

}  // namespace

CommitWriter::CommitWriter(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled, SyncMode mode,
                           std::chrono::microseconds window, size_t max_writes)
    : db_(db), spilled_(spilled), mode_(mode), window_(window), max_writes_(max_writes == 0 ? 1 : max_writes) {
  if (mode_ != SyncMode::None) writer_ = std::thread([this] { run(); });
}

CommitWriter::~CommitWriter() {
  flush();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void CommitWriter::submit(Batch batch, Callback on_durable) {
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (mode_ == SyncMode::None) {
    rocksdb::WriteBatch wb;
    append(wb, batch, db_, spilled_);
    const bool ok = batch.empty() || write_batch(wb, false, 1);
    if (on_durable) on_durable(ok);
    return;
  }
  std::unique_lock lock(mutex_);
  if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
  pending_bytes_ += batch.byte_size();
  queue_.push_back(Pending{std::move(batch), std::move(on_durable)});
  ++submitted_;
  // Wake the writer when work appears, and again when a group is full; between the two it
  // sleeps out the window without being disturbed by every submission.
  const bool wake = queue_.size() == 1 || queue_.size() == max_writes_ || mode_ == SyncMode::Always;
  if (pending_bytes_ > kMaxPendingBytes) {
    work_ready_.notify_one();  // no point waiting out the window now
    work_done_.wait(lock, [&] { return stopping_ || pending_bytes_ <= kMaxPendingBytes / 2; });
    return;
  }
  lock.unlock();
  if (wake) work_ready_.notify_one();
}

void CommitWriter::flush() {
  if (mode_ == SyncMode::None) {
    const rocksdb::Status s = db_.SyncWAL();
    if (s.ok()) {
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
    } else {
      spdlog::error("storage: syncing the write-ahead log failed: {}", s.ToString());
    }
    return;
  }
  std::unique_lock lock(mutex_);
  const uint64_t target = submitted_;
  ++flush_waiters_;
  work_ready_.notify_one();  // no need to wait out the window
  work_done_.wait(lock, [&] { return completed_ >= target; });
  --flush_waiters_;
}

void CommitWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    if (mode_ == SyncMode::Batch) {
      // Group commit: gather what else arrives within the window of the oldest batch.
      work_ready_.wait_until(lock, oldest_ + window_, [&] {
        return stopping_ || flush_waiters_ > 0 || queue_.size() >= max_writes_;
      });
    }
    std::vector<Pending> group;
    const size_t n = std::min(queue_.size(), max_writes_);
    group.reserve(n);
    size_t group_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      group_bytes += queue_.front().batch.byte_size();
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    lock.unlock();

    const bool ok = write(group);
    for (Pending& p : group) {
      if (p.on_durable) p.on_durable(ok);
    }
    group.clear();  // release batches and callbacks outside the lock

    lock.lock();
    completed_ += n;
    pending_bytes_ -= group_bytes;
    work_done_.notify_all();
  }
}

bool CommitWriter::write(const std::vector<Pending>& group) {
  rocksdb::WriteBatch wb;
  bool any = false;
  for (const Pending& p : group) {
    any = any || !p.batch.empty();
    append(wb, p.batch, db_, spilled_);
  }
  if (!any) return true;  // only barriers: everything before them is already durable
  return write_batch(wb, true, group.size());
}

bool CommitWriter::write_batch(rocksdb::WriteBatch& batch, bool sync, size_t commits) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  const auto start = std::chrono::steady_clock::now();
  const rocksdb::Status s = db_.Write(options, &batch);
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  last_write_latency_us_.store(latency.count(), std::memory_order_relaxed);
  write_latency_total_us_.fetch_add(latency.count(), std::memory_order_relaxed);
  write_batches_.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) {
    failed_writes_.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("storage: writing {} commit(s) failed; they are not durable: {}", commits,
                  s.ToString());
    return false;
  }
  if (sync) fsyncs_.fetch_add(1, std::memory_order_relaxed);
  bytes_written_.fetch_add(batch.GetDataSize(), std::memory_order_relaxed);
  return true;
}

StoreCounters CommitWriter::counters() const {
  StoreCounters c;
  c.commits = commits_.load(std::memory_order_relaxed);
  c.write_batches = write_batches_.load(std::memory_order_relaxed);
  c.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  c.failed_writes = failed_writes_.load(std::memory_order_relaxed);
  c.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  c.last_write_latency =
      std::chrono::microseconds(last_write_latency_us_.load(std::memory_order_relaxed));
  c.write_latency_total = std::chrono::microseconds(write_latency_total_us_.load(std::memory_order_relaxed));
  return c;
}

}  // namespace pregon::storage
