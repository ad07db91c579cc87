#include "execution/exec_host.hpp"

#include <algorithm>

#include "execution/accounts.hpp"

namespace cx::execution {

using contracts::Access;
using contracts::CallResult;
using contracts::HostResult;
using contracts::HostStatus;
using core::FailureCode;

namespace {

bool log_fits(const core::EventLog& log) {
  if (log.indexed.size() > core::kLogItemsMax || log.data.size() > core::kLogItemsMax) return false;
  auto small = [](const std::string& s) { return s.size() <= core::kLogItemBytesMax; };
  return std::all_of(log.indexed.begin(), log.indexed.end(), small) &&
         std::all_of(log.data.begin(), log.data.end(), small);
}

// Writes of one frame (and the value moved into it) are undone together if the frame fails.
struct Undo {
  size_t checkpoint;
  size_t log_count;
};

}  // namespace

ExecHost::ExecHost(Journal& journal, const BlockContext& ctx, const contracts::Registry& registry,
                   uint64_t step_budget, const contracts::TxInfo& tx)
    : m_journal(journal), m_params(*ctx.params), m_block{ctx.height, ctx.timestamp_us}, m_tx(tx),
      m_registry(registry), m_budget(step_budget) {}

CallResult ExecHost::run(const contracts::Frame& frame, const contracts::Contract& contract, std::string_view method,
                         const boost::json::value& params) {
  CX_ASSERT_MSG(m_current == nullptr, "ExecHost::run is for the outermost frame");
  CX_ASSERT(frame.depth == 0);
  const Undo undo{m_journal.checkpoint(), m_logs.size()};
  ActiveFrame f{frame, m_budget, std::nullopt, nullptr};
  CallResult r = run_frame(f, contract, method, params);
  if (!r.ok) {
    m_journal.rollback(undo.checkpoint);
    m_logs.resize(undo.log_count);
  }
  return r;
}

CallResult ExecHost::run_frame(ActiveFrame& f, const contracts::Contract& contract, std::string_view method,
                               const boost::json::value& params) {
  f.parent = m_current;
  m_current = &f;
  CallResult r;
  auto selected = contracts::select_method(contract, method, params, f.frame);
  if (auto* failure = std::get_if<core::Failure>(&selected)) {
    r = CallResult::fail(std::move(*failure));
  } else {
    const size_t index = std::get<size_t>(selected);
    const contracts::MethodAbi& m = contract.abi()[index];
    // A read-only method runs read-only even in a tx, so a contract cannot write behind its ABI.
    if (m.access == Access::kReadOnly) f.frame.access = Access::kReadOnly;
    HostStatus charged = charge(m.step_cost);
    r = charged ? contract.call(*this, index, params) : CallResult::fail(charged.failure());
  }
  // A failed operation fails the frame, whatever the contract made of it.
  if (f.failure) r = CallResult::fail(*f.failure);
  m_current = f.parent;
  return r;
}

const contracts::Frame& ExecHost::frame() const {
  CX_ASSERT_MSG(m_current != nullptr, "host used outside a contract call");
  return m_current->frame;
}

const std::optional<core::Failure>& ExecHost::frame_failure() const {
  CX_ASSERT_MSG(m_current != nullptr, "host used outside a contract call");
  return m_current->failure;
}

core::Failure ExecHost::fail_frame(core::Failure failure) {
  CX_ASSERT(m_current != nullptr && !m_current->failure);
  m_current->failure = failure;
  return failure;
}

HostStatus ExecHost::charge(uint64_t steps) {
  if (const auto& f = frame_failure()) return *f;
  const uint64_t ceiling = m_current->step_ceiling;
  CX_ASSERT(m_used <= ceiling);
  if (steps > ceiling - m_used) {
    // As in ICON, running out of step uses every step the frame was allowed.
    m_used = ceiling;
    return fail_frame({FailureCode::kOutOfStep, "out of step"});
  }
  m_used += steps;
  return contracts::host_ok();
}

HostStatus ExecHost::charge_steps(uint64_t steps) { return charge(steps); }

uint64_t ExecHost::steps_left() const {
  if (frame_failure()) return 0;
  return m_current->step_ceiling - m_used;
}

HostResult<std::optional<Bytes>> ExecHost::storage_get(BytesView key) {
  if (HostStatus s = charge(m_params.step_costs.get); !s) return s.failure();
  return m_journal.get(contract_storage_key(m_current->frame.contract, key));
}

HostStatus ExecHost::storage_set(BytesView key, std::optional<BytesView> value) {
  if (const auto& f = frame_failure()) return *f;
  if (m_current->frame.read_only())
    return fail_frame({FailureCode::kAccessDenied, "storage write in a read-only call"});
  if (HostStatus s = charge(m_params.step_costs.set); !s) return s;
  m_journal.set(contract_storage_key(m_current->frame.contract, key),
                value ? std::optional<Bytes>(Bytes(value->begin(), value->end())) : std::nullopt);
  return contracts::host_ok();
}

// Account state is state like any other: a read costs step_costs.get.
HostResult<Uint256> ExecHost::balance(const Address& account) {
  if (HostStatus s = charge(m_params.step_costs.get); !s) return s.failure();
  return read_account(m_journal, account).balance;
}

HostResult<Uint256> ExecHost::total_supply() {
  if (HostStatus s = charge(m_params.step_costs.get); !s) return s.failure();
  return read_total_supply(m_journal);
}

HostStatus ExecHost::emit(core::EventLog log) {
  if (const auto& f = frame_failure()) return *f;
  if (m_current->frame.read_only()) return fail_frame({FailureCode::kAccessDenied, "event log in a read-only call"});
  if (!log_fits(log) || logs_full())
    return fail_frame({FailureCode::kInvalidParameter,
                       "event log above the receipt's bounds (" + std::to_string(core::kLogItemsMax) + " items of " +
                           std::to_string(core::kLogItemBytesMax) + " bytes, " +
                           std::to_string(core::kReceiptLogsMax - 1) + " logs per tx)"});
  if (HostStatus s = charge(m_params.step_costs.event_log); !s) return s;
  log.score = m_current->frame.contract;
  m_logs.push_back(std::move(log));
  return contracts::host_ok();
}

// A balance read and a write each side, as ICON prices a transfer between accounts.
HostStatus ExecHost::transfer(const Address& to, const Uint256& value) {
  if (const auto& f = frame_failure()) return *f;
  const Address& from = m_current->frame.contract;
  if (m_current->frame.read_only()) return fail_frame({FailureCode::kAccessDenied, "transfer from a read-only call"});
  if (logs_full()) return fail_frame({FailureCode::kInvalidParameter, "too many event logs for one tx"});
  if (HostStatus s = charge(2 * (m_params.step_costs.get + m_params.step_costs.set)); !s) return s;
  if (value.is_zero()) return contracts::host_ok();
  const Uint256 have = read_account(m_journal, from).balance;
  if (have < value)
    return fail_frame({FailureCode::kOutOfBalance, "out of balance: " + from.to_string() + " has " + have.to_icon_hex() +
                                                       ", transfers " + value.to_icon_hex()});
  move_value(m_journal, from, have, to, value);
  m_logs.push_back(transfer_event(from, to, value));
  return contracts::host_ok();
}

std::optional<CallResult> ExecHost::refuse_call(const contracts::CallArgs& args, Access access) {
  const contracts::Frame& caller = m_current->frame;
  if (!args.value.is_zero()) {
    // Value leaving a read-only frame is a write the frame may not make: it fails the caller.
    if (caller.read_only()) return CallResult::fail(fail_frame({FailureCode::kAccessDenied, "value sent from a read-only call"}));
    if (access == Access::kReadOnly)
      return CallResult::fail(FailureCode::kInvalidParameter, "a read-only call cannot carry value");
    if (logs_full()) return CallResult::fail(FailureCode::kInvalidParameter, "too many event logs for one tx");
  }
  if (caller.depth >= contracts::kCallDepthMax)
    return CallResult::fail(FailureCode::kStackOverflow,
                            "call depth above " + std::to_string(contracts::kCallDepthMax));
  return std::nullopt;
}

CallResult ExecHost::call(const contracts::CallArgs& args) {
  if (HostStatus s = charge(m_params.step_costs.contract_call); !s) return CallResult::fail(s.failure());
  ActiveFrame& caller = *m_current;
  const Access access = caller.frame.read_only() ? Access::kReadOnly : args.access;
  if (auto refused = refuse_call(args, access)) return std::move(*refused);
  auto callee = m_registry.find(m_journal, args.contract);
  if (!callee) return CallResult::fail(FailureCode::kContractNotFound, "no contract at " + args.contract.to_string());

  const Undo undo{m_journal.checkpoint(), m_logs.size()};
  if (!args.value.is_zero()) {
    const Uint256 have = read_account(m_journal, caller.frame.contract).balance;
    if (have < args.value)
      return CallResult::fail(FailureCode::kOutOfBalance, "out of balance: " + caller.frame.contract.to_string() +
                                                              " has " + have.to_icon_hex() + ", sends " +
                                                              args.value.to_icon_hex());
    move_value(m_journal, caller.frame.contract, have, args.contract, args.value);
    m_logs.push_back(transfer_event(caller.frame.contract, args.contract, args.value));
  }
  const uint64_t room = caller.step_ceiling - m_used;
  ActiveFrame f{contracts::Frame{args.contract, caller.frame.contract, caller.frame.origin, args.value,
                                 caller.frame.depth + 1, access},
                m_used + std::min(room, args.step_limit), std::nullopt, nullptr};
  CallResult r = run_frame(f, *callee, args.method, args.params);
  if (!r.ok) {
    m_journal.rollback(undo.checkpoint);
    m_logs.resize(undo.log_count);
  }
  return r;
}

}  // namespace cx::execution
