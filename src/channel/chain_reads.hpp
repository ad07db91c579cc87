#pragma once
// The chain reader: every RPC read of a channel, from any thread. A read at the latest height goes
// through one snapshot of the durable head — its block, its execution result (state root) and its QC,
// published together by the commit pipeline — so one answer never mixes two heights; a read at a past
// height takes the block and its stored result of that height. In-flight blocks (certified, not yet
// durable) come from the channel core's published view; recently committed blocks are kept decoded.
#include <map>
#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "base/mutex.hpp"
#include "channel/api.hpp"
#include "channel/chain_store.hpp"
#include "channel/genesis.hpp"
#include "channel/view.hpp"
#include "mempool/mempool.hpp"
#include "state/world_state.hpp"

namespace cx::channel {

struct ChainReadsOptions {
  // Recently committed blocks kept decoded; bounded by count and by txs held (blocks can be large).
  size_t recent_blocks = 256;
  size_t recent_txs = 20000;
};

class ChainReads final : public mempool::AdmissionChecks {
 public:
  using HeadPtr = std::shared_ptr<const DurableHead>;

  ChainReads(const core::ChainParams& params, const ChainStore& chain, const state::WorldState& state, Clock& clock,
             ChainReadsOptions options);
  // Before any read: the pool (for lookups) and the head at start.
  void attach(const mempool::Mempool& pool, const DurableHead& head, ViewPtr view);

  // Publishers: the core thread (its view), the commit pipeline (each durable head).
  void publish_view(ViewPtr view);
  void publish_durable(const DurableHead& head);

  HeadPtr head() const;
  ViewPtr view() const;

  uint64_t last_height() const { return head()->block->header.height; }
  BlockPtr block_by_height(uint64_t height) const;
  BlockPtr block_by_hash(const Hash32& hash) const;
  ReceiptsPtr receipts_of(uint64_t height) const;
  Result<Uint256> balance(const core::Address& account, std::optional<uint64_t> height) const;
  Result<Uint256> total_supply(std::optional<uint64_t> height) const;
  TxLookup lookup_tx(const Hash32& hash) const;
  TxLookup committed_lookup(const Hash32& hash) const;
  Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t> height) const;
  Result<Uint256> estimate_step(const boost::json::object& tx_params) const;
  Result<std::optional<std::vector<acore::AbiEntry>>> score_api(const core::Address& address,
                                                                std::optional<uint64_t> height) const;
  Result<std::optional<acore::ContractInfo>> score_status(const core::Address& address, std::optional<uint64_t> height) const;
  Result<StateProof> state_proof(BytesView key, uint64_t height) const;
  // The state root after block `height` (an error above the latest height).
  Result<Hash32> state_root_at(uint64_t height) const;

  // mempool::AdmissionChecks, at the latest snapshot.
  bool is_known_on_chain(const Hash32& tx_hash) const override;
  std::optional<core::TxRejection> check(const core::Transaction& tx) const override;

 private:
  // The block and execution result at `height` (nullopt = latest), taken together.
  struct At {
    BlockPtr block;
    Hash32 state_root;
  };
  Result<At> at(std::optional<uint64_t> height) const;

  const core::ChainParams& m_params;
  const ChainStore& m_chain;
  const state::WorldState& m_state;
  Clock& m_clock;
  ChainReadsOptions m_options;
  const mempool::Mempool* m_pool = nullptr;

  mutable Mutex m_mutex;
  HeadPtr m_head GUARDED_BY(m_mutex);
  ViewPtr m_view GUARDED_BY(m_mutex);
  std::map<uint64_t, BlockPtr> m_recent GUARDED_BY(m_mutex);
  size_t m_recent_txs GUARDED_BY(m_mutex) = 0;  // txs in m_recent
};

}  // namespace cx::channel
