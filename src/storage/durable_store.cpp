// DurableStore: ties together opening (store_open), group commit (commit_writer) and recovery
// (store_loader).
#include "storage/durable_store.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include <rocksdb/db.h>

#include "storage/commit_writer.hpp"
#include "storage/store_loader.hpp"
#include "storage/store_open.hpp"

namespace pregon::storage {

struct DurableStore::Impl {
  explicit Impl(OpenedDatabase opened, const Options& options)
      : db(std::move(opened.db)),
        spilled(std::move(opened.spilled)),
        dir(std::move(opened.dir)),
        quarantined(std::move(opened.quarantined)),
        writer(std::in_place, *db, *spilled, options.sync, options.batch_window, options.batch_max_writes) {}

  ~Impl() {
    writer.reset();  // flushes every pending commit, then stops the writer thread
    spilled.reset();  // column family handles go before the database closes
    // Close() reports what a plain delete would swallow.
    const rocksdb::Status s = db->Close();
    if (!s.ok()) spdlog::error("storage: closing the store in {}: {}", dir.string(), s.ToString());
  }

  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> spilled;
  std::filesystem::path dir;
  std::optional<std::filesystem::path> quarantined;
  std::optional<CommitWriter> writer;
};

base::Expected<std::unique_ptr<DurableStore>, StoreError> DurableStore::open(
    const Options& options) {
  auto opened = open_database(options);
  if (!opened) return base::unexpected(opened.error());
  return std::unique_ptr<DurableStore>(
      new DurableStore(std::make_unique<Impl>(std::move(*opened), options)));
}

DurableStore::DurableStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DurableStore::~DurableStore() = default;

const std::filesystem::path& DurableStore::dir() const { return impl_->dir; }

const std::optional<std::filesystem::path>& DurableStore::quarantined() const {
  return impl_->quarantined;
}

void DurableStore::commit(Batch batch, std::function<void(bool ok)> on_durable) {
  impl_->writer->submit(std::move(batch), std::move(on_durable));
}

void DurableStore::flush() { impl_->writer->flush(); }

base::Expected<LoadStats, StoreError> DurableStore::load(LoadVisitor& visitor) const {
  return load_records(*impl_->db, *impl_->spilled, visitor);
}

base::Expected<LoadStats, StoreError> DurableStore::for_each_retained(
    const RetainedCallback& callback) const {
  return load_retained(*impl_->db, callback);
}

base::Expected<LoadStats, StoreError> DurableStore::read_spilled(std::string_view client_id,
                                                                uint64_t from_sequence, size_t max_count,
                                                                size_t max_bytes,
                                                                const SpilledCallback& callback) const {
  return load_spilled(*impl_->db, *impl_->spilled, client_id, from_sequence, max_count, max_bytes, callback);
}

StoreCounters DurableStore::counters() const { return impl_->writer->counters(); }

}  // namespace pregon::storage
