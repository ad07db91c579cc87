#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <string>

#include "storage/kv_store.hpp"

namespace cx::storage {
namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A fresh directory under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cx_storage_XXXXXX").string();
    CX_ASSERT(mkdtemp(tmpl.data()) != nullptr);
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  std::string path() const { return (m_path / "db").string(); }

 private:
  std::filesystem::path m_path;
};

enum class Kind { kMemory, kRocks };

class KvStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      m_store = make_memory_store();
    } else {
      auto r = open_rocksdb(m_dir.path());
      ASSERT_TRUE(r.is_ok()) << r.message();
      m_store = std::move(r.value());
    }
  }

  std::optional<Bytes> get(Column c, std::string_view key) {
    auto r = m_store->get(c, as_bytes(key));
    EXPECT_TRUE(r.is_ok());
    return r.is_ok() ? *r : std::nullopt;
  }

  std::vector<std::pair<std::string, std::string>> scan_all(Column c, std::string_view from, size_t limit = 1000) {
    std::vector<std::pair<std::string, std::string>> out;
    auto s = m_store->scan(c, as_bytes(from), [&](BytesView k, BytesView v) {
      out.emplace_back(std::string(as_string_view(k)), std::string(as_string_view(v)));
      return out.size() < limit;
    });
    EXPECT_TRUE(s.is_ok()) << s.message();
    return out;
  }

  TempDir m_dir;
  std::unique_ptr<KvStore> m_store;
};

TEST_P(KvStoreTest, PutGetDelete) {
  EXPECT_EQ(get(Column::kBlocks, "a"), std::nullopt);
  WriteBatch batch;
  batch.put(Column::kBlocks, as_bytes("a"), as_bytes("1"));
  batch.put(Column::kReceipts, as_bytes("a"), as_bytes("2"));
  batch.put(Column::kBlocks, as_bytes("empty"), {});
  EXPECT_EQ(batch.byte_size(), 2u + 2u + 5u);
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(get(Column::kBlocks, "a"), b("1"));
  // Columns are separate key spaces.
  EXPECT_EQ(get(Column::kReceipts, "a"), b("2"));
  EXPECT_EQ(get(Column::kMeta, "a"), std::nullopt);
  // An empty value is present, not absent.
  EXPECT_EQ(get(Column::kBlocks, "empty"), Bytes{});

  batch.clear();
  EXPECT_TRUE(batch.empty());
  batch.put(Column::kBlocks, as_bytes("a"), as_bytes("3"));
  batch.del(Column::kReceipts, as_bytes("a"));
  batch.del(Column::kReceipts, as_bytes("never-there"));
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  EXPECT_EQ(get(Column::kBlocks, "a"), b("3"));
  EXPECT_EQ(get(Column::kReceipts, "a"), std::nullopt);
}

TEST_P(KvStoreTest, BatchOpsApplyInOrder) {
  // Within one batch a later op on the same key wins, as in RocksDB.
  WriteBatch batch;
  batch.put(Column::kMeta, as_bytes("k"), as_bytes("first"));
  batch.del(Column::kMeta, as_bytes("k"));
  batch.put(Column::kMeta, as_bytes("k"), as_bytes("last"));
  batch.put(Column::kMeta, as_bytes("gone"), as_bytes("x"));
  batch.del(Column::kMeta, as_bytes("gone"));
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(get(Column::kMeta, "k"), b("last"));
  EXPECT_EQ(get(Column::kMeta, "gone"), std::nullopt);
}

TEST_P(KvStoreTest, BatchIsAtomicForReaders) {
  // A reader scanning while another thread writes two-key batches never sees one key of a batch
  // without the other.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    WriteBatch batch;
    for (int round = 0; round < 2000; ++round) {
      batch.clear();
      const std::string v = std::to_string(round);
      batch.put(Column::kMeta, as_bytes("x"), as_bytes(v));
      batch.put(Column::kMeta, as_bytes("y"), as_bytes(v));
      EXPECT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
    }
    done = true;
  });
  size_t checks = 0;
  while (!done || checks == 0) {
    auto all = scan_all(Column::kMeta, "");
    if (all.empty()) continue;
    ASSERT_EQ(all.size(), 2u);
    ASSERT_EQ(all[0].second, all[1].second);
    ++checks;
  }
  writer.join();
  EXPECT_EQ(get(Column::kMeta, "x"), b("1999"));
}

TEST_P(KvStoreTest, LongScanVisitsEverything) {
  // More keys than one internal chunk of the memory store.
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%04d", i);
    batch.put(Column::kResults, as_bytes(key), as_bytes(std::to_string(i)));
  }
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  auto all = scan_all(Column::kResults, "", 5000);
  ASSERT_EQ(all.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(all[i].second, std::to_string(i));
  auto tail = scan_all(Column::kResults, "k0500", 5000);
  ASSERT_EQ(tail.size(), 500u);
  EXPECT_EQ(tail.front().first, "k0500");
}

TEST_P(KvStoreTest, ScanOrderAndStartKey) {
  WriteBatch batch;
  // Inserted out of order, with a key that is a prefix of another and bytes above 0x7f.
  const std::vector<Bytes> keys = {b("b"), b("ab"), Bytes{0xff, 0x00}, b("a"), Bytes{0x80}, b("abc"), Bytes{0x00}};
  for (const auto& k : keys) batch.put(Column::kTxIndex, k, k);
  batch.put(Column::kBlocks, as_bytes("zzz"), as_bytes("other column"));
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());

  std::vector<Bytes> seen;
  ASSERT_TRUE(m_store
                  ->scan(Column::kTxIndex, {},
                         [&](BytesView k, BytesView v) {
                           EXPECT_TRUE(std::equal(k.begin(), k.end(), v.begin(), v.end()));
                           seen.emplace_back(k.begin(), k.end());
                           return true;
                         })
                  .is_ok());
  const std::vector<Bytes> expected = {Bytes{0x00}, b("a"), b("ab"), b("abc"), b("b"), Bytes{0x80}, Bytes{0xff, 0x00}};
  EXPECT_EQ(seen, expected);

  // Start key is inclusive when present, and the next key is first when it is not.
  auto from_ab = scan_all(Column::kTxIndex, "ab");
  ASSERT_FALSE(from_ab.empty());
  EXPECT_EQ(from_ab.front().first, "ab");
  EXPECT_EQ(from_ab.size(), 5u);
  auto from_aa = scan_all(Column::kTxIndex, "aa");
  ASSERT_FALSE(from_aa.empty());
  EXPECT_EQ(from_aa.front().first, "ab");
  // Stopping early: fn returning false ends the scan.
  EXPECT_EQ(scan_all(Column::kTxIndex, "a", 2).size(), 2u);
  // Past the end: nothing.
  seen.clear();
  ASSERT_TRUE(m_store->scan(Column::kTxIndex, Bytes{0xff, 0x01}, [&](BytesView k, BytesView) {
    seen.emplace_back(k.begin(), k.end());
    return true;
  }).is_ok());
  EXPECT_TRUE(seen.empty());
}

TEST_P(KvStoreTest, ScanCallbackMayWrite) {
  WriteBatch batch;
  for (char c = 'a'; c <= 'e'; ++c) batch.put(Column::kMeta, as_bytes(std::string(1, c)), as_bytes("v"));
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  size_t visited = 0;
  ASSERT_TRUE(m_store->scan(Column::kMeta, {}, [&](BytesView k, BytesView) {
    WriteBatch del;
    del.del(Column::kMeta, k);
    EXPECT_TRUE(m_store->write(del, Durability::kNoSync).is_ok());
    ++visited;
    return true;
  }).is_ok());
  EXPECT_EQ(visited, 5u);
  EXPECT_TRUE(scan_all(Column::kMeta, "").empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, KvStoreTest, ::testing::Values(Kind::kMemory, Kind::kRocks),
                         [](const auto& info) { return info.param == Kind::kMemory ? "Memory" : "RocksDB"; });

TEST(ColumnName, DistinctAndStable) {
  std::set<std::string> names;
  for (size_t i = 0; i < kColumnCount; ++i) names.insert(column_name(static_cast<Column>(i)));
  EXPECT_EQ(names.size(), kColumnCount);
  EXPECT_STREQ(column_name(Column::kTrieNodes), "trie_nodes");
}

TEST(RocksDb, DataPersistsAcrossReopen) {
  TempDir dir;
  {
    auto r = open_rocksdb(dir.path());
    ASSERT_TRUE(r.is_ok()) << r.message();
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) {
      const std::string k = "key" + std::to_string(i);
      batch.put(static_cast<Column>(i % kColumnCount), as_bytes(k), as_bytes("value" + std::to_string(i)));
    }
    batch.del(Column::kMeta, as_bytes("key0"));
    ASSERT_TRUE((*r)->write(batch, Durability::kSync).is_ok());
  }
  auto r = open_rocksdb(dir.path());
  ASSERT_TRUE(r.is_ok()) << r.message();
  for (int i = 1; i < 1000; ++i) {
    const std::string k = "key" + std::to_string(i);
    auto v = (*r)->get(static_cast<Column>(i % kColumnCount), as_bytes(k));
    ASSERT_TRUE(v.is_ok());
    ASSERT_TRUE(v->has_value()) << k;
    EXPECT_EQ(as_string_view(**v), "value" + std::to_string(i));
  }
  auto gone = (*r)->get(Column::kMeta, as_bytes("key0"));
  ASSERT_TRUE(gone.is_ok());
  EXPECT_FALSE(gone->has_value());
}

TEST(RocksDb, SecondOpenOfLockedDatabaseFailsClearly) {
  TempDir dir;
  auto first = open_rocksdb(dir.path());
  ASSERT_TRUE(first.is_ok()) << first.message();
  auto second = open_rocksdb(dir.path());
  ASSERT_FALSE(second.is_ok());
  EXPECT_NE(second.message().find(dir.path()), std::string::npos) << second.message();
  EXPECT_NE(second.message().find("in use"), std::string::npos) << second.message();
  // Closing the first store releases the lock.
  first.value().reset();
  auto third = open_rocksdb(dir.path());
  EXPECT_TRUE(third.is_ok()) << third.message();
}

TEST(RocksDb, MissingDirectoryWithoutCreateFails) {
  TempDir dir;
  RocksOptions options;
  options.create_if_missing = false;
  auto r = open_rocksdb(dir.path(), options);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(dir.path()), std::string::npos) << r.message();
}

}  // namespace
}  // namespace cx::storage
