#include <gtest/gtest.h>
#include <stdlib.h>

#include <rocksdb/db.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <string>

#include "storage/kv_store.hpp"

namespace cx::storage {
namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The tests' own columns, declared as an owner module declares its columns.
constexpr ColumnDef kMeta{"meta"};
constexpr ColumnDef kBlocks{"blocks"};
constexpr ColumnDef kIndex{"index"};
constexpr ColumnDef kResults{"results"};
constexpr ColumnDef kExtra{"extra"};
const Schema kSchema{kMeta, kBlocks, kIndex, kResults, kExtra};

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
      m_store = make_memory_store(kSchema);
    } else {
      auto r = open_rocksdb(m_dir.path(), kSchema);
      ASSERT_TRUE(r.is_ok()) << r.message();
      m_store = std::move(r.value());
    }
  }

  std::optional<Bytes> get(const ColumnDef& c, std::string_view key) {
    auto r = m_store->get(c, as_bytes(key));
    EXPECT_TRUE(r.is_ok());
    return r.is_ok() ? *r : std::nullopt;
  }

  std::vector<std::pair<std::string, std::string>> scan_all(const ColumnDef& c, std::string_view from, size_t limit = 1000) {
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
  EXPECT_EQ(get(kBlocks, "a"), std::nullopt);
  WriteBatch batch;
  batch.put(kBlocks, as_bytes("a"), as_bytes("1"));
  batch.put(kExtra, as_bytes("a"), as_bytes("2"));
  batch.put(kBlocks, as_bytes("empty"), {});
  EXPECT_EQ(batch.byte_size(), 2u + 2u + 5u);
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(get(kBlocks, "a"), b("1"));
  // Columns are separate key spaces.
  EXPECT_EQ(get(kExtra, "a"), b("2"));
  EXPECT_EQ(get(kMeta, "a"), std::nullopt);
  // An empty value is present, not absent.
  EXPECT_EQ(get(kBlocks, "empty"), Bytes{});

  batch.clear();
  EXPECT_TRUE(batch.empty());
  batch.put(kBlocks, as_bytes("a"), as_bytes("3"));
  batch.del(kExtra, as_bytes("a"));
  batch.del(kExtra, as_bytes("never-there"));
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  EXPECT_EQ(get(kBlocks, "a"), b("3"));
  EXPECT_EQ(get(kExtra, "a"), std::nullopt);
}

TEST_P(KvStoreTest, BatchOpsApplyInOrder) {
  // Within one batch a later op on the same key wins, as in RocksDB.
  WriteBatch batch;
  batch.put(kMeta, as_bytes("k"), as_bytes("first"));
  batch.del(kMeta, as_bytes("k"));
  batch.put(kMeta, as_bytes("k"), as_bytes("last"));
  batch.put(kMeta, as_bytes("gone"), as_bytes("x"));
  batch.del(kMeta, as_bytes("gone"));
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(get(kMeta, "k"), b("last"));
  EXPECT_EQ(get(kMeta, "gone"), std::nullopt);
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
      batch.put(kMeta, as_bytes("x"), as_bytes(v));
      batch.put(kMeta, as_bytes("y"), as_bytes(v));
      EXPECT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
    }
    done = true;
  });
  size_t checks = 0;
  while (!done || checks == 0) {
    auto all = scan_all(kMeta, "");
    if (all.empty()) continue;
    ASSERT_EQ(all.size(), 2u);
    ASSERT_EQ(all[0].second, all[1].second);
    ++checks;
  }
  writer.join();
  EXPECT_EQ(get(kMeta, "x"), b("1999"));
}

TEST_P(KvStoreTest, LongScanVisitsEverything) {
  // More keys than one internal chunk of the memory store.
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%04d", i);
    batch.put(kResults, as_bytes(key), as_bytes(std::to_string(i)));
  }
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  auto all = scan_all(kResults, "", 5000);
  ASSERT_EQ(all.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(all[i].second, std::to_string(i));
  auto tail = scan_all(kResults, "k0500", 5000);
  ASSERT_EQ(tail.size(), 500u);
  EXPECT_EQ(tail.front().first, "k0500");
}

TEST_P(KvStoreTest, ScanOrderAndStartKey) {
  WriteBatch batch;
  // Inserted out of order, with a key that is a prefix of another and bytes above 0x7f.
  const std::vector<Bytes> keys = {b("b"), b("ab"), Bytes{0xff, 0x00}, b("a"), Bytes{0x80}, b("abc"), Bytes{0x00}};
  for (const auto& k : keys) batch.put(kIndex, k, k);
  batch.put(kBlocks, as_bytes("zzz"), as_bytes("other column"));
  ASSERT_TRUE(m_store->write(batch, Durability::kSync).is_ok());

  std::vector<Bytes> seen;
  ASSERT_TRUE(m_store
                  ->scan(kIndex, {},
                         [&](BytesView k, BytesView v) {
                           EXPECT_TRUE(std::equal(k.begin(), k.end(), v.begin(), v.end()));
                           seen.emplace_back(k.begin(), k.end());
                           return true;
                         })
                  .is_ok());
  const std::vector<Bytes> expected = {Bytes{0x00}, b("a"), b("ab"), b("abc"), b("b"), Bytes{0x80}, Bytes{0xff, 0x00}};
  EXPECT_EQ(seen, expected);

  // Start key is inclusive when present, and the next key is first when it is not.
  auto from_ab = scan_all(kIndex, "ab");
  ASSERT_FALSE(from_ab.empty());
  EXPECT_EQ(from_ab.front().first, "ab");
  EXPECT_EQ(from_ab.size(), 5u);
  auto from_aa = scan_all(kIndex, "aa");
  ASSERT_FALSE(from_aa.empty());
  EXPECT_EQ(from_aa.front().first, "ab");
  // Stopping early: fn returning false ends the scan.
  EXPECT_EQ(scan_all(kIndex, "a", 2).size(), 2u);
  // Past the end: nothing.
  seen.clear();
  ASSERT_TRUE(m_store->scan(kIndex, Bytes{0xff, 0x01}, [&](BytesView k, BytesView) {
    seen.emplace_back(k.begin(), k.end());
    return true;
  }).is_ok());
  EXPECT_TRUE(seen.empty());
}

TEST_P(KvStoreTest, ScanCallbackMayWrite) {
  WriteBatch batch;
  for (char c = 'a'; c <= 'e'; ++c) batch.put(kMeta, as_bytes(std::string(1, c)), as_bytes("v"));
  ASSERT_TRUE(m_store->write(batch, Durability::kNoSync).is_ok());
  size_t visited = 0;
  ASSERT_TRUE(m_store->scan(kMeta, {}, [&](BytesView k, BytesView) {
    WriteBatch del;
    del.del(kMeta, k);
    EXPECT_TRUE(m_store->write(del, Durability::kNoSync).is_ok());
    ++visited;
    return true;
  }).is_ok());
  EXPECT_EQ(visited, 5u);
  EXPECT_TRUE(scan_all(kMeta, "").empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, KvStoreTest, ::testing::Values(Kind::kMemory, Kind::kRocks),
                         [](const auto& info) { return info.param == Kind::kMemory ? "Memory" : "RocksDB"; });

// Two owner modules, each with a column of its own.
namespace owner_a {
constexpr ColumnDef kItems{"a_items"};
}
namespace owner_b {
constexpr ColumnDef kItems{"b_items"};
}
// A second definition that reuses a registered name: a different column, so a bug to register.
constexpr ColumnDef kMetaAgain{"meta"};

std::unique_ptr<KvStore> open(Kind kind, const std::string& path, const Schema& schema) {
  if (kind == Kind::kMemory) return make_memory_store(schema);
  auto r = open_rocksdb(path, schema);
  CX_ASSERT_MSG(r.is_ok(), r.message().c_str());
  return std::move(r.value());
}

std::optional<std::string> read(const KvStore& kv, const ColumnDef& c, std::string_view key) {
  auto r = kv.get(c, as_bytes(key));
  CX_ASSERT_MSG(r.is_ok(), r.message().c_str());
  if (!r.value()) return std::nullopt;
  return std::string(as_string_view(*r.value()));
}

class SchemaTest : public ::testing::TestWithParam<Kind> {
 protected:
  std::unique_ptr<KvStore> open_with(const Schema& schema) { return open(GetParam(), m_dir.path(), schema); }
  TempDir m_dir;
};

TEST_P(SchemaTest, ColumnNotRegisteredIsABug) {
  // RocksDB's background threads are running: fork and re-run the test body in the child.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto kv = open_with(Schema{kMeta, kBlocks});
  EXPECT_EQ(kv->schema().size(), 2u);
  EXPECT_TRUE(kv->schema().contains(kMeta));
  EXPECT_FALSE(kv->schema().contains(kIndex));
  EXPECT_DEATH((void)kv->get(kIndex, as_bytes("k")), "column 'index' is not registered with this store");
  EXPECT_DEATH((void)kv->scan(kIndex, {}, [](BytesView, BytesView) { return true; }), "column 'index' is not registered");
  // A batch with one unregistered column is refused before any of it is applied.
  WriteBatch batch;
  batch.put(kMeta, as_bytes("k"), as_bytes("v"));
  batch.put(kIndex, as_bytes("k"), as_bytes("v"));
  EXPECT_DEATH((void)kv->write(batch, Durability::kSync), "column 'index' is not registered");
  // A column is its definition, not its name: another definition named "meta" is not kMeta.
  EXPECT_DEATH((void)kv->get(kMetaAgain, as_bytes("k")), "column 'meta' is not registered");
  // The store itself is unharmed.
  EXPECT_EQ(read(*kv, kMeta, "k"), std::nullopt);
}

TEST_P(SchemaTest, TwoOwnersColumnsDoNotCollide) {
  // Each owner adds its own column to one schema; one key in each is two entries.
  Schema schema;
  schema.add(owner_a::kItems);
  schema.add(owner_b::kItems);
  schema.add(owner_a::kItems);  // again: owners that share a column may each add it
  EXPECT_EQ(schema.size(), 2u);
  auto kv = open_with(schema);
  WriteBatch batch;
  batch.put(owner_a::kItems, as_bytes("k"), as_bytes("a"));
  batch.put(owner_b::kItems, as_bytes("k"), as_bytes("b"));
  ASSERT_TRUE(kv->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(read(*kv, owner_a::kItems, "k"), "a");
  EXPECT_EQ(read(*kv, owner_b::kItems, "k"), "b");
  batch.clear();
  batch.del(owner_a::kItems, as_bytes("k"));
  ASSERT_TRUE(kv->write(batch, Durability::kSync).is_ok());
  EXPECT_EQ(read(*kv, owner_a::kItems, "k"), std::nullopt);
  EXPECT_EQ(read(*kv, owner_b::kItems, "k"), "b");
}

INSTANTIATE_TEST_SUITE_P(Stores, SchemaTest, ::testing::Values(Kind::kMemory, Kind::kRocks),
                         [](const auto& info) { return info.param == Kind::kMemory ? "Memory" : "RocksDB"; });

TEST(Schema, TwoColumnsOfOneNameAreABug) {
  Schema schema{kMeta};
  EXPECT_DEATH(schema.add(kMetaAgain), "two different columns are both named 'meta'");
  EXPECT_DEATH((Schema{owner_a::kItems, kMetaAgain, kMeta}), "both named 'meta'");
  EXPECT_EQ(schema.find("meta"), &kMeta);
  EXPECT_EQ(schema.find("blocks"), nullptr);
}

TEST(WriteBatch, NamesEachColumnOnce) {
  WriteBatch batch;
  batch.put(kBlocks, as_bytes("1"), as_bytes("x"));
  batch.put(kMeta, as_bytes("2"), as_bytes("y"));
  batch.del(kBlocks, as_bytes("3"));
  ASSERT_EQ(batch.columns().size(), 2u);
  EXPECT_EQ(batch.columns()[0], &kBlocks);
  EXPECT_EQ(batch.columns()[1], &kMeta);
  EXPECT_EQ(batch.op(2).column, &kBlocks);
  EXPECT_EQ(batch.op(2).column_index, 0);
  EXPECT_TRUE(batch.op(2).is_delete);
  EXPECT_EQ(batch.op(1).column_index, 1);
  EXPECT_EQ(as_string_view(batch.op(1).value), "y");
  batch.clear();
  EXPECT_TRUE(batch.columns().empty());
}

std::vector<std::string> families_on_disk(const std::string& path) {
  std::vector<std::string> names;
  CX_ASSERT(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(RocksDb, DataPersistsAcrossReopen) {
  TempDir dir;
  const std::array<const ColumnDef*, 5> columns = {&kMeta, &kBlocks, &kIndex, &kResults, &kExtra};
  {
    auto r = open_rocksdb(dir.path(), kSchema);
    ASSERT_TRUE(r.is_ok()) << r.message();
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) {
      const std::string k = "key" + std::to_string(i);
      batch.put(*columns[i % columns.size()], as_bytes(k), as_bytes("value" + std::to_string(i)));
    }
    batch.del(kMeta, as_bytes("key0"));
    ASSERT_TRUE((*r)->write(batch, Durability::kSync).is_ok());
  }
  // Only the registered families (and RocksDB's own) are created.
  EXPECT_EQ(families_on_disk(dir.path()),
            (std::vector<std::string>{"blocks", "default", "extra", "index", "meta", "results"}));
  auto r = open_rocksdb(dir.path(), kSchema);
  ASSERT_TRUE(r.is_ok()) << r.message();
  for (int i = 1; i < 1000; ++i) {
    const std::string k = "key" + std::to_string(i);
    EXPECT_EQ(read(**r, *columns[i % columns.size()], k), "value" + std::to_string(i)) << k;
  }
  EXPECT_EQ(read(**r, kMeta, "key0"), std::nullopt);
}

TEST(RocksDb, ReopenWithAnAddedColumn) {
  // A new owner (say an index) registers its column in a directory that exists without it.
  TempDir dir;
  {
    auto kv = open(Kind::kRocks, dir.path(), Schema{kMeta});
    WriteBatch batch;
    batch.put(kMeta, as_bytes("k"), as_bytes("old"));
    ASSERT_TRUE(kv->write(batch, Durability::kSync).is_ok());
  }
  {
    auto kv = open(Kind::kRocks, dir.path(), Schema{kMeta, owner_a::kItems});
    EXPECT_EQ(read(*kv, kMeta, "k"), "old");
    EXPECT_EQ(read(*kv, owner_a::kItems, "k"), std::nullopt);
    WriteBatch batch;
    batch.put(owner_a::kItems, as_bytes("k"), as_bytes("new"));
    ASSERT_TRUE(kv->write(batch, Durability::kSync).is_ok());
  }
  EXPECT_EQ(families_on_disk(dir.path()), (std::vector<std::string>{"a_items", "default", "meta"}));
  // The order in which owners register does not matter on disk.
  auto kv = open(Kind::kRocks, dir.path(), Schema{owner_a::kItems, kMeta});
  EXPECT_EQ(read(*kv, kMeta, "k"), "old");
  EXPECT_EQ(read(*kv, owner_a::kItems, "k"), "new");
}

TEST(RocksDb, FamilyOnDiskThatIsNotRegisteredIsKept) {
  // A directory with a family no owner of this build registers (as format 1 and 2 directories hold
  // the unused "receipts"): it opens, and the family's data is left as it was.
  TempDir dir;
  {
    auto kv = open(Kind::kRocks, dir.path(), Schema{kMeta, kExtra});
    WriteBatch batch;
    batch.put(kMeta, as_bytes("k"), as_bytes("meta"));
    batch.put(kExtra, as_bytes("k"), as_bytes("kept"));
    ASSERT_TRUE(kv->write(batch, Durability::kSync).is_ok());
  }
  {
    auto r = open_rocksdb(dir.path(), Schema{kMeta});
    ASSERT_TRUE(r.is_ok()) << r.message();
    auto& kv = *r.value();
    EXPECT_FALSE(kv.schema().contains(kExtra));
    EXPECT_EQ(read(kv, kMeta, "k"), "meta");
    WriteBatch batch;
    batch.put(kMeta, as_bytes("k"), as_bytes("meta2"));
    ASSERT_TRUE(kv.write(batch, Durability::kSync).is_ok());
  }
  EXPECT_EQ(families_on_disk(dir.path()), (std::vector<std::string>{"default", "extra", "meta"}));
  auto kv = open(Kind::kRocks, dir.path(), Schema{kMeta, kExtra});
  EXPECT_EQ(read(*kv, kMeta, "k"), "meta2");
  EXPECT_EQ(read(*kv, kExtra, "k"), "kept");
}

TEST(RocksDb, SecondOpenOfLockedDatabaseFailsClearly) {
  TempDir dir;
  auto first = open_rocksdb(dir.path(), kSchema);
  ASSERT_TRUE(first.is_ok()) << first.message();
  auto second = open_rocksdb(dir.path(), kSchema);
  ASSERT_FALSE(second.is_ok());
  EXPECT_NE(second.message().find(dir.path()), std::string::npos) << second.message();
  EXPECT_NE(second.message().find("in use"), std::string::npos) << second.message();
  // Closing the first store releases the lock.
  first.value().reset();
  auto third = open_rocksdb(dir.path(), kSchema);
  EXPECT_TRUE(third.is_ok()) << third.message();
}

TEST(RocksDb, MissingDirectoryWithoutCreateFails) {
  TempDir dir;
  RocksOptions options;
  options.create_if_missing = false;
  auto r = open_rocksdb(dir.path(), kSchema, options);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(dir.path()), std::string::npos) << r.message();
}

}  // namespace
}  // namespace cx::storage
