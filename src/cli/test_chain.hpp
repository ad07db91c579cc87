#pragma once
// The private chain of `complexchain contract test` (cmd_contract_testing.cpp): genesis state in memory
// with funded accounts, execution's journal, and txs applied by execution::apply_tx with the default
// registry, so deploys, calls, step charging, receipts and event logs take the node's own path with the
// ACORE runtime in this process. Block height and time are set by the test, not by a clock.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "core/receipt.hpp"
#include "execution/execute.hpp"
#include "execution/journal.hpp"

namespace cx::cli {

inline constexpr size_t kTestAccounts = 10;

class TestChain {
 public:
  TestChain();
  TestChain(const TestChain&) = delete;
  TestChain& operator=(const TestChain&) = delete;

  const std::vector<crypto::Address>& accounts() const { return m_accounts; }
  const execution::BlockContext& block() const { return m_ctx; }
  void next_block(uint64_t blocks, int64_t us_per_block);
  void set_time_us(int64_t t) { m_ctx.timestamp_us = t; }

  struct Tx {
    crypto::Address from;
    crypto::Address to;
    Uint256 value;
    uint64_t step_limit = 0;          // 0: the chain's maximum
    std::string data_type;            // "", "call" or "deploy"
    boost::json::value data;          // null: none
  };
  // A tx admission refuses (as a node's mempool would: nid, step limit, balance, the deploy's code)
  // has no receipt, only the reason.
  struct Sent {
    std::optional<core::Receipt> receipt;
    std::string rejected;
  };
  Sent send(const Tx& tx);
  contracts::CallResult query(const crypto::Address& from, const crypto::Address& to, const std::string& method,
                              boost::json::value params);
  Uint256 balance(const crypto::Address& a) const;

 private:
  core::ChainParams m_params;
  std::unique_ptr<state::StateReader> m_base;
  std::unique_ptr<execution::Journal> m_journal;
  execution::BlockContext m_ctx;
  std::vector<crypto::Address> m_accounts;
  uint64_t m_nonce = 0;
  Uint256 m_cumulative;
};

}  // namespace cx::cli
