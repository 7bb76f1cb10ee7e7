// Recovery: see store_loader.hpp. A record that does not decode is skipped, not fatal: losing
// one session or message is better than refusing to start, and RocksDB's checksums (verified at
// open and on every read here) already rule out damaged files, so what remains is a record this
// build cannot understand.
#include "storage/store_loader.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/record_codec.hpp"
#include "storage/store_keys.hpp"

namespace pregon::storage {
namespace {

// Individual skipped records logged per load; the rest only counted.
constexpr uint64_t kLoggedSkips = 16;

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

std::string printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  if (key.size() > 64) out += "...";
  return out;
}

class Loader {
 public:
  explicit Loader(LoadStats& stats) : stats_(stats) {}

  void skip(std::string_view key, std::string_view why) {
    if (stats_.skipped++ < kLoggedSkips) {
      spdlog::warn("storage: skipping the record at key '{}': {}", printable(key), why);
    }
  }

  // Decodes `value` with `decode`; on success passes the record to `use` and counts it.
  template <class Decode, class Use>
  void record(std::string_view key, std::string_view value, uint64_t& counter, Decode decode,
              Use use) {
    auto decoded = decode(as_bytes(value));
    if (!decoded) return skip(key, decoded.error().what);
    ++counter;
    use(std::move(*decoded));
  }

 private:
  LoadStats& stats_;
};

void visit(Loader& loader, LoadStats& stats, LoadVisitor& visitor, std::string_view key,
           std::string_view value) {
  const auto parsed = parse_key(key);
  if (!parsed) return loader.skip(key, "the key does not follow the layout");
  const ParsedKey& k = *parsed;
  switch (k.kind) {
    case KeyKind::Meta:
      return;
    case KeyKind::Message:
      return loader.record(key, value, stats.messages, decode_message, [&](StoredMessage&& m) {
        visitor.on_message(k.number, std::move(m));
      });
    case KeyKind::Retained:
      return loader.record(key, value, stats.retained, decode_message, [&](StoredMessage&& m) {
        visitor.on_retained(k.name, std::move(m));
      });
    case KeyKind::Client:
      break;
  }
  switch (k.client_kind) {
    case ClientKeyKind::Session: {
      auto session = decode_session(as_bytes(value));
      if (!session) return loader.skip(key, session.error().what);
      if (session->client_id != k.client_id) {
        return loader.skip(key, "the session's client id differs from its key");
      }
      ++stats.sessions;
      return visitor.on_session(std::move(*session));
    }
    case ClientKeyKind::Subscription:
      return loader.record(key, value, stats.subscriptions, decode_subscription,
                           [&](StoredSubscription&& s) {
                             visitor.on_subscription(k.client_id, std::move(s));
                           });
    case ClientKeyKind::Queued:
      return loader.record(key, value, stats.queued, decode_delivery, [&](StoredDelivery&& d) {
        visitor.on_queued(k.client_id, k.number, std::move(d));
      });
    case ClientKeyKind::Inflight: {
      auto inflight = decode_inflight(as_bytes(value));
      if (!inflight) return loader.skip(key, inflight.error().what);
      if (inflight->packet_id != k.number) {
        return loader.skip(key, "the packet id differs from its key");
      }
      ++stats.inflight;
      return visitor.on_inflight(k.client_id, std::move(*inflight));
    }
    case ClientKeyKind::InboundQos2:
      if (!value.empty()) return loader.skip(key, "inbound QoS 2 entry has a value");
      ++stats.inbound_qos2;
      return visitor.on_inbound_qos2(k.client_id, static_cast<uint16_t>(k.number));
    case ClientKeyKind::Spilled:
      return loader.skip(key, "a spilled entry outside its column family");
  }
}

std::unique_ptr<rocksdb::Iterator> iterator(rocksdb::DB& db, const rocksdb::Slice* upper,
                                            rocksdb::ColumnFamilyHandle* family = nullptr) {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;
  options.fill_cache = false;  // one pass over everything: do not evict what is hot
  options.iterate_upper_bound = upper;
  return std::unique_ptr<rocksdb::Iterator>(
      db.NewIterator(options, family != nullptr ? family : db.DefaultColumnFamily()));
}

std::optional<ParsedKey> spilled_key_of(std::string_view key) {
  auto parsed = parse_key(key);
  if (!parsed || parsed->kind != KeyKind::Client || parsed->client_kind != ClientKeyKind::Spilled) {
    return std::nullopt;
  }
  return parsed;
}

base::Expected<LoadStats, StoreError> finish(const rocksdb::Iterator& it, LoadStats stats) {
  if (stats.skipped > kLoggedSkips) {
    spdlog::warn("storage: skipped {} records in all ({} logged)", stats.skipped, kLoggedSkips);
  }
  if (!it.status().ok()) {
    return base::unexpected(
        StoreError{"storage: reading the store failed: " + it.status().ToString()});
  }
  return stats;
}

}  // namespace

base::Expected<LoadStats, StoreError> load_records(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled,
                                                   LoadVisitor& visitor) {
  LoadStats stats;
  Loader loader(stats);
  auto it = iterator(db, nullptr);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    visit(loader, stats, visitor, view(it->key()), view(it->value()));
  }
  auto loaded = finish(*it, stats);
  if (!loaded) return loaded;
  it = iterator(db, nullptr, &spilled);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    if (const auto k = spilled_key_of(key)) {
      ++stats.spilled;
      visitor.on_spilled(k->client_id, k->number);
    } else {
      loader.skip(key, "the key does not follow the layout");
    }
  }
  return finish(*it, stats);
}

base::Expected<LoadStats, StoreError> load_spilled(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& spilled,
                                                   std::string_view client_id, uint64_t from_sequence,
                                                   size_t max_count, size_t max_bytes,
                                                   const DurableStore::SpilledCallback& callback) {
  LoadStats stats;
  Loader loader(stats);
  const std::string end = client_prefix_end(client_id);
  const rocksdb::Slice upper(end);
  auto it = iterator(db, &upper, &spilled);
  size_t bytes = 0;
  for (it->Seek(spilled_key(client_id, from_sequence)); it->Valid() && stats.spilled + stats.skipped < max_count &&
                                                        bytes < max_bytes;
       it->Next()) {
    const std::string_view key = view(it->key());
    const auto k = spilled_key_of(key);
    if (!k) {
      loader.skip(key, "the key does not follow the layout");
      continue;
    }
    bytes += it->value().size();
    auto entry = decode_spilled(as_bytes(view(it->value())));
    if (entry) {
      ++stats.spilled;
      callback(k->number, std::move(*entry));
    } else {
      loader.skip(key, entry.error().what);
      callback(k->number, std::nullopt);
    }
  }
  return finish(*it, stats);
}

base::Expected<LoadStats, StoreError> load_retained(
    rocksdb::DB& db, const DurableStore::RetainedCallback& callback) {
  LoadStats stats;
  Loader loader(stats);
  const std::string begin = kind_begin(KeyKind::Retained);
  const std::string end = kind_end(KeyKind::Retained);
  const rocksdb::Slice upper(end);
  auto it = iterator(db, &upper);
  for (it->Seek(begin); it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    const auto parsed = parse_key(key);
    if (!parsed || parsed->kind != KeyKind::Retained) {
      loader.skip(key, "the key does not follow the layout");
      continue;
    }
    loader.record(key, view(it->value()), stats.retained, decode_message,
                  [&](StoredMessage&& m) { callback(parsed->name, std::move(m)); });
  }
  return finish(*it, stats);
}

}  // namespace pregon::storage
