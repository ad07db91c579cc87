#include "storage/kv_store.hpp"

#include <array>
#include <cstring>
#include <map>

#include "base/mutex.hpp"

namespace cx::storage {

const char* column_name(Column c) {
  // These names are the RocksDB column family names on disk: renaming one is a format change.
  switch (c) {
    case Column::kMeta: return "meta";
    case Column::kBlocks: return "blocks";
    case Column::kHeightIndex: return "height_index";
    case Column::kTxIndex: return "tx_index";
    case Column::kReceipts: return "receipts";
    case Column::kTrieNodes: return "trie_nodes";
    case Column::kResults: return "results";
    case Column::kConsensus: return "consensus";
  }
  CX_UNREACHABLE();
}

void WriteBatch::put(Column c, BytesView key, BytesView value) {
  CX_ASSERT(static_cast<size_t>(c) < kColumnCount);
  CX_ASSERT(key.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  m_ops.push_back(Entry{c, false, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()), m_data.size()});
  m_data.insert(m_data.end(), key.begin(), key.end());
  m_data.insert(m_data.end(), value.begin(), value.end());
}

void WriteBatch::del(Column c, BytesView key) {
  CX_ASSERT(static_cast<size_t>(c) < kColumnCount);
  CX_ASSERT(key.size() <= UINT32_MAX);
  m_ops.push_back(Entry{c, true, static_cast<uint32_t>(key.size()), 0, m_data.size()});
  m_data.insert(m_data.end(), key.begin(), key.end());
}

WriteBatch::Op WriteBatch::op(size_t i) const {
  const Entry& e = m_ops[i];
  const uint8_t* k = m_data.data() + e.offset;
  return Op{e.column, e.is_delete, BytesView(k, e.key_size), BytesView(k + e.key_size, e.value_size)};
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

  Result<std::optional<Bytes>> get(Column c, BytesView key) const override {
    ReaderLock lock(m_mutex);
    const auto& col = column(c);
    auto it = col.find(key);
    if (it == col.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>{it->second};
  }

  Status write(const WriteBatch& batch, Durability) override {
    // One exclusive section for the whole batch: readers see all of it or none of it.
    WriterLock lock(m_mutex);
    // A loop rather than for_each: the analysis checks a lambda on its own, without the lock.
    for (size_t i = 0; i < batch.size(); ++i) {
      const WriteBatch::Op op = batch.op(i);
      Map& col = m_columns[index(op.column)];
      if (op.is_delete) {
        auto it = col.find(op.key);
        if (it != col.end()) col.erase(it);
      } else {
        col.insert_or_assign(Bytes(op.key.begin(), op.key.end()), Bytes(op.value.begin(), op.value.end()));
      }
    }
    return Status::ok();
  }

  Status scan(Column c, BytesView from,
              const std::function<bool(BytesView key, BytesView value)>& fn) const override {
    // Entries are copied out in chunks and the lock is released while `fn` runs, so `fn` may read or
    // write this store. Each chunk resumes after the last key visited. Unlike a RocksDB iterator this
    // is not one snapshot across chunks; within a chunk it is.
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

 private:
  using Map = std::map<Bytes, Bytes, BytesLess>;
  static size_t index(Column c) {
    CX_ASSERT(static_cast<size_t>(c) < kColumnCount);
    return static_cast<size_t>(c);
  }
  const Map& column(Column c) const REQUIRES_SHARED(m_mutex) { return m_columns[index(c)]; }

  mutable SharedMutex m_mutex;
  std::array<Map, kColumnCount> m_columns GUARDED_BY(m_mutex);
};

}  // namespace

std::unique_ptr<KvStore> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace cx::storage
