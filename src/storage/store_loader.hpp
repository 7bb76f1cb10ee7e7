// Recovery: streams the durable store's records to a LoadVisitor with one RocksDB iterator, never
// holding more than one record in memory. Internal to the storage layer; DurableStore::load and
// for_each_retained call these. Safe from any thread (RocksDB iterators read a snapshot).
#pragma once

#include <rocksdb/db.h>

#include "base/expected.hpp"
#include "storage/durable_store.hpp"

namespace pregon::storage {

base::Expected<LoadStats, StoreError> load_records(rocksdb::DB& db, LoadVisitor& visitor);

base::Expected<LoadStats, StoreError> load_retained(rocksdb::DB& db,
                                                    const DurableStore::RetainedCallback& callback);

}  // namespace pregon::storage
