#pragma once
// Writes a final block: the block, its tx index with receipts, its execution result and QC, its state's
// trie nodes and every index subscriber's entries go into one batch written with fsync, so after a crash
// either all of a block is there or none of it. Then its consensus records are dropped and the world
// state forgets the nodes it kept in memory. Deterministic over the KvStore seam: the commit pipeline
// runs it on its thread, the simulator in its simulated time.
#include <memory>
#include <optional>
#include <vector>

#include "channel/chain_store.hpp"
#include "channel/records.hpp"
#include "channel/view.hpp"
#include "state/world_state.hpp"

namespace cx::channel {

// A block the channel core decided is final, with everything the writer needs.
struct CommitJob {
  ExecutedPtr block;
  core::QuorumCertificate qc;                // the QC the engine committed it with
  std::vector<ProposalKey> stale_proposals;  // proposal records this commit makes obsolete
};

// The index seam: a subscriber owns its own storage namespace (columns it registered) and adds its
// entries for each committed block to the block's own batch, so an index is never behind or ahead of
// the chain after a crash. Called on the commit pipeline's thread, in height order, each block once.
class CommitSubscriber {
 public:
  virtual ~CommitSubscriber() = default;
  // `final_qc`: the QC the block was committed with (the one stored with it, CommittedResult::qc).
  virtual void stage(const ExecutedBlock& block, const core::QuorumCertificate& final_qc, storage::WriteBatch& batch) = 0;
  // The first height this index has not staged yet, as recorded in its own columns (an index records
  // it in every block's batch). A channel that opens with an index behind its chain (a directory
  // written without it, or before it existed) stages the missing blocks from the chain store first
  // (index_rebuild.hpp). nullopt: the index keeps no such record and is never rebuilt.
  virtual std::optional<uint64_t> next_height() const { return std::nullopt; }
};

class CommitWriter {
 public:
  CommitWriter(storage::KvStore& kv, ChainStore& chain, state::WorldState& state, RecordsStore& records)
      : m_kv(kv), m_chain(chain), m_state(state), m_records(records) {}

  // Subscribers must be added before the first write; they are called in the order added.
  void add_subscriber(CommitSubscriber& s) { m_subscribers.push_back(&s); }

  struct Stats {
    size_t keys = 0;
    size_t bytes = 0;
  };
  // An error is an environment failure (disk): the caller stops the node.
  Result<Stats> write(const CommitJob& job);

 private:
  storage::KvStore& m_kv;
  ChainStore& m_chain;
  state::WorldState& m_state;
  RecordsStore& m_records;
  std::vector<CommitSubscriber*> m_subscribers;
};

}  // namespace cx::channel
