// The chain reader: reads at the latest height come from one published snapshot (block, result and
// QC together), reads at a past height from that height's block and stored result, and a tx is found
// in the pool, in flight or in the store.
#include "channel/chain_reads.hpp"

#include <gtest/gtest.h>

#include "channel/commit_writer.hpp"
#include "channel/executor.hpp"
#include "contracts/native.hpp"
#include "core/test_tx.hpp"

namespace cx::channel {
namespace {

using core::testing::address_of;
using core::testing::icx;
using core::testing::test_key;

constexpr int64_t kGenesisUs = 1'700'000'000'000'000;

class FixedClock final : public Clock {
 public:
  int64_t now_us() const override { return kGenesisUs + 5'000'000; }
  int64_t monotonic_us() const override { return 0; }
};

struct NoChecks final : mempool::AdmissionChecks {
  bool is_known_on_chain(const Hash32&) const override { return false; }
  std::optional<core::TxRejection> check(const core::Transaction&) const override { return std::nullopt; }
};

class ChainReadsTest : public ::testing::Test {
 protected:
  ChainReadsTest() {
    params.channel = "reads";
    params.genesis_timestamp_us = kGenesisUs;
    params.validators = {address_of(test_key(50))};
    params.treasury = address_of(test_key(200));
    params.accounts = {{address_of(test_key(1)), icx(100)}};
    auto h = open_chain(params, "(memory)", *kv, chain, *state, records);
    EXPECT_TRUE(h);
    head = h.value();
    mempool::MempoolOptions mo;
    mo.verify_threads = 0;
    pool = mempool::make_mempool(mo, no_checks);
    reads.attach(*pool, head, std::make_shared<ChainView>(ChainView{head.block, head.result, head.qc, {}}));
  }

  // Executes and commits a block of `txs` on the head, as the commit pipeline would, and publishes it.
  ExecutedPtr commit(std::vector<core::TxPtr> txs) {
    auto b = std::make_shared<core::Block>();
    b->header.height = head.block->header.height + 1;
    b->header.prev_hash = head.block->hash();
    b->header.timestamp_us = head.block->header.timestamp_us + 1'000'000;
    b->txs = std::move(txs);
    auto run = executor.execute(*b, head.result.state_root);
    auto e = std::make_shared<ExecutedBlock>(ExecutedBlock{b, {}, run.result, run.receipts, std::make_shared<TxIndex>()});
    EXPECT_TRUE(writer.write(CommitJob{e, {}, {}}));
    head = DurableHead{b, run.result, {}};
    reads.publish_durable(head);
    return e;
  }

  core::TxPtr transfer(uint64_t nonce, uint64_t value) {
    core::testing::TxSpec s;
    s.to = address_of(test_key(2));
    s.value = Uint256(value);
    s.nonce = nonce;
    s.timestamp_us = kGenesisUs + 1'000'000;
    return core::testing::signed_tx(test_key(1), s);
  }

  core::ChainParams params;
  std::unique_ptr<storage::KvStore> kv = storage::make_memory_store(ledger_schema());
  std::unique_ptr<storage::KvStore> records_kv = storage::make_memory_store(records_schema());
  ChainStore chain{*kv};
  RecordsStore records{*records_kv};
  std::unique_ptr<state::WorldState> state = state::make_world_state(*kv);
  BlockExecutor executor{params, *state};
  CommitWriter writer{*kv, chain, *state, records};
  FixedClock clock;
  NoChecks no_checks;
  ChainReads reads{params, chain, *state, clock, {}};
  std::unique_ptr<mempool::Mempool> pool;
  DurableHead head;
};

TEST_F(ChainReadsTest, LatestAndPastReadsEachTakeOneHeightsBlockAndState) {
  const auto bob = address_of(test_key(2));
  commit({transfer(1, 5)});
  commit({transfer(2, 7)});
  EXPECT_EQ(reads.last_height(), 2u);
  EXPECT_EQ(*reads.balance(bob, std::nullopt), Uint256(12));
  EXPECT_EQ(*reads.balance(bob, 1), Uint256(5));
  EXPECT_EQ(*reads.balance(bob, 0), Uint256(0));
  EXPECT_FALSE(reads.balance(bob, 3));  // not committed yet: an error naming the latest height
  EXPECT_NE(reads.balance(bob, 3).message().find("latest is 2"), std::string::npos);

  // icx_call reads the chain contract's total supply with the block context of the height asked.
  contracts::CallRequest req;
  req.contract = contracts::chain_contract_address();
  req.method = "getTotalSupply";
  auto latest = reads.call(req, std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_TRUE(latest->ok) << latest->message;
  EXPECT_EQ(*reads.total_supply(std::nullopt), icx(100));
  EXPECT_EQ(reads.head()->block->header.height, 2u);
  EXPECT_EQ(reads.head()->result.state_root, head.result.state_root);
}

TEST_F(ChainReadsTest, ATxIsFoundInThePoolInFlightAndInTheStore) {
  auto t = transfer(3, 1);
  EXPECT_EQ(reads.lookup_tx(t->hash).status, TxStatus::kUnknown);
  ASSERT_FALSE(pool->admit({t})[0]);
  EXPECT_EQ(reads.lookup_tx(t->hash).status, TxStatus::kPending);
  // Taken for a proposal: still found (the pool keeps it until a block includes it).
  EXPECT_EQ(pool->take(10, 1u << 20).size(), 1u);
  EXPECT_EQ(reads.lookup_tx(t->hash).status, TxStatus::kPending);
  // In a certified block: the view holds it before the pool forgets it.
  auto b = std::make_shared<core::Block>();
  b->header.height = 1;
  b->txs = {t};
  auto idx = std::make_shared<TxIndex>();
  idx->emplace(t->hash, 0);
  auto e = std::make_shared<ExecutedBlock>(ExecutedBlock{b, {}, {}, nullptr, idx});
  reads.publish_view(std::make_shared<ChainView>(ChainView{head.block, head.result, head.qc, {e}}));
  pool->remove({t->hash});
  auto l = reads.lookup_tx(t->hash);
  EXPECT_EQ(l.status, TxStatus::kExecuting);
  EXPECT_EQ(l.height, 1u);
  // Durable: committed, with its receipt, even while the core's view still lists it.
  commit({t});
  l = reads.lookup_tx(t->hash);
  EXPECT_EQ(l.status, TxStatus::kCommitted);
  ASSERT_TRUE(l.receipt);
  EXPECT_TRUE(l.receipt->success);
}

// The chain's tx count (what complexchain_consensus_total_txs starts from at open) is written with
// each block; a directory from before the entry has its tx index counted, and the next block writes it.
TEST_F(ChainReadsTest, TheChainStoreCountsTheTxsOfTheCommittedChain) {
  EXPECT_EQ(chain.txs_total(), 0u);
  commit({transfer(1, 1), transfer(2, 1)});
  commit({});
  commit({transfer(3, 1)});
  EXPECT_EQ(chain.txs_total(), 3u);
  const Bytes key = {'t', 'x', 's'};
  storage::WriteBatch forget;  // as a directory written before the entry existed
  forget.del(kMetaColumn, key);
  ASSERT_TRUE(kv->write(forget, storage::Durability::kSync));
  EXPECT_FALSE(kv->get(kMetaColumn, key).value());
  EXPECT_EQ(chain.txs_total(), 3u);
  commit({transfer(4, 1)});
  EXPECT_EQ(chain.txs_total(), 4u);
  EXPECT_TRUE(kv->get(kMetaColumn, key).value());
}

}  // namespace
}  // namespace cx::channel
