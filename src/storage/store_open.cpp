// Opening and quarantine: see store_open.hpp.
//
// "Damaged" means the files are there but cannot be trusted: RocksDB reports corruption, a file
// it needs is missing or garbled, or the directory holds files but no CURRENT (RocksDB would then
// create a new database over them and silently drop the old one). Errors that moving the
// directory cannot cure (another process holds the lock, permission denied, disk full, a newer
// store format) are reported and the directory is left alone.
#include "storage/store_open.hpp"

#include <rocksdb/memtablerep.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/store_keys.hpp"

namespace pregon::storage {
namespace {

struct Attempt {
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> spilled;  // after db: destroyed before it
  bool damaged = false;
  std::string what;  // why it failed
};

Attempt failed(bool damaged, std::string what) {
  return Attempt{nullptr, nullptr, damaged, std::move(what)};
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

bool is_damage(const rocksdb::Status& status) {
  if (status.IsCorruption()) return true;
  if (status.IsIOError()) {
    const std::string text = status.ToString();
    // LOCK held by another process or another DurableStore in this one.
    if (contains(text, "lock file") || contains(text, "lock hold")) return false;
    if (contains(text, "Permission denied") || status.IsNoSpace()) return false;
    return true;  // e.g. MANIFEST or a table file missing or short
  }
  // Garbled MANIFEST contents can surface as an invalid argument (an unknown comparator or
  // column family); an unsupported file format as NotSupported.
  return status.IsInvalidArgument() || status.IsNotSupported();
}

rocksdb::Options database_options(const StoreOptions& options, bool create) {
  rocksdb::Options o;
  o.create_if_missing = create;
  o.paranoid_checks = true;
  o.max_background_jobs = 2;
  // The broker writes and erases records all the time and reads them only when it starts: an
  // append-only memtable (sorted when flushed) costs no skip-list search per write, which was
  // most of the writer's time. Bounded: two 32 MiB memtables at most.
  o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  o.allow_concurrent_memtable_write = false;
  o.write_buffer_size = size_t{32} << 20;
  o.max_write_buffer_number = 2;
  o.keep_log_file_num = 4;
  o.create_missing_column_families = true;  // stores written before spilling existed
  // With synced commits every acknowledged write reached the disk before the next began, so only
  // the last WAL record may be torn by a crash; damage anywhere else means acknowledged state
  // would silently vanish, and must be reported. Unsynced writes may lose any suffix in a machine
  // crash, so there recovery stops at the first bad record, as RocksDB does by default.
  o.wal_recovery_mode = options.sync == SyncMode::None
                            ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                            : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  return o;
}

// Spilled queue entries are written once and read back by range while the broker runs, so their
// column family keeps RocksDB's default skip-list memtable (the vector memtable sorts itself on
// every read).
rocksdb::ColumnFamilyOptions spilled_options() {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = size_t{16} << 20;
  o.max_write_buffer_number = 2;
  return o;
}

// Checks (and on a new store writes) the store format marker.
Attempt check_format(Attempt attempt) {
  std::string value;
  rocksdb::Status s = attempt.db->Get(rocksdb::ReadOptions(), format_key(), &value);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions w;
    w.sync = true;
    s = attempt.db->Put(w, format_key(), std::string(1, static_cast<char>(kStoreFormatVersion)));
    if (!s.ok()) return failed(is_damage(s), "cannot write the format marker: " + s.ToString());
    return attempt;
  }
  if (!s.ok()) return failed(is_damage(s), "cannot read the format marker: " + s.ToString());
  if (value.size() != 1) return failed(true, "the format marker is garbled");
  const auto version = static_cast<uint8_t>(value[0]);
  if (version > kStoreFormatVersion) {
    return failed(false, "the store was written in format " + std::to_string(version) +
                             ", newer than this build reads (" +
                             std::to_string(kStoreFormatVersion) + ")");
  }
  return attempt;
}

Attempt try_open(const std::filesystem::path& dir, const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failed(false, "cannot create the directory: " + ec.message());
  const bool has_current = std::filesystem::exists(dir / "CURRENT", ec);
  const bool is_empty = std::filesystem::is_empty(dir, ec);
  if (ec) return failed(false, "cannot read the directory: " + ec.message());
  if (!has_current && !is_empty) {
    return failed(true, "the directory holds files but no CURRENT file");
  }

  const rocksdb::Options o = database_options(options, !has_current);
  const std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)},
      {kSpilledColumnFamily, spilled_options()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(o), dir.string(), families, &handles, &raw);
  if (!s.ok()) return failed(is_damage(s), s.ToString());
  Attempt attempt{std::unique_ptr<rocksdb::DB>(raw), std::unique_ptr<rocksdb::ColumnFamilyHandle>(handles[1]),
                  false, {}};
  delete handles[0];  // the default family is reached through the database itself

  // Table files whose blocks were overwritten can open fine and fail only when read; read them
  // all now, while quarantine is still possible.
  s = attempt.db->VerifyChecksum();
  if (!s.ok()) return failed(is_damage(s), s.ToString());
  return check_format(std::move(attempt));
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

std::filesystem::path normalized(const std::filesystem::path& dir) {
  std::filesystem::path p = dir.lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "store/" -> "store"
  return p;
}

}  // namespace

std::filesystem::path quarantine_path(const std::filesystem::path& dir) {
  const std::string base = dir.string() + ".corrupt-" + utc_timestamp();
  std::filesystem::path candidate = base;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(candidate, ec); ++n) {
    candidate = base + "-" + std::to_string(n);
  }
  return candidate;
}

base::Expected<OpenedDatabase, StoreError> open_database(const StoreOptions& options) {
  const std::filesystem::path dir = normalized(options.dir);
  if (dir.empty()) return base::unexpected(StoreError{"storage: no directory configured"});

  Attempt attempt = try_open(dir, options);
  if (attempt.db) return OpenedDatabase{std::move(attempt.db), std::move(attempt.spilled), dir, std::nullopt};
  if (!attempt.damaged) {
    return base::unexpected(
        StoreError{"storage: cannot open the store in " + dir.string() + ": " + attempt.what});
  }
  if (options.on_corruption == OnCorruption::Fail) {
    return base::unexpected(StoreError{
        "storage: the store in " + dir.string() + " is damaged (" + attempt.what +
        "); move it aside to start empty, or set on_corruption to quarantine"});
  }

  const std::filesystem::path target = quarantine_path(dir);
  std::error_code ec;
  std::filesystem::rename(dir, target, ec);
  if (ec) {
    return base::unexpected(StoreError{"storage: the store in " + dir.string() + " is damaged (" +
                                       attempt.what + ") and could not be moved to " +
                                       target.string() + ": " + ec.message()});
  }
  spdlog::error(
      "storage: the store in {} is damaged ({}); moved it to {} and started an empty store. Every "
      "persisted session, subscription, queued and in-flight message and retained message in it "
      "is lost to the broker (the files are kept for inspection).",
      dir.string(), attempt.what, target.string());

  Attempt fresh = try_open(dir, options);
  if (!fresh.db) {
    return base::unexpected(StoreError{"storage: cannot create a new store in " + dir.string() +
                                       " after quarantine: " + fresh.what});
  }
  return OpenedDatabase{std::move(fresh.db), std::move(fresh.spilled), dir, target};
}

}  // namespace pregon::storage
