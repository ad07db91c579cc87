#include "storage/kv_store.hpp"

#include <cstring>
#include <map>

#include "base/mutex.hpp"

namespace cx::storage {

Schema::Schema(std::initializer_list<std::reference_wrapper<const ColumnDef>> columns) {
  for (const ColumnDef& c : columns) add(c);
}

Schema& Schema::add(const ColumnDef& column) {
  if (contains(column)) return *this;
  const ColumnDef* same_name = find(column.name());
  if (same_name != nullptr) {
    const std::string message = "two different columns are both named '" + std::string(column.name()) +
                                "'; each column needs a name of its own";
    CX_ASSERT_MSG(same_name == nullptr, message.c_str());
  }
  m_columns.push_back(&column);
  return *this;
}

Schema& Schema::add(const Schema& other) {
  for (const ColumnDef* c : other.m_columns) add(*c);
  return *this;
}

const ColumnDef* Schema::find(std::string_view name) const {
  for (const ColumnDef* c : m_columns) {
    if (c->name() == name) return c;
  }
  return nullptr;
}

uint8_t WriteBatch::column_index(const ColumnDef& c) {
  // A batch names a handful of columns: a linear search beats any map.
  for (size_t i = 0; i < m_columns.size(); ++i) {
    if (m_columns[i] == &c) return static_cast<uint8_t>(i);
  }
  CX_ASSERT(m_columns.size() < kColumnsMax);
  m_columns.push_back(&c);
  return static_cast<uint8_t>(m_columns.size() - 1);
}

void WriteBatch::put(const ColumnDef& c, BytesView key, BytesView value) {
  CX_ASSERT(key.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  m_ops.push_back(Entry{column_index(c), false, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()), m_data.size()});
  m_data.insert(m_data.end(), key.begin(), key.end());
  m_data.insert(m_data.end(), value.begin(), value.end());
}

void WriteBatch::del(const ColumnDef& c, BytesView key) {
  CX_ASSERT(key.size() <= UINT32_MAX);
  m_ops.push_back(Entry{column_index(c), true, static_cast<uint32_t>(key.size()), 0, m_data.size()});
  m_data.insert(m_data.end(), key.begin(), key.end());
}

void Schema::not_registered(const ColumnDef& column) {
  const std::string message = "column '" + std::string(column.name()) +
                              "' is not registered with this store: its owner must add it to the Schema the "
                              "store is opened with";
  base::assert_fail("schema.contains(column)", __FILE__, __LINE__, message.c_str());
}

namespace {

// Byte-wise order (the order RocksDB's default comparator uses), transparent so that lookups by
// BytesView need no copy of the key.
struct BytesLess {
  using is_transparent = void;
  bool operator()(BytesView a, BytesView b) const {
    const size_t n = std::min(a.size(), b.size());
    const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
};

class MemoryStore final : public KvStore {
 public:
  static constexpr size_t kScanChunk = 256;

  explicit MemoryStore(const Schema& schema) : m_schema(schema), m_columns(schema.size()) {}

  Result<std::optional<Bytes>> get(const ColumnDef& c, BytesView key) const override {
    ReaderLock lock(m_mutex);
    const auto& col = column(c);
    auto it = col.find(key);
    if (it == col.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>{it->second};
  }

  Status write(const WriteBatch& batch, Durability) override {
    // Each column of the batch is looked up once (and checked before anything is applied).
    std::vector<size_t> maps;
    maps.reserve(batch.columns().size());
    for (const ColumnDef* c : batch.columns()) maps.push_back(m_schema.index_of(*c));
    // One exclusive section for the whole batch: readers see all of it or none of it.
    WriterLock lock(m_mutex);
    // A loop rather than for_each: the analysis checks a lambda on its own, without the lock.
    for (size_t i = 0; i < batch.size(); ++i) {
      const WriteBatch::Op op = batch.op(i);
      Map& col = m_columns[maps[op.column_index]];
      if (op.is_delete) {
        auto it = col.find(op.key);
        if (it != col.end()) col.erase(it);
      } else {
        col.insert_or_assign(Bytes(op.key.begin(), op.key.end()), Bytes(op.value.begin(), op.value.end()));
      }
    }
    return Status::ok();
  }

  Status scan(const ColumnDef& c, BytesView from,
              const std::function<bool(BytesView key, BytesView value)>& fn) const override {
    // Entries are copied out in chunks and the lock is released while `fn` runs, so `fn` may read or
    // write this store. Each chunk resumes after the last key visited. Unlike a RocksDB iterator this
    // is not one snapshot across chunks; within a chunk it is.
    (void)m_schema.index_of(c);  // an unregistered column is a bug, even for an empty scan
    std::vector<std::pair<Bytes, Bytes>> chunk;
    Bytes resume(from.begin(), from.end());
    bool inclusive = true;
    while (true) {
      chunk.clear();
      {
        ReaderLock lock(m_mutex);
        const auto& col = column(c);
        auto it = inclusive ? col.lower_bound(BytesView(resume)) : col.upper_bound(BytesView(resume));
        for (; it != col.end() && chunk.size() < kScanChunk; ++it) chunk.emplace_back(it->first, it->second);
      }
      for (const auto& [key, value] : chunk) {
        if (!fn(key, value)) return Status::ok();
      }
      if (chunk.size() < kScanChunk) return Status::ok();
      resume = std::move(chunk.back().first);
      inclusive = false;
    }
  }

  const Schema& schema() const override { return m_schema; }

 private:
  using Map = std::map<Bytes, Bytes, BytesLess>;
  const Map& column(const ColumnDef& c) const REQUIRES_SHARED(m_mutex) { return m_columns[m_schema.index_of(c)]; }

  const Schema m_schema;
  mutable SharedMutex m_mutex;
  std::vector<Map> m_columns GUARDED_BY(m_mutex);  // one per column of m_schema, in its order
};

}  // namespace

std::unique_ptr<KvStore> make_memory_store(const Schema& schema) { return std::make_unique<MemoryStore>(schema); }

}  // namespace cx::storage
