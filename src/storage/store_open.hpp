// Opening the RocksDB database behind DurableStore, and moving a damaged one aside (quarantine).
// Internal to the storage layer. Runs once at start-up, on the calling thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include <rocksdb/db.h>

#include "base/expected.hpp"
#include "storage/durable_store.hpp"

namespace pregon::storage {

inline constexpr const char* kSpilledColumnFamily = "spilled";

struct OpenedDatabase {
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> spilled;  // after db: destroyed before it
  std::filesystem::path dir;                         // options.dir, normalized
  std::optional<std::filesystem::path> quarantined;  // where a damaged store was moved
};

// Opens the database in options.dir (creating it if the directory is empty or missing), verifies
// the checksums of every table file and the store format marker. On damage, quarantines or fails
// per options.on_corruption.
base::Expected<OpenedDatabase, StoreError> open_database(const StoreOptions& options);

// `<dir>.corrupt-<UTC timestamp>`, with a numeric suffix if that name is taken.
std::filesystem::path quarantine_path(const std::filesystem::path& dir);

}  // namespace pregon::storage
