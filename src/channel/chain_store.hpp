#pragma once
// The channel's on-disk layout over a KvStore (docs/storage.md). A committed block, its tx index,
// receipts, execution result and state nodes go into one WriteBatch written with fsync: after a
// crash either all of a block is there or none of it.
#include <memory>
#include <optional>
#include <vector>

#include "core/block.hpp"
#include "core/receipt.hpp"
#include "storage/kv_store.hpp"

namespace cx::channel {

// Format 2: a tx's receipt is stored with its index entry (one key per tx instead of two).
// Format 3: consensus records live in a store of their own (`<dir>/consensus`), not in this one.
inline constexpr uint32_t kStorageFormat = 3;

// The chain's columns. Their names are the column families on disk since format 1: renaming one is a
// format change. (Directories of formats 1 and 2 also hold "receipts", and all hold "consensus", which
// this store no longer uses: the store opens them and leaves them alone.)
inline constexpr storage::ColumnDef kMetaColumn{"meta"};                // `last`, `genesis`, `format`, `txs`
inline constexpr storage::ColumnDef kBlocksColumn{"blocks"};            // block hash -> encoded block
inline constexpr storage::ColumnDef kHeightIndexColumn{"height_index"}; // height (height_key) -> block hash
inline constexpr storage::ColumnDef kTxIndexColumn{"tx_index"};         // tx hash -> height, index, receipt
inline constexpr storage::ColumnDef kResultsColumn{"results"};          // height -> CommittedResult

struct TxPosition {
  uint64_t height = 0;
  uint32_t index = 0;
};

// Stored per committed height: what executing the block produced, and the QC that finalised it.
struct CommittedResult {
  core::ExecResult result;
  core::QuorumCertificate qc;  // empty for genesis
  Bytes encode() const;
  static std::optional<CommittedResult> decode(BytesView b);
};

class ChainStore {
 public:
  // `kv` must have been opened with the columns add_columns() adds (asserted).
  explicit ChainStore(storage::KvStore& kv);

  // Adds the chain's columns to the schema of the store that will hold the chain.
  static void add_columns(storage::Schema& schema);

  // Environment failures while reading a committed chain are fatal corruption: they abort with
  // the key that was missing, since continuing would serve wrong data.
  std::optional<uint64_t> last_height() const;
  std::optional<Hash32> genesis_id() const;
  // The storage format the directory was written with (nullopt before genesis).
  std::optional<uint64_t> format() const;
  std::optional<Hash32> hash_at(uint64_t height) const;
  std::shared_ptr<const core::Block> block(const Hash32& hash) const;
  std::optional<CommittedResult> result_at(uint64_t height) const;
  std::optional<TxPosition> tx_position(const Hash32& tx_hash) const;
  std::optional<core::Receipt> receipt(const Hash32& tx_hash) const;
  // Txs in the committed chain (its `txs` entry, written with each block). A directory written before
  // the entry existed has its tx index counted instead (once: the next block writes the entry).
  uint64_t txs_total() const;

  // Adds a committed block to `batch` (the caller adds state nodes and writes it). Blocks are written
  // one batch each, in height order: the running tx count is read from the block before.
  void stage_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                   const CommittedResult& result, storage::WriteBatch& batch) const;
  void stage_genesis_id(const Hash32& id, storage::WriteBatch& batch) const;

 private:
  std::optional<Bytes> get(const storage::ColumnDef& c, BytesView key) const;
  // A u64 entry of the meta column; `what` names it if it does not decode.
  std::optional<uint64_t> meta_u64(BytesView key, const char* what) const;
  storage::KvStore& m_kv;
};

Bytes height_key(uint64_t height);

}  // namespace cx::channel
