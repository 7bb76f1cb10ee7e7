// Damaged stores at open: quarantine (move aside, start empty) or refuse.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "storage/durable_store.hpp"
#include "storage/storage_test_support.hpp"

namespace pregon::storage {
namespace {

using testing::RecordingVisitor;
using testing::sample_delivery;
using testing::sample_message;
using testing::sample_session;
using testing::TempDir;

StoreOptions options_for(const std::filesystem::path& dir, OnCorruption on_corruption) {
  StoreOptions options;
  options.dir = dir;
  options.on_corruption = on_corruption;
  return options;
}

// A store with data in table files (the second open flushes the first one's log) and in the log.
void populate(const std::filesystem::path& dir) {
  for (int round = 0; round < 2; ++round) {
    auto store = DurableStore::open(options_for(dir, OnCorruption::Fail));
    ASSERT_TRUE(store) << store.error().message;
    Batch batch;
    for (int i = 0; i < 50; ++i) {
      const std::string id = "client-" + std::to_string(round) + "-" + std::to_string(i);
      batch.put_session(sample_session(id));
      batch.put_queued(id, 1, sample_delivery(static_cast<uint64_t>(i)));
      batch.put_message(static_cast<uint64_t>(round * 100 + i), sample_message("m"));
    }
    (*store)->commit(std::move(batch), {});
  }
}

void overwrite_with_garbage(const std::filesystem::path& file) {
  const auto size = std::filesystem::file_size(file);
  std::mt19937 rng(static_cast<unsigned>(size));
  std::string garbage(std::max<uintmax_t>(size, 64), '\0');
  for (auto& c : garbage) c = static_cast<char>(rng());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
}

std::vector<std::filesystem::path> files_matching(const std::filesystem::path& dir,
                                                  std::string_view part) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().find(part) != std::string::npos) {
      out.push_back(e.path());
    }
  }
  return out;
}

// Opens with quarantine and checks: a fresh empty store that works, the old one moved aside.
void expect_quarantined(const TempDir& tmp) {
  auto store = DurableStore::open(options_for(tmp.store_dir(), OnCorruption::Quarantine));
  ASSERT_TRUE(store) << store.error().message;
  const auto& moved = (*store)->quarantined();
  ASSERT_TRUE(moved);
  EXPECT_TRUE(std::filesystem::is_directory(*moved));
  EXPECT_EQ(moved->parent_path(), tmp.root());
  EXPECT_EQ(moved->filename().string().rfind("store.corrupt-", 0), 0u) << *moved;
  EXPECT_FALSE(std::filesystem::is_empty(*moved));  // kept for inspection

  RecordingVisitor v;
  auto stats = (*store)->load(v);
  ASSERT_TRUE(stats);
  EXPECT_EQ(v.total(), 0u);

  Batch batch;
  batch.put_session(sample_session("after"));
  bool durable = false;
  (*store)->commit(std::move(batch), [&](bool ok) { durable = ok; });
  (*store)->flush();
  EXPECT_TRUE(durable);
}

// Opens with Fail: an error naming the problem, and the directory left as it was.
void expect_refused(const TempDir& tmp) {
  auto store = DurableStore::open(options_for(tmp.store_dir(), OnCorruption::Fail));
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("damaged"), std::string::npos) << store.error().message;
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.root())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(Quarantine, GarbageOverEveryFile) {
  TempDir tmp;
  populate(tmp.store_dir());
  ASSERT_FALSE(files_matching(tmp.store_dir(), ".sst").empty());
  for (const auto& e : std::filesystem::directory_iterator(tmp.store_dir())) {
    if (e.is_regular_file()) overwrite_with_garbage(e.path());
  }
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, GarbageOverCurrent) {
  TempDir tmp;
  populate(tmp.store_dir());
  overwrite_with_garbage(tmp.store_dir() / "CURRENT");
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, GarbageOverManifest) {
  TempDir tmp;
  populate(tmp.store_dir());
  for (const auto& f : files_matching(tmp.store_dir(), "MANIFEST-")) overwrite_with_garbage(f);
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, MissingCurrent) {
  TempDir tmp;
  populate(tmp.store_dir());
  std::filesystem::remove(tmp.store_dir() / "CURRENT");
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, MissingManifest) {
  TempDir tmp;
  populate(tmp.store_dir());
  for (const auto& f : files_matching(tmp.store_dir(), "MANIFEST-")) std::filesystem::remove(f);
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, GarbageOverTableFiles) {
  TempDir tmp;
  populate(tmp.store_dir());
  const auto tables = files_matching(tmp.store_dir(), ".sst");
  ASSERT_FALSE(tables.empty());
  for (const auto& f : tables) overwrite_with_garbage(f);
  expect_refused(tmp);
  expect_quarantined(tmp);
}

// Data blocks overwritten while footer and index stay intact: the table opens, and only reading
// it shows the damage, which open() does (checksum verification) so that quarantine still applies.
TEST(Quarantine, GarbageInsideTableFileDataBlocks) {
  TempDir tmp;
  populate(tmp.store_dir());
  const auto tables = files_matching(tmp.store_dir(), ".sst");
  ASSERT_FALSE(tables.empty());
  for (const auto& f : tables) {
    std::fstream table(f, std::ios::binary | std::ios::in | std::ios::out);
    table.seekp(64);
    const std::string garbage(256, '\x5a');
    table.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  expect_refused(tmp);
  expect_quarantined(tmp);
}

// Damage inside the write-ahead log, past its first blocks: acknowledged (synced) commits would
// silently vanish, so it counts as damage. (A log whose only records are garbled cannot be told
// from one torn by a crash during its first write, which RocksDB recovers as empty.)
TEST(Quarantine, GarbageInsideTheLog) {
  TempDir tmp;
  {
    auto store = DurableStore::open(options_for(tmp.store_dir(), OnCorruption::Fail));
    ASSERT_TRUE(store) << store.error().message;
    for (int i = 0; i < 200; ++i) {
      Batch batch;
      batch.put_message(static_cast<uint64_t>(i), sample_message("m", std::string(1000, 'x')));
      (*store)->commit(std::move(batch), {});
    }
  }
  const auto logs = files_matching(tmp.store_dir(), ".log");
  ASSERT_EQ(logs.size(), 1u);
  ASSERT_GT(std::filesystem::file_size(logs[0]), 100'000u);
  {
    std::fstream log(logs[0], std::ios::binary | std::ios::in | std::ios::out);
    log.seekp(70'000);
    const std::string garbage(5'000, '\x5a');
    log.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, StrayFilesWithoutAStore) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.store_dir());
  std::ofstream(tmp.store_dir() / "notes.txt") << "not a store";
  expect_refused(tmp);
  expect_quarantined(tmp);
}

TEST(Quarantine, AnIntactStoreIsNotQuarantined) {
  TempDir tmp;
  populate(tmp.store_dir());
  auto store = DurableStore::open(options_for(tmp.store_dir(), OnCorruption::Quarantine));
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_FALSE((*store)->quarantined());
  RecordingVisitor v;
  ASSERT_TRUE((*store)->load(v));
  EXPECT_EQ(v.sessions.size(), 100u);
  EXPECT_EQ(v.queued.size(), 100u);
  EXPECT_EQ(v.messages.size(), 100u);
}

TEST(Quarantine, QuarantineNamesDoNotCollide) {
  TempDir tmp;
  for (int i = 0; i < 2; ++i) {
    populate(tmp.store_dir());
    overwrite_with_garbage(tmp.store_dir() / "CURRENT");
    auto store = DurableStore::open(options_for(tmp.store_dir(), OnCorruption::Quarantine));
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->quarantined());
  }
  size_t quarantined = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.root())) {
    if (e.path().filename().string().rfind("store.corrupt-", 0) == 0) ++quarantined;
  }
  EXPECT_EQ(quarantined, 2u);
}

}  // namespace
}  // namespace pregon::storage
