#pragma once
// What a tx does depends on its dataType (ICON v3: none, call, message, deploy, deposit). Each has a
// handler in one table: what admission checks for it, and how it runs in a block. A new kind of tx
// (ACORE's deploy) is a new row, not another branch in validate_tx and apply_tx.
#include <optional>
#include <vector>

#include "contracts/contract.hpp"
#include "core/receipt.hpp"
#include "core/transaction.hpp"
#include "execution/execute.hpp"
#include "execution/journal.hpp"

namespace cx::execution {

// One tx being applied: what its handler reads, and what it fills in for the receipt.
struct TxRun {
  Journal& journal;
  const BlockContext& ctx;
  const contracts::Registry& registry;
  const core::Transaction& tx;
  Uint256 steps;                          // the intrinsic steps on entry; the handler adds contracts' steps
  std::optional<core::Failure> failure;   // set on failure; apply_tx then rolls the tx back, but for the fee
  std::vector<core::EventLog> logs;
  std::optional<core::Address> score_address;  // a deploy's contract, for the receipt (kept only on success)
};

struct TxHandler {
  core::DataType type;
  // Admission checks particular to the dataType (validate_tx); nullopt if the tx may enter the pool.
  std::optional<core::TxRejection> (*admit)(const state::StateReader& view, const core::ChainParams& params,
                                            const contracts::Registry& registry, const core::Transaction& tx);
  // Runs a tx whose stepLimit covers its intrinsic steps; the fee is charged afterwards by apply_tx.
  void (*apply)(TxRun& run);
};

const TxHandler& tx_handler(core::DataType type);

// Checks that the sender can pay the fee for the steps so far and the value, then moves the value to
// the tx's `to`. False (with the failure set) if it cannot.
bool pay_value(TxRun& run);

}  // namespace cx::execution
