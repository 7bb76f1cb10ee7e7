// Recovery: streams the durable store's records to a LoadVisitor with one RocksDB iterator, never
// holding more than one record in memory. Internal to the storage layer; DurableStore::load and
// for_each_retained call these. Safe from any thread (RocksDB iterators read a snapshot).
#pragma once

#include <rocksdb/db.h>

#include "base/expected.hpp"
#include "storage/durable_store.hpp"

namespace pregon::storage {

base::Expected<LoadStats, StoreError> load_records(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled,
                                                   LoadVisitor& visitor);

base::Expected<LoadStats, StoreError> load_retained(rocksdb::DB& db,
                                                    const DurableStore::RetainedCallback& callback);

// One client's spilled entries, for DurableStore::read_spilled.
base::Expected<LoadStats, StoreError> load_spilled(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled,
                                                   std::string_view client_id, uint64_t from_sequence,
                                                   size_t max_count, size_t max_bytes,
                                                   const DurableStore::SpilledCallback& callback);

}  // namespace pregon::storage
