#pragma once
// Execution is pure: given a state view, the block context and txs, it returns receipts and the
// ordered state diff. It never reads the clock (block time comes from the header) and never writes
// storage; the channel applies the diff to the world state and writes it with the block.
#include <optional>
#include <vector>

#include "contracts/native.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"
#include "execution/journal.hpp"

namespace cx::execution {

struct BlockContext {
  const core::ChainParams* params = nullptr;
  uint64_t height = 0;
  int64_t timestamp_us = 0;
  // Where the contracts are; null means execution::default_registry() (deploy.hpp: the chain's native
  // contracts, the Alpha system contract, and the Lua contracts deployed in state).
  const contracts::Registry* registry = nullptr;
};

// The registry execution uses when a BlockContext names none: the chain's native contracts, and
// ACORE's resolver running the Lua runtime for contracts deployed in state (defined in deploy.cpp).
const contracts::Registry& default_registry();
const contracts::Registry& registry_of(const BlockContext& ctx);

// Checks a tx against state and chain params: nid, stepLimit bounds and minimum, timestamp window
// around `now_us` (the node's time at admission, the block time in a block), and that `from` can
// pay value + stepLimit * stepPrice, and what its dataType requires (a call's contract exists; a
// deploy's code decodes and compiles and its sender may deploy there; deposit is not supported yet).
// Signature and shape were checked when parsing/admitting.
std::optional<core::TxRejection> validate_tx(const state::StateReader& view, const core::ChainParams& params,
                                             int64_t now_us, const core::Transaction& tx,
                                             const contracts::Registry& registry = default_registry());

// Per-transaction PKI (docs/ca.md): nullopt if the channel's txPki lets `tx` run at `time_us` in
// `view`, else why not. validate_tx (admission) and apply_tx (the authority) both ask it.
std::optional<std::string> tx_pki_refusal(const state::StateReader& view, const core::ChainParams& params,
                                          const core::Transaction& tx, int64_t time_us);
// Minimum steps a tx needs before any contract runs (default + input bytes).
Uint256 intrinsic_steps(const core::ChainParams& params, const core::Transaction& tx);

// Applies one tx to the journal. A failing tx still pays its fee and gets a failure receipt; the
// journal is rolled back to before the tx except for the fee.
core::Receipt apply_tx(Journal& journal, const BlockContext& ctx, const core::Transaction& tx, uint32_t index,
                       Uint256& cumulative_steps);

struct BlockOutput {
  std::vector<core::Receipt> receipts;
  state::StateChanges changes;
  Hash32 receipts_root;
  core::LogsBloom logs_bloom;
  uint32_t timers_fired = 0;  // Alpha timers begin-block fired
};

// How often apply_block and query run with the contract runtime lost (an executor process crashed
// or hung, contracts::RuntimeLost) before they run once more with the Lua contracts in this process:
// a block is never given a result that depends on a crash, and a node never stops for one.
inline constexpr int kRuntimeLossRetries = 4;

// Begin-block first (begin_block.hpp: due Alpha timers), then the txs in order.
BlockOutput apply_block(const state::StateReader& base, const BlockContext& ctx, const std::vector<core::TxPtr>& txs);

// Read-only contract call (icx_call) against a state view, with a budget of step_limit_max steps.
contracts::CallResult query(const state::StateReader& view, const BlockContext& ctx, const contracts::CallRequest& req);

}  // namespace cx::execution
