#pragma once
// The storage seam: an ordered key-value store with columns and atomic batches.
// RocksDB in production (one directory per channel), in-memory for tests and the simulator.
//
// Storage knows no chain concept: a column is declared by the module that owns its keys, and a store
// is opened with the schema its owners built (docs/architecture.md "Storage").
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace cx::storage {

// A column: a key space of its own (a RocksDB column family), declared once by its owner at
// namespace scope, e.g. in channel/chain_store.hpp:
//   inline constexpr storage::ColumnDef kBlocksColumn{"blocks"};
// A column is identified by its definition (its address), not by its name, so a definition cannot be
// copied: pass it by reference. The name is the column family's name on disk: renaming a column, or
// giving its name to another, is a format change. Names are checked when compiled: lowercase letters,
// digits and '_', and not "default" (RocksDB's own family).
class ColumnDef {
 public:
  consteval explicit ColumnDef(std::string_view name) : m_name(name) {
    CX_ASSERT(!name.empty() && name.size() <= 64 && name != "default");
    for (const char c : name) CX_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  ColumnDef(const ColumnDef&) = delete;
  ColumnDef& operator=(const ColumnDef&) = delete;

  constexpr std::string_view name() const { return m_name; }

 private:
  std::string_view m_name;
};

// The columns a store is opened with. Each owner adds its own before the open:
//   storage::Schema schema;
//   schema.add(state::kTrieNodesColumn);
//   schema.add(channel::kBlocksColumn);  // ... or an owner's helper that adds all of its columns
// A schema holds references: its definitions must outlive it and every store opened with it (they are
// namespace-scope constants in practice).
class Schema {
 public:
  Schema() = default;
  Schema(std::initializer_list<std::reference_wrapper<const ColumnDef>> columns);

  // Adding a column that is already there does nothing, so owners that share a column may each add
  // it. Two different columns of one name are a bug (asserts): on disk they would be one key space.
  Schema& add(const ColumnDef& column);
  Schema& add(const Schema& other);

  // Position of `column` in this schema (the order of adding), or nullopt if it was never added.
  std::optional<size_t> find(const ColumnDef& column) const {
    for (size_t i = 0; i < m_columns.size(); ++i) {
      if (m_columns[i] == &column) return i;
    }
    return std::nullopt;
  }
  // The same for a column that must be there: one that is not is a bug, reported with its name.
  size_t index_of(const ColumnDef& column) const {
    if (const auto i = find(column)) [[likely]] return *i;
    not_registered(column);
  }
  const ColumnDef* find(std::string_view name) const;
  bool contains(const ColumnDef& column) const { return find(column).has_value(); }

  size_t size() const { return m_columns.size(); }
  const ColumnDef& operator[](size_t i) const { return *m_columns.at(i); }

 private:
  [[noreturn]] static void not_registered(const ColumnDef& column);

  std::vector<const ColumnDef*> m_columns;
};

// Ops are kept in one flat buffer (a block commit stages thousands of small keys: one allocation
// per key and value showed up in profiles). Each op names its column by its index in columns(), the
// distinct columns of this batch, so a store resolves a column once per batch, not once per op.
class WriteBatch {
 public:
  static constexpr size_t kColumnsMax = 255;  // distinct columns in one batch

  struct Op {
    const ColumnDef* column;
    uint8_t column_index;  // position of `column` in columns()
    bool is_delete;
    BytesView key;
    BytesView value;  // empty for a delete
  };
  void put(const ColumnDef& c, BytesView key, BytesView value);
  void del(const ColumnDef& c, BytesView key);
  size_t size() const { return m_ops.size(); }
  // The views stay valid until the batch is next changed.
  Op op(size_t i) const {
    const Entry& e = m_ops[i];
    const uint8_t* k = m_data.data() + e.offset;
    return Op{m_columns[e.column], e.column, e.is_delete, BytesView(k, e.key_size), BytesView(k + e.key_size, e.value_size)};
  }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < m_ops.size(); ++i) f(op(i));
  }
  // The distinct columns the ops name, in order of first use.
  std::span<const ColumnDef* const> columns() const { return m_columns; }
  size_t byte_size() const { return m_data.size(); }
  bool empty() const { return m_ops.empty(); }
  void clear() {
    m_ops.clear();
    m_data.clear();
    m_columns.clear();
  }

 private:
  uint8_t column_index(const ColumnDef& c);

  struct Entry {
    uint8_t column;  // index in m_columns
    bool is_delete;
    uint32_t key_size;
    uint32_t value_size;
    size_t offset;  // key, then value, in m_data
  };
  std::vector<Entry> m_ops;
  Bytes m_data;
  std::vector<const ColumnDef*> m_columns;
};

enum class Durability { kSync, kNoSync };

// Every column passed to a store, directly or in a batch, must be in the schema it was opened with:
// one that is not is a bug, and the store asserts with the column's name (it never falls back to
// another column).
class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual Result<std::optional<Bytes>> get(const ColumnDef& c, BytesView key) const = 0;
  // All ops land or none do. kSync returns only after the data is on stable storage (fsync of the WAL).
  virtual Status write(const WriteBatch& batch, Durability durability) = 0;
  // Visits keys in byte order starting at `from` (inclusive) until `fn` returns false.
  virtual Status scan(const ColumnDef& c, BytesView from,
                      const std::function<bool(BytesView key, BytesView value)>& fn) const = 0;
  // The columns this store was opened with.
  virtual const Schema& schema() const = 0;
};

struct RocksOptions {
  size_t block_cache_bytes = 256u << 20;
  size_t write_buffer_bytes = 32u << 20;     // per column family memtable
  size_t memtable_bytes_total = 128u << 20;  // all memtables together
  bool create_if_missing = true;
};

// Opens (or creates) a RocksDB database at `path` with one column family per column of `schema`,
// creating the families it lacks. Families on disk that `schema` does not name (a column an older
// format used, or one whose owner is not linked in) are opened too, as RocksDB requires, and left
// untouched: their data stays for a build that registers them. The error says which path and why.
Result<std::unique_ptr<KvStore>> open_rocksdb(const std::string& path, const Schema& schema,
                                              const RocksOptions& options = {});
std::unique_ptr<KvStore> make_memory_store(const Schema& schema);

}  // namespace cx::storage
