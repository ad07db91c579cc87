#include "channel/genesis.hpp"

#include "base/log.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"

namespace cx::channel {
namespace {

Status create_genesis(const core::ChainParams& p, const Hash32& id, storage::KvStore& kv, ChainStore& chain,
                      state::WorldState& state) {
  auto block = std::make_shared<core::Block>();
  block->header.height = 0;
  // The genesis block's prev_hash commits to the genesis parameters, so block 0's hash does too.
  block->header.prev_hash = id;
  block->header.timestamp_us = p.genesis_timestamp_us;
  block->header.validators_hash = p.validator_set().hash();
  block->header.prev_qc_hash = block->prev_qc.hash();
  Hash32 root = state.apply(state::empty_root(), execution::genesis_changes(p));
  CommittedResult res;
  res.result.state_root = root;
  storage::WriteBatch batch;
  chain.stage_genesis_id(id, batch);
  chain.stage_block(*block, {}, res, batch);
  state.stage_commit(root, batch);
  if (auto s = kv.write(batch, storage::Durability::kSync); !s) return Status::error("writing genesis: " + s.message());
  state.on_persisted(root);
  CX_INFO("channel", p.channel << ": created genesis " << block->hash().hex());
  return Status::ok();
}

}  // namespace

storage::Schema ledger_schema() {
  storage::Schema schema;
  ChainStore::add_columns(schema);
  schema.add(state::kTrieNodesColumn);
  return schema;
}

Hash32 genesis_id(const core::ChainParams& params) { return crypto::sha3_256(as_bytes(params.to_json())); }

DurableHead read_durable_head(const ChainStore& chain) {
  auto height = chain.last_height();
  CX_ASSERT_MSG(height.has_value(), "genesis id present but no committed height");
  auto hash = chain.hash_at(*height);
  CX_ASSERT(hash.has_value());
  DurableHead head;
  head.block = chain.block(*hash);
  CX_ASSERT(head.block);
  auto res = chain.result_at(*height);
  CX_ASSERT(res.has_value());
  head.result = res->result;
  head.qc = res->qc;
  return head;
}

Result<DurableHead> open_chain(const core::ChainParams& params, const std::string& where, storage::KvStore& kv,
                               ChainStore& chain, state::WorldState& state, RecordsStore& records) {
  const Hash32 id = genesis_id(params);
  auto existing = chain.genesis_id();
  if (existing && chain.format() != kStorageFormat) {
    const auto f = chain.format();
    return Status::error("data directory " + where + " was written in storage format " +
                         (f ? std::to_string(*f) : std::string("1")) + "; this build reads format " +
                         std::to_string(kStorageFormat) +
                         " only. Re-create it from genesis (for a local network: complexchain localnet reset)");
  }
  if (!existing) {
    // The records store is marked before the chain exists, so a chain never exists without it.
    if (auto s = records.mark_genesis(id); !s) return Status::error("marking the consensus records: " + s.message());
    if (auto s = create_genesis(params, id, kv, chain, state); !s) return s;
  } else if (*existing != id) {
    return Status::error("data directory " + where + " holds channel " + existing->hex() +
                         ", not the one this genesis defines (" + id.hex() +
                         "); use another directory or the matching genesis.json");
  } else {
    // Without its vote record a validator could sign twice in one round: refuse to run on a chain
    // whose consensus records are gone or belong to another channel.
    auto marked = records.has_genesis_mark(id);
    if (!marked) return Status::error("reading the consensus records: " + marked.message());
    if (!marked.value())
      return Status::error("the consensus records of " + where + " (" + where +
                           "/consensus) are missing or belong to another channel; without them this validator "
                           "could sign twice in one round. Restore them, or re-create the data directory from genesis");
  }
  return read_durable_head(chain);
}

}  // namespace cx::channel
