// The in-memory chain of `complexchain contract test` (test_chain.hpp).
#include "cli/test_chain.hpp"

#include <boost/json.hpp>

#include "core/transaction.hpp"
#include "crypto/base64.hpp"
#include "execution/accounts.hpp"
#include "state/map_reader.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr int64_t kGenesisTimeUs = 1'700'000'000'000'000;
// Each account's coin: enough for any step limit the chain allows, many times over.
constexpr uint64_t kFundIcx = 1'000'000;

crypto::Address account(size_t n) {
  FixedBytes<20> id;
  id.bytes[0] = 0x7e;
  id.bytes[19] = static_cast<uint8_t>(n);
  return crypto::Address{false, id};
}

}  // namespace

TestChain::TestChain() {
  m_params.treasury = account(0xfe);
  const Uint256 coin = *Uint256(kFundIcx).checked_mul(*Uint256::from_dec("1000000000000000000"));
  for (size_t i = 1; i <= kTestAccounts; ++i) {
    m_accounts.push_back(account(i));
    m_params.accounts.push_back({account(i), coin});
  }
  m_params.genesis_timestamp_us = kGenesisTimeUs;
  m_base = std::make_unique<state::MapReader>(execution::genesis_changes(m_params));
  m_journal = std::make_unique<execution::Journal>(*m_base);
  m_ctx = execution::BlockContext{&m_params, 1, kGenesisTimeUs + 1'000'000, nullptr};
}

void TestChain::next_block(uint64_t blocks, int64_t us_per_block) {
  m_ctx.height += blocks;
  m_ctx.timestamp_us += static_cast<int64_t>(blocks) * us_per_block;
}

TestChain::Sent TestChain::send(const Tx& t) {
  json::object p;
  p["version"] = "0x3";
  p["from"] = t.from.to_string();
  p["to"] = t.to.to_string();
  p["value"] = t.value.to_icon_hex();
  p["stepLimit"] = Uint256(t.step_limit ? t.step_limit : m_params.step_limit_max).to_icon_hex();
  p["timestamp"] = Uint256(static_cast<uint64_t>(m_ctx.timestamp_us)).to_icon_hex();
  p["nid"] = Uint256(m_params.nid).to_icon_hex();
  p["nonce"] = Uint256(++m_nonce).to_icon_hex();
  if (!t.data_type.empty()) p["dataType"] = t.data_type;
  if (!t.data.is_null()) p["data"] = t.data;
  // apply_tx checks no signature (admission does): a fixed one stands in for the key.
  p["signature"] = crypto::base64_encode(Bytes(65, 0x07));
  auto parsed = core::parse_transaction(p);
  auto* tx = std::get_if<core::Transaction>(&parsed);
  if (!tx) return Sent{std::nullopt, std::get<core::TxRejection>(parsed).detail};
  if (auto rejected = execution::validate_tx(*m_journal, m_params, m_ctx.timestamp_us, *tx, execution::registry_of(m_ctx)))
    return Sent{std::nullopt, rejected->detail};
  Sent out{execution::apply_tx(*m_journal, m_ctx, *tx, 0, m_cumulative), ""};
  m_journal->commit();
  return out;
}

contracts::CallResult TestChain::query(const crypto::Address& from, const crypto::Address& to, const std::string& method,
                                       json::value params) {
  contracts::CallRequest req;
  req.caller = from;
  req.contract = to;
  req.method = method;
  req.params = std::move(params);
  return execution::query(*m_journal, m_ctx, req);
}

Uint256 TestChain::balance(const crypto::Address& a) const { return execution::read_account(*m_journal, a).balance; }

}  // namespace cx::cli
