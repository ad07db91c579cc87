#include "execution/tx_handlers.hpp"

#include <array>

#include "execution/accounts.hpp"
#include "execution/deploy.hpp"
#include "execution/exec_host.hpp"

namespace cx::execution {

using core::DataType;
using core::FailureCode;
using core::TxReject;
using core::TxRejection;

bool pay_value(TxRun& run) {
  const auto& tx = run.tx;
  auto fee = run.steps.checked_mul(run.ctx.params->step_price);
  auto need = fee ? fee->checked_add(tx.value) : std::nullopt;
  const Uint256 balance = read_account(run.journal, tx.from).balance;
  if (!need || balance < *need) {
    run.failure = core::Failure{FailureCode::kOutOfBalance, "out of balance"};
    return false;
  }
  move_value(run.journal, tx.from, balance, tx.to, tx.value);
  return true;
}

namespace {

// The tx's own value move comes first among its events.
void add_value_event(TxRun& run) {
  if (!run.tx.value.is_zero()) run.logs.insert(run.logs.begin(), transfer_event(run.tx.from, run.tx.to, run.tx.value));
}

core::Failure no_contract(const Address& a) { return {FailureCode::kContractNotFound, "no contract at " + a.to_string()}; }

std::optional<TxRejection> admit_any(const state::StateReader&, const core::ChainParams&, const contracts::Registry&,
                                     const core::Transaction&) {
  return std::nullopt;
}

std::optional<TxRejection> admit_call(const state::StateReader& view, const core::ChainParams& params,
                                      const contracts::Registry& registry, const core::Transaction& tx) {
  if (is_audit_call(tx)) return admit_audit(view, params, tx);
  if (!registry.find(view, tx.to)) return TxRejection{TxReject::kBadData, "no contract at " + tx.to.to_string()};
  return std::nullopt;
}

std::optional<TxRejection> admit_deposit(const state::StateReader&, const core::ChainParams&, const contracts::Registry&,
                                         const core::Transaction&) {
  return TxRejection{TxReject::kUnsupportedDataType, "deposit is not supported yet (contract fee deposits are not enabled)"};
}

// No dataType, or a message (ICON keeps its data on the chain and does nothing with it): a value move.
// A contract that receives one must exist.
void apply_transfer(TxRun& run) {
  if (!pay_value(run)) return;
  if (run.tx.to.is_contract && !run.registry.find(run.journal, run.tx.to)) {
    run.failure = no_contract(run.tx.to);
    return;
  }
  add_value_event(run);
}

void apply_call(TxRun& run) {
  if (is_audit_call(run.tx)) return apply_audit(run);
  if (!pay_value(run)) return;
  const auto& tx = run.tx;
  auto contract = run.registry.find(run.journal, tx.to);
  if (!contract) {
    run.failure = no_contract(tx.to);
    return;
  }
  // parse_transaction checked the shape: an object with a non-empty string `method`.
  const auto& data = tx.data.get_object();
  const auto* method = data.if_contains("method");
  CX_ASSERT(method && method->is_string());
  const auto* params = data.if_contains("params");
  const Uint256 room = *tx.step_limit.checked_sub(run.steps);
  ExecHost host(run.journal, run.ctx, run.registry, room.fits_u64() ? room.low_u64() : UINT64_MAX,
                contracts::TxInfo{tx.hash, tx.timestamp_us, tx.nonce.value_or(Uint256())});
  const contracts::Frame frame{tx.to, tx.from, tx.from, tx.value, 0, contracts::Access::kWrite};
  contracts::CallResult r =
      host.run(frame, *contract, method->get_string(), params ? *params : boost::json::value(nullptr));
  run.steps = *run.steps.checked_add(Uint256(host.steps_used()));
  if (!r.ok) {
    run.failure = r.failure();
    return;
  }
  run.logs = host.take_logs();
  add_value_event(run);
}

// Refused at admission; a block that carries one anyway (a faulty proposer) gets a failure receipt.
void apply_unsupported(TxRun& run) {
  run.failure = core::Failure{FailureCode::kIllegalFormat,
                              std::string(core::to_string(run.tx.data_type)) + " is not supported yet"};
}

// Indexed by DataType.
constexpr std::array<TxHandler, 5> kHandlers = {{
    {DataType::kNone, admit_any, apply_transfer},
    {DataType::kCall, admit_call, apply_call},
    {DataType::kDeploy, admit_deploy, apply_deploy},
    {DataType::kMessage, admit_any, apply_transfer},
    {DataType::kDeposit, admit_deposit, apply_unsupported},
}};

constexpr bool handlers_in_order() {
  for (size_t i = 0; i < kHandlers.size(); ++i)
    if (static_cast<size_t>(kHandlers[i].type) != i) return false;
  return true;
}
static_assert(handlers_in_order(), "kHandlers must be indexed by DataType");

}  // namespace

const TxHandler& tx_handler(DataType type) {
  const auto i = static_cast<size_t>(type);
  CX_ASSERT(i < kHandlers.size());
  return kHandlers[i];
}

}  // namespace cx::execution
