#include "execution/execute.hpp"

#include "contracts/native.hpp"
#include "execution/accounts.hpp"

namespace cx::execution {

using contracts::CallResult;
using contracts::FailureCode;
using core::Receipt;
using core::TxReject;
using core::TxRejection;

namespace {

// Host over the block's journal with a step budget.
class ExecHost final : public contracts::Host {
 public:
  ExecHost(Journal& journal, const BlockContext& ctx, uint64_t step_budget, bool read_only)
      : m_journal(journal), m_params(*ctx.params), m_block{ctx.height, ctx.timestamp_us},
        m_budget(step_budget), m_read_only(read_only) {}

  const core::ChainParams& params() const override { return m_params; }
  const contracts::BlockInfo& block() const override { return m_block; }
  std::optional<Bytes> storage_get(const Address& contract, BytesView key) override {
    return m_journal.get(contract_storage_key(contract, key));
  }
  void storage_set(const Address& contract, BytesView key, std::optional<BytesView> value) override {
    CX_ASSERT_MSG(!m_read_only, "storage write in a read-only call");
    m_journal.set(contract_storage_key(contract, key),
                  value ? std::optional<Bytes>(Bytes(value->begin(), value->end())) : std::nullopt);
  }
  Uint256 balance(const Address& account) override { return read_account(m_journal, account).balance; }
  Uint256 total_supply() override { return read_total_supply(m_journal); }
  bool charge_steps(uint64_t steps) override {
    if (steps > m_budget - m_used) return false;
    m_used += steps;
    return true;
  }
  void emit(core::EventLog log) override { m_logs.push_back(std::move(log)); }

  uint64_t used() const { return m_used; }
  std::vector<core::EventLog>& logs() { return m_logs; }

 private:
  Journal& m_journal;
  const core::ChainParams& m_params;
  contracts::BlockInfo m_block;
  uint64_t m_budget;
  uint64_t m_used = 0;
  bool m_read_only;
  std::vector<core::EventLog> m_logs;
};

void put_balance(Journal& j, const Address& a, const Uint256& balance) {
  j.set(account_key(a), Account{balance}.encode());
}

core::EventLog transfer_event(const Address& from, const Address& to, const Uint256& value) {
  core::EventLog log;
  log.score = contracts::chain_contract_address();
  // Appended one by one: an initializer list would copy every string.
  log.indexed.reserve(4);
  log.indexed.emplace_back(core::kIcxTransferSignature);
  log.indexed.push_back(from.to_string());
  log.indexed.push_back(to.to_string());
  log.indexed.push_back(value.to_icon_hex());
  return log;
}

// Moves `value` from `from` to `to`. The caller has just read `from`'s balance as `from_balance` and
// checked that it covers `value`, so `from` is not read twice. A zero value writes nothing.
void pay(Journal& j, const Address& from, const Uint256& from_balance, const Address& to, const Uint256& value) {
  if (value.is_zero()) return;
  auto left = from_balance.checked_sub(value);
  CX_ASSERT(left.has_value());
  put_balance(j, from, *left);
  // Read after the debit, so that a payment to oneself leaves the balance unchanged.
  Account dst = read_account(j, to);
  auto sum = dst.balance.checked_add(value);
  // Balances are bounded by the total supply, which fits in 256 bits.
  CX_ASSERT(sum.has_value());
  put_balance(j, to, *sum);
}

}  // namespace

Uint256 intrinsic_steps(const core::ChainParams& params, const core::Transaction& tx) {
  Uint256 steps(params.step_costs.default_cost);
  auto input = Uint256(params.step_costs.input_per_byte).checked_mul(Uint256(tx.data_bytes));
  CX_ASSERT(input.has_value());  // both factors are below 2^64
  steps = *steps.checked_add(*input);
  if (tx.data_type == core::DataType::kCall) steps = *steps.checked_add(Uint256(params.step_costs.contract_call));
  return steps;
}

std::optional<TxRejection> validate_tx(const state::StateReader& view, const core::ChainParams& params,
                                       int64_t now_us, const core::Transaction& tx) {
  if (tx.nid != params.nid)
    return TxRejection{TxReject::kWrongNid, "nid " + Uint256(tx.nid).to_icon_hex() + " is not this channel's nid " +
                                                Uint256(params.nid).to_icon_hex()};
  int64_t diff = tx.timestamp_us - now_us;
  if (diff > params.tx_timestamp_window_us || -diff > params.tx_timestamp_window_us)
    return TxRejection{TxReject::kTimestampOutOfRange,
                       "timestamp " + std::to_string(tx.timestamp_us) + " µs is " + std::to_string(diff / 1000000) +
                           " s from the node's time; allowed window is ±" +
                           std::to_string(params.tx_timestamp_window_us / 1000000) + " s"};
  if (tx.data_type == core::DataType::kDeploy)
    return TxRejection{TxReject::kUnsupportedDataType, "deploy is not supported yet (ACORE contracts are not enabled on this node)"};
  if (tx.data_type == core::DataType::kDeposit)
    return TxRejection{TxReject::kUnsupportedDataType, "deposit is not supported"};
  if (tx.step_limit > Uint256(params.step_limit_max))
    return TxRejection{TxReject::kStepLimitTooHigh, "stepLimit " + tx.step_limit.to_icon_hex() + " is above the maximum " +
                                                         Uint256(params.step_limit_max).to_icon_hex()};
  Uint256 need_steps = intrinsic_steps(params, tx);
  if (tx.step_limit < need_steps)
    return TxRejection{TxReject::kStepLimitTooLow, "stepLimit " + tx.step_limit.to_icon_hex() + " is below the " +
                                                        need_steps.to_icon_hex() + " steps this tx needs"};
  if (tx.data_type == core::DataType::kCall && !contracts::find_native(tx.to))
    return TxRejection{TxReject::kBadData, "no contract at " + tx.to.to_string()};
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

  Uint256 steps = intrinsic_steps(params, tx);
  std::optional<core::Failure> failure;
  std::vector<core::EventLog> logs;
  size_t cp = journal.checkpoint();

  if (tx.step_limit < steps) {
    steps = tx.step_limit;
    failure = core::Failure{static_cast<uint32_t>(FailureCode::kOutOfStep), "out of step: needs " +
                                                                                 intrinsic_steps(params, tx).to_icon_hex()};
  } else if (tx.data_type == core::DataType::kDeploy || tx.data_type == core::DataType::kDeposit) {
    failure = core::Failure{static_cast<uint32_t>(FailureCode::kIllegalFormat),
                            std::string(core::to_string(tx.data_type)) + " is not supported"};
  } else {
    auto fee = steps.checked_mul(params.step_price);
    auto need = fee ? fee->checked_add(tx.value) : std::nullopt;
    const Uint256 balance = read_account(journal, tx.from).balance;
    if (!need || balance < *need) {
      failure = core::Failure{static_cast<uint32_t>(FailureCode::kOutOfBalance), "out of balance"};
    } else {
      pay(journal, tx.from, balance, tx.to, tx.value);
      if (tx.data_type == core::DataType::kCall) {
        const auto& d = tx.data.get_object();
        contracts::CallRequest req;
        req.caller = tx.from;
        req.contract = tx.to;
        req.value = tx.value;
        req.method = std::string(d.at("method").get_string());
        if (auto it = d.find("params"); it != d.end()) req.params = it->value();
        uint64_t budget =
            (tx.step_limit.checked_sub(steps))->fits_u64() ? tx.step_limit.checked_sub(steps)->low_u64() : ~0ull;
        ExecHost host(journal, ctx, budget, /*read_only=*/false);
        CallResult r = contracts::call_native(host, req);
        steps = *steps.checked_add(Uint256(host.used()));
        if (r.ok) {
          logs = std::move(host.logs());
        } else {
          failure = core::Failure{static_cast<uint32_t>(r.code), r.message};
        }
      } else if (tx.to.is_contract && !contracts::find_native(tx.to)) {
        failure = core::Failure{static_cast<uint32_t>(FailureCode::kContractNotFound),
                                "no contract at " + tx.to.to_string()};
      }
      if (!failure && !tx.value.is_zero()) logs.insert(logs.begin(), transfer_event(tx.from, tx.to, tx.value));
    }
  }

  if (failure) {
    journal.rollback(cp);
    logs.clear();
  }
  // The fee is paid whatever happened; a sender that cannot cover it pays what it has.
  Uint256 fee = steps.checked_mul(params.step_price).value_or(Uint256::max());
  const Uint256 balance = read_account(journal, tx.from).balance;
  if (balance < fee) fee = balance;
  pay(journal, tx.from, balance, params.treasury, fee);

  rc.success = !failure.has_value();
  rc.failure = std::move(failure);
  rc.step_used = steps;
  cumulative_steps = *cumulative_steps.checked_add(steps);
  rc.cumulative_step_used = cumulative_steps;
  rc.logs = std::move(logs);
  for (const auto& l : rc.logs) core::bloom_add_log(rc.logs_bloom, l);
  return rc;
}

BlockOutput apply_block(const state::StateReader& base, const BlockContext& ctx, const std::vector<core::TxPtr>& txs) {
  Journal journal(base);
  BlockOutput out;
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

contracts::CallResult query(const state::StateReader& view, const BlockContext& ctx, const contracts::CallRequest& req) {
  Journal journal(view);
  ExecHost host(journal, ctx, ctx.params->step_limit_max, /*read_only=*/true);
  contracts::CallRequest r = req;
  r.read_only = true;
  auto* c = contracts::find_native(r.contract);
  if (c) {
    auto* m = contracts::find_method(*c, r.method);
    if (m && !m->read_only)
      return CallResult::fail(FailureCode::kAccessDenied, "method " + r.method + " writes state; send a transaction instead");
  }
  return contracts::call_native(host, r);
}

}  // namespace cx::execution
