// DurableStore: pregon's persistent record store on RocksDB: sessions, their subscriptions,
// queues, in-flight and inbound QoS 2 state, messages and retained messages (records.hpp).
//
// Writes go in Batches through commit(), which reports durability by callback; with SyncMode
// Batch a writer thread groups every batch submitted within a short window into one synced
// RocksDB write (one fsync for many clients' changes). Recovery streams every record back through
// load(). A store whose files are damaged is moved aside (quarantined) at open, or refused.
//
// Thread-safety: every member function may be called from any thread concurrently, except that
// the destructor must not race with other calls. One instance per directory and process (RocksDB
// locks the directory). Callbacks passed to commit() run on the writer thread (or, with
// SyncMode::None, on the calling thread); they must be short, must not call flush() (commit() is
// fine), and should post to their own event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/expected.hpp"
#include "storage/records.hpp"
#include "storage/store_batch.hpp"

namespace pregon::storage {

enum class SyncMode {
  Batch,   // group commit: one synced write per window; callbacks after the fsync
  Always,  // every commit synced before its callback; no waiting window
  None,    // written without fsync (survives a crash of the process, not of the machine)
};

enum class OnCorruption {
  Quarantine,  // move the damaged directory aside, log what was lost, start empty
  Fail,        // refuse to open
};

struct StoreOptions {
  std::filesystem::path dir;
  SyncMode sync = SyncMode::Batch;
  std::chrono::microseconds batch_window{1000};  // SyncMode::Batch: how long to gather commits
  size_t batch_max_writes = 4096;  // at most this many commits per write (Batch and Always)
  OnCorruption on_corruption = OnCorruption::Quarantine;
};

struct StoreError {
  std::string message;
};

// Monotonic counters for metrics; a snapshot.
struct StoreCounters {
  uint64_t commits = 0;        // commit() calls
  uint64_t write_batches = 0;  // RocksDB writes (each may hold many commits)
  uint64_t fsyncs = 0;         // synced writes and WAL syncs
  uint64_t failed_writes = 0;
  uint64_t bytes_written = 0;  // RocksDB write batch sizes
  std::chrono::microseconds last_write_latency{0};
  std::chrono::microseconds write_latency_total{0};  // over every RocksDB write: mean = total / write_batches
};

// What load() or for_each_retained() saw.
struct LoadStats {
  uint64_t sessions = 0;
  uint64_t subscriptions = 0;
  uint64_t queued = 0;
  uint64_t inflight = 0;
  uint64_t inbound_qos2 = 0;
  uint64_t messages = 0;
  uint64_t retained = 0;
  uint64_t spilled = 0;
  uint64_t skipped = 0;  // records whose key or value could not be decoded (logged, not returned)
};

// Receives the records during load(), in key order: all messages (by id), then all retained
// messages (by topic), then client by client: the session record first, then its subscriptions,
// its queue in sequence order, its in-flight entries and inbound QoS 2 ids by packet id. Records
// of a client may appear without a session record if they were written without one. Last, client
// by client in sequence order, the keys of spilled queue entries (their records stay on disk until
// read_spilled). The views are valid only during the call; records are handed over by value.
// Default: ignore.
class LoadVisitor {
 public:
  virtual ~LoadVisitor() = default;
  virtual void on_message(uint64_t /*message_id*/, StoredMessage&& /*message*/) {}
  virtual void on_retained(std::string_view /*topic*/, StoredMessage&& /*message*/) {}
  virtual void on_session(StoredSession&& /*session*/) {}
  virtual void on_subscription(std::string_view /*client_id*/, StoredSubscription&& /*sub*/) {}
  virtual void on_queued(std::string_view /*client_id*/, uint64_t /*sequence*/,
                         StoredDelivery&& /*delivery*/) {}
  virtual void on_inflight(std::string_view /*client_id*/, StoredInflight&& /*inflight*/) {}
  virtual void on_inbound_qos2(std::string_view /*client_id*/, uint16_t /*packet_id*/) {}
  virtual void on_spilled(std::string_view /*client_id*/, uint64_t /*sequence*/) {}
};

class DurableStore {
 public:
  using Options = StoreOptions;
  using RetainedCallback = std::function<void(std::string_view topic, StoredMessage&& message)>;
  // A spilled queue entry; nullopt for one whose record does not decode (logged).
  using SpilledCallback = std::function<void(uint64_t sequence, std::optional<StoredSpilled>&& entry)>;

  // Opens (creating if missing) the store in options.dir and verifies every file's checksums.
  // Damage (corruption, garbage in its files, a missing or garbled CURRENT/MANIFEST) is handled
  // per options.on_corruption. Other failures (directory locked by another process, permission
  // denied, disk full, a store written by a newer format) are returned as errors, never
  // quarantined.
  static base::Expected<std::unique_ptr<DurableStore>, StoreError> open(const Options& options);

  // Flushes (waits until every commit is durable) and stops the writer thread.
  ~DurableStore();
  DurableStore(const DurableStore&) = delete;
  DurableStore& operator=(const DurableStore&) = delete;

  const std::filesystem::path& dir() const;
  // Where a damaged store was moved at open; nullopt if none was.
  const std::optional<std::filesystem::path>& quarantined() const;

  // Submits a batch; `on_durable(true)` runs once it is durable per the SyncMode, or
  // `on_durable(false)` if the write failed (logged). Callbacks run in submission order (for
  // commits from one thread; across threads in the order the store received them). An empty
  // batch is a barrier: its callback runs after everything submitted before it. `on_durable`
  // may be empty.
  void commit(Batch batch, std::function<void(bool ok)> on_durable);

  // Blocks until everything submitted before the call is durable (with SyncMode::None: the WAL
  // is synced).
  void flush();

  // Streams every record to `visitor`, without copying the store into memory. Records that do
  // not decode are counted in `skipped`, logged and passed over; an error means RocksDB could not
  // read on (the visitor may have seen part of the records). May run concurrently with commits;
  // it sees a consistent snapshot taken at its start.
  base::Expected<LoadStats, StoreError> load(LoadVisitor& visitor) const;

  // Streams the retained messages only, in topic order.
  base::Expected<LoadStats, StoreError> for_each_retained(const RetainedCallback& callback) const;

  // Reads a client's spilled queue entries from `from_sequence` on, in sequence order: at most
  // `max_count` of them, and none after the one that brings the values read to `max_bytes`. Sees
  // what was durable when it began (commits still being written are not seen). `spilled` counts
  // the entries passed on.
  base::Expected<LoadStats, StoreError> read_spilled(std::string_view client_id, uint64_t from_sequence,
                                                     size_t max_count, size_t max_bytes,
                                                     const SpilledCallback& callback) const;

  StoreCounters counters() const;

 private:
  struct Impl;
  explicit DurableStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace pregon::storage
