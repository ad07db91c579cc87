#pragma once
// Deploy txs and the audit of deployed code (docs/acore.md). A `dataType: deploy` tx to
// cx0000000000000000000000000000000000000000 installs a Lua contract at the address goloop's rule
// gives (acore::contract_address); one to an existing contract by its owner updates it: same
// address, same storage, the earlier version kept on record. The content is decoded and compiled
// on the node (acore/package.hpp, the registry's acore::Resolver); on_install(params) or
// on_update(params) runs once in a frame of the contract, with the deployer as caller.
//
// What can be decided from the tx and the state is decided at admission too (admit_deploy), so the
// client is told at once, with the file, line and cause, why a deploy cannot work; a block that
// carries such a tx anyway gets a failure receipt with the same message.
//
// With ChainParams::audit_enabled, the new version waits as `next` (pending) until an auditor calls
// the chain contract's acceptScore(txHash) or rejectScore(txHash, reason), as ICON's governance
// contract had; the hook then runs with the accept. These two methods are carried out here rather
// than by the native chain contract, because they write the code store, which no contract reaches.
#include <optional>

#include "core/transaction.hpp"
#include "execution/execute.hpp"
#include "execution/tx_handlers.hpp"

namespace cx::execution {

std::optional<core::TxRejection> admit_deploy(const state::StateReader& view, const core::ChainParams& params,
                                              const contracts::Registry& registry, const core::Transaction& tx);
void apply_deploy(TxRun& run);

// A call tx to the chain contract's acceptScore or rejectScore.
bool is_audit_call(const core::Transaction& tx);
std::optional<core::TxRejection> admit_audit(const state::StateReader& view, const core::ChainParams& params,
                                             const core::Transaction& tx);
void apply_audit(TxRun& run);

}  // namespace cx::execution
