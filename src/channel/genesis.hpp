#pragma once
// A channel's ledger from its genesis: created in empty stores, or checked to be this channel's (the
// genesis id, the storage format, the consensus records' genesis mark) before anything runs on it.
// Deterministic over the KvStore seam: the channel and the simulator open their ledgers with it.
#include <string>

#include "channel/chain_store.hpp"
#include "channel/records.hpp"
#include "core/chain_params.hpp"
#include "channel/view.hpp"
#include "state/world_state.hpp"

namespace cx::channel {

// The highest durable committed block with its execution result and QC.
struct DurableHead {
  BlockPtr block;
  core::ExecResult result;
  core::QuorumCertificate qc;
};

// The columns of a ledger's store: the chain store's and the world state's (index subscribers add theirs).
storage::Schema ledger_schema();

// sha3-256 of the genesis parameters: the channel's identity, committed to by block 0's prev_hash.
Hash32 genesis_id(const core::ChainParams& params);

// `where` names the data directory in error messages.
Result<DurableHead> open_chain(const core::ChainParams& params, const std::string& where, storage::KvStore& kv,
                               ChainStore& chain, state::WorldState& state, RecordsStore& records);

// The durable head as stored (the chain must exist).
DurableHead read_durable_head(const ChainStore& chain);

}  // namespace cx::channel
