#pragma once
// The consensus records: what a validator must not forget across a crash, in a store of their own
// (`<data dir>/consensus`), so their small writes on the round's critical path never queue behind a
// block commit's write and fsync. Layout (one column):
//   "genesis"                         the channel's genesis id, written before the chain exists
//   "wal"                             the engine's write-ahead record (its last signed vote, its lock)
//   "chain/" u64 height               a certified, not yet final block and its QC
//   "proposal/" u32 round, hash32     the body of a proposal this node may vote for
// The channel core decides what to write (RecordsUpdate, in its actions); this class lays it out.
#include <compare>
#include <optional>
#include <vector>

#include "base/result.hpp"
#include "consensus/engine.hpp"
#include "storage/kv_store.hpp"

namespace cx::channel {

// The records store's one column. "consensus" is its column family name on disk since format 1.
inline constexpr storage::ColumnDef kRecordsColumn{"consensus"};

inline storage::Schema records_schema() { return storage::Schema{kRecordsColumn}; }

struct ProposalKey {
  uint32_t round = 0;
  Hash32 hash;
  auto operator<=>(const ProposalKey&) const = default;
};

// One write of records. Durable before the next action is carried out: fsync'd when it holds a vote
// record; the others ride on the next fsync (no vote leaves the node before it, STYLE/threads.md).
struct RecordsUpdate {
  std::optional<Bytes> vote;  // the engine's ActPersist record
  // A certified block joining the certified chain at its height; records above that height belong to a
  // branch the chain left and are deleted (heights up to `certified_top_before`).
  std::optional<consensus::CertifiedBlock> certified;
  uint64_t certified_top_before = 0;
  std::vector<std::pair<ProposalKey, Bytes>> proposals;  // bodies (Block::encode()) to keep
  std::vector<ProposalKey> drop_proposals;               // bodies no longer needed
  bool empty() const { return !vote && !certified && proposals.empty() && drop_proposals.empty(); }
};

// What a restart needs: the vote record, the certified chain linking up from the committed head (to be
// executed again), and the recorded proposals above the committed head's round.
struct RestoredRecords {
  std::vector<Bytes> votes;
  std::vector<consensus::CertifiedBlock> certified;
  std::vector<consensus::BlockPtr> proposals;
};

class RecordsStore {
 public:
  explicit RecordsStore(storage::KvStore& kv) : m_kv(kv) {}

  Status mark_genesis(const Hash32& genesis_id);
  // True if the records carry this genesis mark (false: missing, or another channel's).
  Result<bool> has_genesis_mark(const Hash32& genesis_id) const;

  // Reads the records and deletes those the committed `head` made stale.
  Result<RestoredRecords> load(const core::Block& head);

  Status write(const RecordsUpdate& update);
  // After the commit of `height` is durable: its certified record and the stale proposals go.
  Status drop_committed(uint64_t height, const std::vector<ProposalKey>& stale_proposals);

  // For the simulator's checker self-test only: a restart that lost its vote and proposal records.
  void forget_votes_and_proposals();

  static Bytes chain_key(uint64_t height);
  static Bytes proposal_key(const ProposalKey& key);

 private:
  Result<std::vector<consensus::CertifiedBlock>> load_certified(const core::Block& head, storage::WriteBatch& stale);
  Result<std::vector<consensus::BlockPtr>> load_proposals(uint32_t committed_round, storage::WriteBatch& stale);
  storage::KvStore& m_kv;
};

}  // namespace cx::channel
