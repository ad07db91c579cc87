#include "execution/execute.hpp"

#include <algorithm>

#include "acore/acore.hpp"

#include "execution/accounts.hpp"
#include "execution/begin_block.hpp"
#include "execution/deploy.hpp"
#include "execution/exec_host.hpp"
#include "execution/tx_handlers.hpp"
#include "governance/ca_contract.hpp"

namespace cx::execution {

using contracts::CallResult;
using core::FailureCode;
using core::Receipt;
using core::TxReject;
using core::TxRejection;

const contracts::Registry& registry_of(const BlockContext& ctx) {
  return ctx.registry ? *ctx.registry : default_registry();
}

std::optional<std::string> tx_pki_refusal(const state::StateReader& view, const core::ChainParams& params,
                                          const core::Transaction& tx, int64_t time_us) {
  if (!params.ca || !params.ca->tx_pki) return std::nullopt;
  const core::Address ca = governance::ca::ca_contract_address();
  auto get = [&](std::string_view key) { return view.get(contract_storage_key(ca, as_bytes(key))); };
  return governance::ca::tx_pki_refusal(params, get, tx, time_us / 1'000'000);
}

Uint256 intrinsic_steps(const core::ChainParams& params, const core::Transaction& tx) {
  Uint256 steps(params.step_costs.default_cost);
  auto input = Uint256(params.step_costs.input_per_byte).checked_mul(Uint256(tx.data_bytes));
  CX_ASSERT(input.has_value());  // both factors are below 2^64
  steps = *steps.checked_add(*input);
  if (tx.data_type == core::DataType::kCall) steps = *steps.checked_add(Uint256(params.step_costs.contract_call));
  return steps;
}

std::optional<TxRejection> validate_tx(const state::StateReader& view, const core::ChainParams& params,
                                       int64_t now_us, const core::Transaction& tx,
                                       const contracts::Registry& registry) {
  if (tx.nid != params.nid)
    return TxRejection{TxReject::kWrongNid, "nid " + Uint256(tx.nid).to_icon_hex() + " is not this channel's nid " +
                                                Uint256(params.nid).to_icon_hex()};
  int64_t diff = tx.timestamp_us - now_us;
  if (diff > params.tx_timestamp_window_us || -diff > params.tx_timestamp_window_us)
    return TxRejection{TxReject::kTimestampOutOfRange,
                       "timestamp " + std::to_string(tx.timestamp_us) + " µs is " + std::to_string(diff / 1000000) +
                           " s from the node's time; allowed window is ±" +
                           std::to_string(params.tx_timestamp_window_us / 1000000) + " s"};
  if (auto refusal = tx_pki_refusal(view, params, tx, now_us)) return TxRejection{TxReject::kNoCertificate, *refusal};
  if (auto rejection = tx_handler(tx.data_type).admit(view, params, registry, tx)) return rejection;
  if (tx.step_limit > Uint256(params.step_limit_max))
    return TxRejection{TxReject::kStepLimitTooHigh, "stepLimit " + tx.step_limit.to_icon_hex() + " is above the maximum " +
                                                         Uint256(params.step_limit_max).to_icon_hex()};
  Uint256 need_steps = intrinsic_steps(params, tx);
  if (tx.step_limit < need_steps)
    return TxRejection{TxReject::kStepLimitTooLow, "stepLimit " + tx.step_limit.to_icon_hex() + " is below the " +
                                                        need_steps.to_icon_hex() + " steps this tx needs"};
  // stepLimit <= step_limit_max < 2^64 and step_price < 2^256: the product may overflow only for absurd prices.
  auto max_fee = tx.step_limit.checked_mul(params.step_price);
  auto need = max_fee ? max_fee->checked_add(tx.value) : std::nullopt;
  Uint256 balance = read_account(view, tx.from).balance;
  if (!need || balance < *need)
    return TxRejection{TxReject::kInsufficientBalance,
                       "balance " + balance.to_icon_hex() + " of " + tx.from.to_string() +
                           " cannot pay value + stepLimit * stepPrice = " + (need ? need->to_icon_hex() : "overflow")};
  return std::nullopt;
}

Receipt apply_tx(Journal& journal, const BlockContext& ctx, const core::Transaction& tx, uint32_t index,
                 Uint256& cumulative_steps) {
  const auto& params = *ctx.params;
  Receipt rc;
  rc.tx_hash = tx.hash;
  rc.tx_index = index;
  rc.to = tx.to;
  rc.step_price = params.step_price;

  TxRun run{journal, ctx, registry_of(ctx), tx, intrinsic_steps(params, tx), std::nullopt, {}, std::nullopt};
  const size_t cp = journal.checkpoint();
  if (tx.step_limit < run.steps) {
    run.failure = core::Failure{FailureCode::kOutOfStep, "out of step: needs " + run.steps.to_icon_hex()};
    run.steps = tx.step_limit;
  } else if (auto refusal = tx_pki_refusal(journal, params, tx, ctx.timestamp_us)) {
    // Admission checked it too, but only execution decides: the certificate may have been revoked or
    // expired between admission and this block.
    run.failure = core::Failure{FailureCode::kAccessDenied, *refusal};
  } else {
    tx_handler(tx.data_type).apply(run);
  }
  if (run.failure) {
    journal.rollback(cp);
    run.logs.clear();
  }
  // The fee is paid whatever happened; a sender that cannot cover it pays what it has.
  Uint256 fee = run.steps.checked_mul(params.step_price).value_or(Uint256::max());
  const Uint256 balance = read_account(journal, tx.from).balance;
  if (balance < fee) fee = balance;
  move_value(journal, tx.from, balance, params.treasury, fee);

  rc.success = !run.failure.has_value();
  rc.failure = std::move(run.failure);
  rc.step_used = run.steps;
  cumulative_steps = *cumulative_steps.checked_add(run.steps);
  rc.cumulative_step_used = cumulative_steps;
  if (rc.success) rc.score_address = run.score_address;
  rc.logs = std::move(run.logs);
  for (const auto& l : rc.logs) core::bloom_add_log(rc.logs_bloom, l);
  return rc;
}

namespace {

// Runs `run` again from its start while the contract runtime is lost (contracts::RuntimeLost: an
// executor process died or hung); `run` is pure over its inputs, so what a retry returns is what an
// uninterrupted run would have. After kRuntimeLossRetries losses the last run executes the Lua
// contracts in this process (acore::ScopedInProcess): the same result, and the node goes on.
template <typename Fn>
auto rerun_on_runtime_loss(Fn&& run) {
  for (int attempt = 1; attempt <= kRuntimeLossRetries; ++attempt) {
    try {
      return run();
    } catch (const contracts::RuntimeLost&) {
    }
  }
  acore::ScopedInProcess in_process;
  return run();
}

// The block's calls to Lua contracts as its txs will make them if all goes as planned: what an executor
// backend runs ahead in one batch (acore::BlockPlan). A forecast only; it never decides a result.
std::vector<acore::PlannedCall> planned_calls(const Journal& journal, const BlockContext& ctx,
                                              const std::vector<core::TxPtr>& txs) {
  std::vector<acore::PlannedCall> calls;
  if (!acore::runs_elsewhere()) return calls;
  const contracts::Registry& registry = registry_of(ctx);
  for (const auto& tx : txs) {
    if (tx->data_type != core::DataType::kCall || !tx->to.is_contract || !tx->data.is_object()) continue;
    const auto* method = tx->data.get_object().if_contains("method");
    const auto* params = tx->data.get_object().if_contains("params");
    auto contract = method && method->is_string() ? registry.find(journal, tx->to) : nullptr;
    const acore::ProgramPtr* program = contract ? acore::program_of(*contract) : nullptr;
    if (!program || !tx->step_limit.fits_u64()) continue;
    const auto abi = contract->abi();
    const auto m = std::find_if(abi.begin(), abi.end(), [&](const auto& a) { return a.name == method->get_string(); });
    if (m == abi.end()) continue;
    const auto access = m->access == contracts::Access::kReadOnly ? contracts::Access::kReadOnly : contracts::Access::kWrite;
    calls.push_back({*program, static_cast<size_t>(m - abi.begin()), params ? *params : boost::json::value(nullptr),
                     contracts::Frame{tx->to, tx->from, tx->from, tx->value, 0, access},
                     contracts::TxInfo{tx->hash, tx->timestamp_us, tx->nonce.value_or(Uint256())}, tx->step_limit.low_u64()});
  }
  return calls;
}

BlockOutput apply_block_once(const state::StateReader& base, const BlockContext& ctx, const std::vector<core::TxPtr>& txs) {
  Journal journal(base);
  // Due Alpha timers fire first, keyed on the header's timestamp.
  const uint32_t timers_fired = begin_block(journal, ctx, alpha::kTimersPerBlockMax);
  const acore::BlockPlan plan(contracts::BlockInfo{ctx.height, ctx.timestamp_us}, ctx.params->step_costs,
                              planned_calls(journal, ctx, txs),
                              [&](const core::Address& contract, BytesView key) {
                                return journal.get(contract_storage_key(contract, key));
                              });
  BlockOutput out;
  out.timers_fired = timers_fired;
  out.receipts.reserve(txs.size());
  Uint256 cumulative;
  for (size_t i = 0; i < txs.size(); ++i) {
    out.receipts.push_back(apply_tx(journal, ctx, *txs[i], static_cast<uint32_t>(i), cumulative));
    journal.commit();  // an applied tx is never undone
    core::bloom_merge(out.logs_bloom, out.receipts.back().logs_bloom);
  }
  out.changes = journal.take_changes();
  out.receipts_root = core::receipts_root(out.receipts);
  return out;
}

CallResult query_once(const state::StateReader& view, const BlockContext& ctx, const contracts::CallRequest& req) {
  if (!req.value.is_zero()) return CallResult::fail(FailureCode::kInvalidParameter, "a read-only call cannot carry value");
  Journal journal(view);
  const contracts::Registry& registry = registry_of(ctx);
  auto contract = registry.find(journal, req.contract);
  if (!contract) return CallResult::fail(FailureCode::kContractNotFound, "no contract at " + req.contract.to_string());
  ExecHost host(journal, ctx, registry, ctx.params->step_limit_max);
  const contracts::Frame frame{req.contract, req.caller, req.caller, Uint256(), 0, contracts::Access::kReadOnly};
  CallResult r = host.run(frame, *contract, req.method, req.params);
  if (!r.ok) r.message = core::make_failure(r.code, std::move(r.message)).message;
  return r;
}

}  // namespace

BlockOutput apply_block(const state::StateReader& base, const BlockContext& ctx, const std::vector<core::TxPtr>& txs) {
  return rerun_on_runtime_loss([&] { return apply_block_once(base, ctx, txs); });
}

CallResult query(const state::StateReader& view, const BlockContext& ctx, const contracts::CallRequest& req) {
  return rerun_on_runtime_loss([&] { return query_once(view, ctx, req); });
}

}  // namespace cx::execution
