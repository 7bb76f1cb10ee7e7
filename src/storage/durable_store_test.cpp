#include "storage/durable_store.hpp"

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "storage/record_codec.hpp"
#include "storage/store_keys.hpp"
#include "storage/store_open.hpp"
#include "storage/storage_test_support.hpp"

namespace pregon::storage {
namespace {

using testing::RecordingVisitor;
using testing::sample_delivery;
using testing::sample_message;
using testing::sample_session;
using testing::TempDir;

std::unique_ptr<DurableStore> open_store(const std::filesystem::path& dir,
                                         SyncMode sync = SyncMode::Batch) {
  StoreOptions options;
  options.dir = dir;
  options.sync = sync;
  auto store = DurableStore::open(options);
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

// Commits and waits; returns what the callback said.
bool commit_and_wait(DurableStore& store, Batch batch) {
  bool result = false;
  int calls = 0;
  store.commit(std::move(batch), [&](bool ok) {
    result = ok;
    ++calls;
  });
  store.flush();
  EXPECT_EQ(calls, 1);
  return result;
}

RecordingVisitor load_all(const DurableStore& store, LoadStats* stats_out = nullptr) {
  RecordingVisitor visitor;
  auto stats = store.load(visitor);
  EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  if (stats && stats_out) *stats_out = *stats;
  return visitor;
}

// Every kind of record for one client.
void add_client(Batch& batch, const std::string& id) {
  batch.put_session(sample_session(id));
  batch.put_subscription(id, StoredSubscription{"a/+", 0x01, 0});
  batch.put_subscription(id, StoredSubscription{"b/#", 0x2E, 7});
  batch.put_queued(id, 2, sample_delivery(20));
  batch.put_queued(id, 1, sample_delivery(10));
  batch.put_inflight(id, StoredInflight{5, InflightState::AwaitPubRec, sample_delivery(30)});
  batch.put_inbound_qos2(id, 9);
}

TEST(DurableStore, OpenCreatesTheDirectoryAndStartsEmpty) {
  TempDir tmp;
  auto store = open_store(tmp.root() / "a" / "b");
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(tmp.root() / "a" / "b" / "CURRENT"));
  EXPECT_FALSE(store->quarantined());
  LoadStats stats;
  EXPECT_EQ(load_all(*store, &stats).total(), 0u);
  EXPECT_EQ(stats.skipped, 0u);
}

TEST(DurableStore, EveryRecordKindSurvivesReopen) {
  TempDir tmp;
  {
    auto store = open_store(tmp.store_dir());
    ASSERT_TRUE(store);
    Batch batch;
    batch.put_message(10, sample_message("m/10"));
    batch.put_message(2, sample_message("m/2", ""));
    batch.put_retained("r/1", sample_message("r/1"));
    add_client(batch, "client");
    EXPECT_EQ(batch.size(), 10u);
    EXPECT_TRUE(commit_and_wait(*store, std::move(batch)));
  }
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  LoadStats stats;
  RecordingVisitor v = load_all(*store, &stats);

  ASSERT_EQ(v.messages.size(), 2u);
  EXPECT_EQ(v.messages[0].first, 2u);  // by id
  EXPECT_EQ(v.messages[0].second, sample_message("m/2", ""));
  EXPECT_EQ(v.messages[1].first, 10u);
  EXPECT_EQ(v.messages[1].second, sample_message("m/10"));
  ASSERT_EQ(v.retained.size(), 1u);
  EXPECT_EQ(v.retained[0].first, "r/1");
  EXPECT_EQ(v.retained[0].second, sample_message("r/1"));
  ASSERT_EQ(v.sessions.size(), 1u);
  EXPECT_EQ(v.sessions[0], sample_session("client"));
  ASSERT_EQ(v.subscriptions.size(), 2u);
  EXPECT_EQ(v.subscriptions[0].second, (StoredSubscription{"a/+", 0x01, 0}));
  EXPECT_EQ(v.subscriptions[1].second, (StoredSubscription{"b/#", 0x2E, 7}));
  ASSERT_EQ(v.queued.size(), 2u);
  EXPECT_EQ(std::get<1>(v.queued[0]), 1u);  // sequence order, not insertion order
  EXPECT_EQ(std::get<2>(v.queued[0]), sample_delivery(10));
  EXPECT_EQ(std::get<1>(v.queued[1]), 2u);
  ASSERT_EQ(v.inflight.size(), 1u);
  EXPECT_EQ(v.inflight[0].second,
            (StoredInflight{5, InflightState::AwaitPubRec, sample_delivery(30)}));
  ASSERT_EQ(v.inbound_qos2.size(), 1u);
  EXPECT_EQ(v.inbound_qos2[0], (std::pair<std::string, uint16_t>{"client", 9}));

  const std::vector<std::string> order = {"message",
                                          "message",
                                          "retained",
                                          "session:client",
                                          "subscription:client",
                                          "subscription:client",
                                          "queued:client",
                                          "queued:client",
                                          "inflight:client",
                                          "inbound_qos2:client"};
  EXPECT_EQ(v.order, order);
  EXPECT_EQ(stats.messages, 2u);
  EXPECT_EQ(stats.retained, 1u);
  EXPECT_EQ(stats.sessions, 1u);
  EXPECT_EQ(stats.subscriptions, 2u);
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.inflight, 1u);
  EXPECT_EQ(stats.inbound_qos2, 1u);
  EXPECT_EQ(stats.skipped, 0u);
}

TEST(DurableStore, SingleErasesRemoveOnlyTheirRecord) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  Batch setup;
  setup.put_message(1, sample_message("m"));
  setup.put_message(2, sample_message("m"));
  setup.put_retained("r/1", sample_message("r/1"));
  setup.put_retained("r/2", sample_message("r/2"));
  add_client(setup, "c");
  ASSERT_TRUE(commit_and_wait(*store, std::move(setup)));

  Batch erase;
  erase.erase_message(1);
  erase.erase_retained("r/1");
  erase.erase_subscription("c", "a/+");
  erase.erase_queued("c", 1);
  erase.erase_inflight("c", 5);
  erase.erase_inbound_qos2("c", 9);
  ASSERT_TRUE(commit_and_wait(*store, std::move(erase)));

  RecordingVisitor v = load_all(*store);
  ASSERT_EQ(v.messages.size(), 1u);
  EXPECT_EQ(v.messages[0].first, 2u);
  ASSERT_EQ(v.retained.size(), 1u);
  EXPECT_EQ(v.retained[0].first, "r/2");
  EXPECT_EQ(v.sessions.size(), 1u);
  ASSERT_EQ(v.subscriptions.size(), 1u);
  EXPECT_EQ(v.subscriptions[0].second.filter, "b/#");
  ASSERT_EQ(v.queued.size(), 1u);
  EXPECT_EQ(std::get<1>(v.queued[0]), 2u);
  EXPECT_TRUE(v.inflight.empty());
  EXPECT_TRUE(v.inbound_qos2.empty());
}

TEST(DurableStore, EraseSessionRemovesOnlyThatClientsKeys) {
  TempDir tmp;
  const std::vector<std::string> ids = {"a", "ab", "a\xff", std::string("a\0", 2), "", "b", "\xff"};
  {
    auto store = open_store(tmp.store_dir());
    ASSERT_TRUE(store);
    Batch batch;
    batch.put_message(1, sample_message("m"));
    batch.put_retained("a", sample_message("a"));
    for (const auto& id : ids) add_client(batch, id);
    ASSERT_TRUE(commit_and_wait(*store, std::move(batch)));
    Batch erase;
    erase.erase_session("a");
    ASSERT_TRUE(commit_and_wait(*store, std::move(erase)));
  }
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  RecordingVisitor v = load_all(*store);
  EXPECT_EQ(v.messages.size(), 1u);
  EXPECT_EQ(v.retained.size(), 1u);
  std::vector<std::string> sessions;
  for (const auto& s : v.sessions) sessions.push_back(s.client_id);
  std::vector<std::string> expected;
  for (const auto& id : ids) {
    if (id != "a") expected.push_back(id);
  }
  std::sort(sessions.begin(), sessions.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sessions, expected);
  const size_t others = ids.size() - 1;
  EXPECT_EQ(v.subscriptions.size(), 2 * others);
  EXPECT_EQ(v.queued.size(), 2 * others);
  EXPECT_EQ(v.inflight.size(), others);
  EXPECT_EQ(v.inbound_qos2.size(), others);
  for (const auto& q : v.queued) EXPECT_NE(std::get<0>(q), "a");
}

TEST(DurableStore, OperationsApplyInBatchOrder) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  Batch first;
  add_client(first, "c");
  ASSERT_TRUE(commit_and_wait(*store, std::move(first)));

  // A clean start: drop the old session, then write the new one, atomically.
  Batch clean_start;
  clean_start.erase_session("c");
  StoredSession fresh;
  fresh.client_id = "c";
  fresh.protocol_version = 4;
  clean_start.put_session(fresh);
  ASSERT_TRUE(commit_and_wait(*store, std::move(clean_start)));

  RecordingVisitor v = load_all(*store);
  ASSERT_EQ(v.sessions.size(), 1u);
  EXPECT_EQ(v.sessions[0], fresh);
  EXPECT_EQ(v.total(), 1u);
}

TEST(DurableStore, ForEachRetainedStreamsOnlyRetainedInTopicOrder) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  Batch batch;
  batch.put_message(1, sample_message("m"));
  batch.put_retained("z", sample_message("z"));
  batch.put_retained("a/b", sample_message("a/b"));
  add_client(batch, "c");
  ASSERT_TRUE(commit_and_wait(*store, std::move(batch)));

  std::vector<std::string> topics;
  auto stats = store->for_each_retained([&](std::string_view topic, StoredMessage&& m) {
    EXPECT_EQ(m.topic, topic);
    topics.emplace_back(topic);
  });
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->retained, 2u);
  EXPECT_EQ(topics, (std::vector<std::string>{"a/b", "z"}));
}

TEST(DurableStore, UndecodableRecordsAreSkippedAndCounted) {
  TempDir tmp;
  {
    auto store = open_store(tmp.store_dir());
    ASSERT_TRUE(store);
    Batch batch;
    add_client(batch, "good");
    batch.put_retained("r", sample_message("r"));
    ASSERT_TRUE(commit_and_wait(*store, std::move(batch)));
  }
  {
    // Records this build cannot read, written behind the store's back.
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), tmp.store_dir().string(),
                                  {{rocksdb::kDefaultColumnFamilyName, {}}, {kSpilledColumnFamily, {}}}, &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions w;
    EXPECT_TRUE(db->Put(w, session_key("bad"), "\x01garbage").ok());
    EXPECT_TRUE(db->Put(w, session_key("other"), encode_record(sample_session("mismatch"))).ok());
    EXPECT_TRUE(db->Put(w, retained_key("broken"), "").ok());
    EXPECT_TRUE(db->Put(w, std::string("\x07unknown-kind"), "x").ok());
    EXPECT_TRUE(db->Put(w, handles[1], queued_key("good", 1), "x").ok());  // not a spilled key
    for (auto* h : handles) delete h;
    EXPECT_TRUE(db->Close().ok());
  }
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  LoadStats stats;
  RecordingVisitor v = load_all(*store, &stats);
  EXPECT_EQ(stats.skipped, 5u);
  ASSERT_EQ(v.sessions.size(), 1u);
  EXPECT_EQ(v.sessions[0].client_id, "good");
  EXPECT_EQ(v.subscriptions.size(), 2u);
  EXPECT_EQ(v.retained.size(), 1u);

  auto retained = store->for_each_retained([](std::string_view, StoredMessage&&) {});
  ASSERT_TRUE(retained);
  EXPECT_EQ(retained->retained, 1u);
  EXPECT_EQ(retained->skipped, 1u);
}

// What read_spilled passed on, by sequence.
std::vector<std::pair<uint64_t, std::string>> read_spilled(const DurableStore& store, std::string_view client,
                                                           uint64_t from, size_t max_count,
                                                           size_t max_bytes = SIZE_MAX) {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto stats = store.read_spilled(client, from, max_count, max_bytes,
                                  [&](uint64_t sequence, std::optional<StoredSpilled>&& e) {
                                    out.emplace_back(sequence, e ? e->message.topic : "(undecodable)");
                                  });
  EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  return out;
}

TEST(DurableStore, SpilledEntriesAreReadBackByClientFromASequence) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  Batch batch;
  add_client(batch, "a");
  add_client(batch, "ab");
  for (uint64_t seq = 10; seq < 15; ++seq) {
    batch.put_spilled("a", seq, StoredSpilled{sample_delivery(0), sample_message("a/" + std::to_string(seq))});
  }
  batch.put_spilled("ab", 1, StoredSpilled{sample_delivery(0), sample_message("ab/1")});
  ASSERT_TRUE(commit_and_wait(*store, std::move(batch)));

  using Read = std::vector<std::pair<uint64_t, std::string>>;
  EXPECT_EQ(read_spilled(*store, "a", 0, 3), (Read{{10, "a/10"}, {11, "a/11"}, {12, "a/12"}}));
  EXPECT_EQ(read_spilled(*store, "a", 13, 100), (Read{{13, "a/13"}, {14, "a/14"}}));  // not "ab"'s
  EXPECT_EQ(read_spilled(*store, "a", 0, 100, 1).size(), 1u);  // the byte limit stops after one
  EXPECT_TRUE(read_spilled(*store, "b", 0, 100).empty());

  // Recovery sees their keys only, after everything else, client by client in sequence order.
  struct Keys : RecordingVisitor {
    std::vector<std::pair<std::string, uint64_t>> spilled;
    void on_spilled(std::string_view client, uint64_t sequence) override {
      order.push_back("spilled");
      spilled.emplace_back(std::string(client), sequence);
    }
  } keys;
  auto stats = store->load(keys);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->spilled, 6u);
  EXPECT_EQ(keys.order.back(), "spilled");
  ASSERT_EQ(keys.spilled.size(), 6u);
  EXPECT_EQ(keys.spilled.front(), (std::pair<std::string, uint64_t>{"a", 10}));
  EXPECT_EQ(keys.spilled.back(), (std::pair<std::string, uint64_t>{"ab", 1}));

  Batch erase;
  erase.erase_spilled("a", 10);
  erase.erase_session("ab");
  ASSERT_TRUE(commit_and_wait(*store, std::move(erase)));
  EXPECT_EQ(read_spilled(*store, "a", 0, 100).front().first, 11u);
  EXPECT_TRUE(read_spilled(*store, "ab", 0, 100).empty());
}

TEST(DurableStore, SecondOpenOfTheSameDirectoryFailsWithoutQuarantine) {
  TempDir tmp;
  auto store = open_store(tmp.store_dir());
  ASSERT_TRUE(store);
  Batch batch;
  add_client(batch, "c");
  ASSERT_TRUE(commit_and_wait(*store, std::move(batch)));

  StoreOptions options;
  options.dir = tmp.store_dir();
  auto second = DurableStore::open(options);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot open"), std::string::npos)
      << second.error().message;
  // The first store is untouched and still works.
  EXPECT_EQ(load_all(*store).sessions.size(), 1u);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.root())) ++entries;
  EXPECT_EQ(entries, 1u);  // no quarantined sibling
}

TEST(DurableStore, TrailingSlashInTheDirectoryIsAccepted) {
  TempDir tmp;
  auto store = open_store(tmp.root().string() + "/store/");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->dir(), tmp.store_dir());
}

}  // namespace
}  // namespace pregon::storage
