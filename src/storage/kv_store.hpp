#pragma once
// The storage seam: an ordered key-value store with columns and atomic batches.
// RocksDB in production (one directory per channel), in-memory for tests and the simulator.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace cx::storage {

// Each column is a RocksDB column family. Adding a column is a format change: append only.
enum class Column : uint8_t {
  kMeta = 0,         // chain metadata: last committed height, genesis hash, format version
  kBlocks = 1,       // block hash -> encoded block
  kHeightIndex = 2,  // height (8 bytes BE) -> block hash
  kTxIndex = 3,      // tx hash -> (height, index, receipt)
  kReceipts = 4,     // unused since channel storage format 2 (receipts moved into kTxIndex)
  kTrieNodes = 5,    // node hash -> encoded trie node (content addressed, never overwritten)
  kResults = 6,      // height (8 bytes BE) -> execution result of that block (state root, ...)
  kConsensus = 7,    // consensus write-ahead log (last vote/proposal per round)
};
inline constexpr size_t kColumnCount = 8;
const char* column_name(Column c);

// Ops are kept in one flat buffer (a block commit stages thousands of small keys: one allocation
// per key and value showed up in profiles).
class WriteBatch {
 public:
  struct Op {
    Column column;
    bool is_delete;
    BytesView key;
    BytesView value;  // empty for a delete
  };
  void put(Column c, BytesView key, BytesView value);
  void del(Column c, BytesView key);
  size_t size() const { return m_ops.size(); }
  // The views stay valid until the batch is next changed.
  Op op(size_t i) const;
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < m_ops.size(); ++i) f(op(i));
  }
  size_t byte_size() const { return m_data.size(); }
  bool empty() const { return m_ops.empty(); }
  void clear() {
    m_ops.clear();
    m_data.clear();
  }

 private:
  struct Entry {
    Column column;
    bool is_delete;
    uint32_t key_size;
    uint32_t value_size;
    size_t offset;  // key, then value, in m_data
  };
  std::vector<Entry> m_ops;
  Bytes m_data;
};

enum class Durability { kSync, kNoSync };

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual Result<std::optional<Bytes>> get(Column c, BytesView key) const = 0;
  // All ops land or none do. kSync returns only after the data is on stable storage (fsync of the WAL).
  virtual Status write(const WriteBatch& batch, Durability durability) = 0;
  // Visits keys in byte order starting at `from` (inclusive) until `fn` returns false.
  virtual Status scan(Column c, BytesView from,
                      const std::function<bool(BytesView key, BytesView value)>& fn) const = 0;
};

struct RocksOptions {
  size_t block_cache_bytes = 256u << 20;
  size_t write_buffer_bytes = 32u << 20;     // per column family memtable
  size_t memtable_bytes_total = 128u << 20;  // all memtables together
  bool create_if_missing = true;
};

// Opens (or creates) a RocksDB database at `path`; the error says which path and why.
Result<std::unique_ptr<KvStore>> open_rocksdb(const std::string& path, const RocksOptions& options = {});
std::unique_ptr<KvStore> make_memory_store();

}  // namespace cx::storage
