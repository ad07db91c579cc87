#pragma once
// A read-only channel for fuzz targets of the RPC layer: a fixed two-block chain (genesis and one
// block with two signed transfers, whose receipts carry event logs), answers to every read, and a
// submit that parses the tx as the channel would but admits nothing, so no input changes what the
// next input sees.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "channel/api.hpp"
#include "core/receipt.hpp"
#include "core/test_tx.hpp"

namespace cx::fuzz {

class FakeChannel final : public channel::ChannelApi {
 public:
  FakeChannel() {
    m_params.channel = "fuzz";
    m_params.nid = 3;
    m_params.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
    const auto key = core::testing::test_key(1);
    m_params.validators = {core::testing::address_of(key)};

    auto genesis = std::make_shared<core::Block>();
    genesis->header.timestamp_us = 1'700'000'000'000'000;
    genesis->header.validators_hash = core::validators_hash(m_params.validators);
    m_blocks.push_back(genesis);
    m_receipts.push_back(std::make_shared<const std::vector<core::Receipt>>());

    auto block = std::make_shared<core::Block>();
    for (uint64_t nonce = 1; nonce <= 2; ++nonce) {
      core::testing::TxSpec spec;
      spec.to = *core::Address::parse("hx2000000000000000000000000000000000000002");
      spec.nonce = nonce;
      block->txs.push_back(core::testing::signed_tx(key, spec));
    }
    auto& h = block->header;
    h.height = 1;
    h.round = 1;
    h.prev_hash = genesis->hash();
    h.timestamp_us = genesis->header.timestamp_us + 1000;
    h.proposer = m_params.validators[0];
    h.tx_root = core::tx_root(block->txs);
    h.validators_hash = genesis->header.validators_hash;
    h.prev_qc_hash = block->prev_qc.hash();
    block->proposer_signature = crypto::sign(h.hash(), key);
    m_blocks.push_back(block);

    auto receipts = std::make_shared<std::vector<core::Receipt>>();
    for (uint32_t i = 0; i < block->txs.size(); ++i) {
      const auto& tx = *block->txs[i];
      core::Receipt r;
      r.tx_hash = tx.hash;
      r.tx_index = i;
      r.success = i == 0;
      if (!r.success) r.failure = core::Failure{core::user_failure(5), "Reverted(5): not allowed"};
      r.to = tx.to;
      r.step_used = Uint256(100000);
      r.step_price = m_params.step_price;
      r.cumulative_step_used = Uint256(100000 * (i + 1));
      core::EventLog transfer{*core::Address::parse("cx0000000000000000000000000000000000000000"),
                              {std::string(core::kIcxTransferSignature), tx.from.to_string(), tx.to.to_string()},
                              {tx.value.to_icon_hex()}};
      core::EventLog custom{*core::Address::parse("cx0000000000000000000000000000000000000001"),
                            {"Deal(str,int)", "alpha"}, {"0x10", "note"}};
      r.logs = {transfer, custom};
      for (const auto& log : r.logs) core::bloom_add_log(r.logs_bloom, log);
      receipts->push_back(std::move(r));

      channel::TxLookup l;
      l.status = channel::TxStatus::kCommitted;
      l.tx = block->txs[i];
      l.height = 1;
      l.block_hash = block->hash();
      l.index = i;
      l.receipt = receipts->back();
      m_lookups[tx.hash] = l;
    }
    m_receipts.push_back(receipts);
  }

  const std::shared_ptr<core::Block>& block(uint64_t height) const { return m_blocks.at(height); }
  const std::vector<core::Receipt>& receipts(uint64_t height) const { return *m_receipts.at(height); }

  const core::ChainParams& params() const override { return m_params; }
  channel::NetworkInfo network_info() const override {
    channel::NetworkInfo info;
    info.channel = m_params.channel;
    info.nid = m_params.nid;
    info.latest = last_height();
    info.step_price = m_params.step_price;
    return info;
  }
  channel::SubmitResult submit_tx(const boost::json::object& params) override {
    channel::SubmitResult r;
    auto parsed = core::parse_transaction(params);
    if (auto* rej = std::get_if<core::TxRejection>(&parsed)) {
      r.rejection = *rej;
      return r;
    }
    const auto& tx = std::get<core::Transaction>(parsed);
    r.hash = tx.hash;
    if (m_lookups.count(tx.hash)) r.rejection = core::TxRejection{core::TxReject::kDuplicate, "already on the chain"};
    return r;  // admitted, but not kept: inputs stay independent
  }
  uint64_t last_height() const override { return m_blocks.size() - 1; }
  std::shared_ptr<const core::Block> block_by_height(uint64_t height) const override {
    return height < m_blocks.size() ? m_blocks[height] : nullptr;
  }
  std::shared_ptr<const core::Block> block_by_hash(const Hash32& hash) const override {
    for (const auto& b : m_blocks)
      if (b->hash() == hash) return b;
    return nullptr;
  }
  std::shared_ptr<const std::vector<core::Receipt>> receipts_of(uint64_t height) const override {
    return height < m_receipts.size() ? m_receipts[height] : nullptr;
  }
  Result<Uint256> balance(const core::Address& account, std::optional<uint64_t> height) const override {
    if (height && *height > last_height()) return Result<Uint256>::error("no state at that height");
    return Uint256(account.is_contract ? 0 : 1000);
  }
  Result<Uint256> total_supply(std::optional<uint64_t>) const override { return Uint256(1000000); }
  // The block's txs by their hashes; and, so that a fuzzer reaches every answer without guessing a
  // hash, any hash starting ab is the block's tx (second byte picks which), cd a pooled tx and ce
  // one in a block that is not final.
  channel::TxLookup lookup_tx(const Hash32& hash) const override {
    auto it = m_lookups.find(hash);
    if (it != m_lookups.end()) return it->second;
    channel::TxLookup l;
    switch (hash.bytes[0]) {
      case 0xab: return lookup_tx(m_blocks[1]->txs[hash.bytes[1] % m_blocks[1]->txs.size()]->hash);
      case 0xcd: l.status = channel::TxStatus::kPending; l.tx = m_blocks[1]->txs[0]; break;
      case 0xce: l.status = channel::TxStatus::kExecuting; l.tx = m_blocks[1]->txs[0]; l.height = 2; break;
      default: break;
    }
    return l;
  }
  // A committed tx is reported at once; any other is never committed (the wait times out).
  channel::SubscriptionId watch_tx(const Hash32& hash, std::function<void(const channel::TxLookup&)> fn) override {
    auto l = lookup_tx(hash);
    if (l.status == channel::TxStatus::kCommitted) fn(l);
    return ++m_next_id;
  }
  void unwatch_tx(channel::SubscriptionId) override {}
  channel::SubscriptionId subscribe_blocks(std::function<void(const channel::BlockEvent&)>) override { return ++m_next_id; }
  void unsubscribe_blocks(channel::SubscriptionId) override {}
  Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t>) const override {
    if (req.method == "balanceOf") return contracts::CallResult::success(boost::json::value("0x64"));
    if (req.method == "nested") return contracts::CallResult::success(boost::json::parse(R"({"a":["0x1",{"b":null}],"c":"x"})"));
    if (req.method == "broken") return Result<contracts::CallResult>::error("the executor is gone");
    return contracts::CallResult::fail(core::FailureCode::kMethodNotFound, "method not found: " + req.method);
  }
  Result<Uint256> estimate_step(const boost::json::object& tx) const override {
    auto parsed = core::parse_transaction(tx);
    if (auto* rej = std::get_if<core::TxRejection>(&parsed)) return Result<Uint256>::error(rej->detail);
    return Uint256(100000);
  }

 private:
  core::ChainParams m_params;
  std::vector<std::shared_ptr<core::Block>> m_blocks;
  std::vector<std::shared_ptr<const std::vector<core::Receipt>>> m_receipts;
  std::map<Hash32, channel::TxLookup> m_lookups;
  channel::SubscriptionId m_next_id = 0;
};

}  // namespace cx::fuzz
