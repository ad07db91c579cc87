// RocksDB implementation of KvStore: one column family per registered column, one shared block cache.
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <vector>

#include "base/log.hpp"
#include "storage/kv_store.hpp"

namespace cx::storage {
namespace {

rocksdb::Slice to_slice(BytesView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
BytesView to_view(const rocksdb::Slice& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// 10 bits per key gives about a 1% false-positive rate: most misses (e.g. unknown tx hashes) never
// touch a data block.
constexpr double kBloomBitsPerKey = 10.0;

// Batches of at least this many ops are inserted in key order (see RocksStore::write).
constexpr size_t kSortedBatchMin = 64;

// LZ4 is cheap enough for the write path and Debian's librocksdb links it; fall back to no
// compression on a build without it rather than failing to open.
rocksdb::CompressionType pick_compression() {
  const auto supported = rocksdb::GetSupportedCompressions();
  const bool has_lz4 =
      std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  return has_lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
}

class RocksStore final : public KvStore {
 public:
  // `handles` are those of the families opened, in order: RocksDB's mandatory "default", one per
  // column of `schema` in its order, then those on disk that `schema` does not name.
  RocksStore(std::string path, const Schema& schema, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : m_path(std::move(path)), m_schema(schema), m_db(db), m_handles(std::move(handles)) {
    CX_ASSERT(m_handles.size() >= m_schema.size() + 1);
    for (size_t i = 0; i < m_schema.size(); ++i) CX_ASSERT(m_handles[i + 1]->GetName() == m_schema[i].name());
  }

  ~RocksStore() override {
    for (auto* h : m_handles) {
      const auto s = m_db->DestroyColumnFamilyHandle(h);
      CX_ASSERT(s.ok());
    }
    // Close() flushes nothing we rely on (the WAL already holds every write) but releases the LOCK
    // file before the object goes away, so the directory can be reopened at once.
    (void)m_db->Close();
    delete m_db;
  }

  Result<std::optional<Bytes>> get(const ColumnDef& c, BytesView key) const override {
    rocksdb::PinnableSlice value;
    const auto s = m_db->Get(rocksdb::ReadOptions(), handle(c), to_slice(key), &value);
    if (s.IsNotFound()) return std::optional<Bytes>{};
    if (!s.ok()) return Result<std::optional<Bytes>>::error(describe("get", c, s));
    const auto v = to_view(value);
    return std::optional<Bytes>{Bytes(v.begin(), v.end())};
  }

  Status write(const WriteBatch& batch, Durability durability) override {
    // Each column of the batch is looked up once (and checked before anything is staged).
    const auto columns = batch.columns();
    std::vector<rocksdb::ColumnFamilyHandle*> handles(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) handles[i] = handle(*columns[i]);
    // Reserved up front: per op RocksDB adds a tag, a column id and two varint lengths.
    rocksdb::WriteBatch wb(batch.byte_size() + 16 * batch.size() + 64);
    // A large batch goes in key order within each column: the memtable skip list starts each insert
    // from where the previous one ended, so sorted keys skip most of its search. Stable, so that ops
    // on one key keep their order; the batch applies atomically either way.
    std::vector<uint32_t> order(batch.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    if (batch.size() >= kSortedBatchMin) {
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const auto x = batch.op(a), y = batch.op(b);
        if (x.column_index != y.column_index) return x.column_index < y.column_index;
        return std::lexicographical_compare(x.key.begin(), x.key.end(), y.key.begin(), y.key.end());
      });
    }
    for (const uint32_t i : order) {
      const auto op = batch.op(i);
      auto* h = handles[op.column_index];
      const auto s = op.is_delete ? wb.Delete(h, to_slice(op.key)) : wb.Put(h, to_slice(op.key), to_slice(op.value));
      if (!s.ok()) return Status::error(describe("batch", *op.column, s));
    }
    rocksdb::WriteOptions wo;
    wo.sync = durability == Durability::kSync;
    const auto s = m_db->Write(wo, &wb);
    if (!s.ok()) {
      return Status::error("RocksDB write of " + std::to_string(batch.size()) + " ops at '" + m_path +
                           "' failed: " + s.ToString());
    }
    return Status::ok();
  }

  Status scan(const ColumnDef& c, BytesView from,
              const std::function<bool(BytesView key, BytesView value)>& fn) const override {
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions(), handle(c)));
    for (it->Seek(to_slice(from)); it->Valid(); it->Next()) {
      if (!fn(to_view(it->key()), to_view(it->value()))) break;
    }
    if (!it->status().ok()) return Status::error(describe("scan", c, it->status()));
    return Status::ok();
  }

  const Schema& schema() const override { return m_schema; }

 private:
  rocksdb::ColumnFamilyHandle* handle(const ColumnDef& c) const { return m_handles[m_schema.index_of(c) + 1]; }

  std::string describe(const char* what, const ColumnDef& c, const rocksdb::Status& s) const {
    return std::string("RocksDB ") + what + " in column '" + std::string(c.name()) + "' at '" + m_path +
           "' failed: " + s.ToString();
  }

  std::string m_path;
  const Schema m_schema;
  rocksdb::DB* m_db;  // owned; deleted after its handles
  std::vector<rocksdb::ColumnFamilyHandle*> m_handles;
};

}  // namespace

Result<std::unique_ptr<KvStore>> open_rocksdb(const std::string& path, const Schema& schema, const RocksOptions& options) {
  // Compactions run at the lowest CPU and I/O priority of the process: they can wait for idle time,
  // while the threads that certify, execute and commit blocks cannot. (All of a network's validators
  // compact at about the same moment, since they write the same data; at normal priority that took
  // more than a core for ~2 s on a 2-core host with 4 validators.) Flushes keep their priority, so
  // memtables never back up behind them. Process-wide and idempotent, hence once.
  static const bool lowered = [] {
    rocksdb::Env::Default()->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW);
    rocksdb::Env::Default()->LowerThreadPoolIOPriority(rocksdb::Env::Priority::LOW);
    return true;
  }();
  (void)lowered;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 4;
  db_options.bytes_per_sync = 1u << 20;
  // All memtables of all columns share one budget, so memory stays bounded however many columns are hot.
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(options.memtable_bytes_total);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.write_buffer_size = options.write_buffer_bytes;
  // L0 and L1 hold the freshest ~300 MB per column and are rewritten by every flush and L0->L1
  // compaction; compressing them costs CPU on the write path for little disk. Deeper levels, where
  // data settles, are compressed.
  const rocksdb::CompressionType deep = pick_compression();
  cf_options.compression = deep;
  cf_options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, deep, deep, deep, deep, deep};
  // A bloom filter over each memtable as well: most point reads are misses (is this new tx hash
  // already on the chain?), and without it each one walks the skip lists of every unflushed memtable.
  cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  cf_options.memtable_whole_key_filtering = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (size_t i = 0; i < schema.size(); ++i) families.emplace_back(std::string(schema[i].name()), cf_options);
  // RocksDB opens a database only with all of its families. Those that no owner registered are
  // opened as they are and never touched, so their data survives for a build that registers them.
  // Listing fails when there is no database yet (nothing to add); on any other failure the open
  // below reports the problem, and it never drops a family it was not given.
  std::vector<std::string> on_disk;
  if (rocksdb::DB::ListColumnFamilies(db_options, path, &on_disk).ok()) {
    std::string unregistered;
    for (const auto& name : on_disk) {
      if (name == rocksdb::kDefaultColumnFamilyName || schema.find(name) != nullptr) continue;
      families.emplace_back(name, cf_options);
      unregistered += (unregistered.empty() ? "" : ", ") + name;
    }
    if (!unregistered.empty()) {
      CX_DEBUG("storage", path << ": column families on disk that no owner registered, left untouched: " << unregistered);
    }
  }

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const auto s = rocksdb::DB::Open(db_options, path, families, &handles, &db);
  if (!s.ok()) {
    std::string message = "cannot open RocksDB database at '" + path + "': " + s.ToString();
    // RocksDB reports a held LOCK file as a generic IOError; say what it means for an operator.
    if (s.ToString().find("lock") != std::string::npos || s.ToString().find("LOCK") != std::string::npos) {
      message += " (the directory is in use by another process or another open store)";
    }
    return Result<std::unique_ptr<KvStore>>::error(std::move(message));
  }
  CX_ASSERT(db != nullptr);
  CX_ASSERT(handles.size() == families.size());
  return std::unique_ptr<KvStore>(std::make_unique<RocksStore>(path, schema, db, std::move(handles)));
}

}  // namespace cx::storage
