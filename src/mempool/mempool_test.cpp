#include "mempool/mempool.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/test_tx.hpp"

using namespace cx;
using namespace cx::core::testing;
using cx::core::TxReject;

namespace {
struct Checks : mempool::AdmissionChecks {
  std::set<Hash32> on_chain;
  bool is_known_on_chain(const Hash32& h) const override { return on_chain.count(h) > 0; }
  std::optional<core::TxRejection> check(const core::Transaction& tx) const override {
    if (tx.nid != 3) return core::TxRejection{TxReject::kWrongNid, "nid"};
    return std::nullopt;
  }
};

core::TxPtr tx_from(uint8_t key, uint64_t nonce) {
  TxSpec s;
  s.to = address_of(test_key(200));
  s.nonce = nonce;
  return signed_tx(test_key(key), s);
}
}  // namespace

TEST(Mempool, AdmitsVerifiedAndRejectsDuplicatesAndBadSignatures) {
  Checks checks;
  auto pool = mempool::make_mempool({}, checks);
  auto a = tx_from(1, 1);
  auto r = pool->admit({a});
  ASSERT_FALSE(r[0]) << r[0]->detail;
  EXPECT_TRUE(pool->contains(a->hash));
  EXPECT_TRUE(pool->is_verified(*a));
  EXPECT_EQ(pool->admit({a})[0]->reason, TxReject::kDuplicate);

  // Same params signed by another key: signer mismatch.
  auto params = signed_params(test_key(2), TxSpec{address_of(test_key(3))});
  params["from"] = address_of(test_key(4)).to_string();
  auto forged = std::make_shared<const core::Transaction>(std::get<core::Transaction>(core::parse_transaction(params)));
  EXPECT_EQ(pool->admit({forged})[0]->reason, TxReject::kSignerMismatch);

  auto c = tx_from(5, 1);
  checks.on_chain.insert(c->hash);
  EXPECT_EQ(pool->admit({c})[0]->reason, TxReject::kDuplicate);
  EXPECT_EQ(pool->size(), 1u);
}

// A tx hash does not cover the signature: a block may carry a known tx with other signature bytes,
// and those must be checked, not taken from the cache of the original.
TEST(Mempool, KnownTxWithOtherSignatureBytesIsCheckedAgain) {
  Checks checks;
  auto pool = mempool::make_mempool({}, checks);
  auto a = tx_from(1, 1);
  ASSERT_FALSE(pool->admit({a})[0]);
  auto garbled = std::make_shared<core::Transaction>(*a);
  garbled->signature.bytes[10] ^= 0x40;
  EXPECT_FALSE(pool->is_verified(*garbled));
  auto v = pool->verify({a, garbled});
  EXPECT_FALSE(v[0]);
  ASSERT_TRUE(v[1]);
  EXPECT_TRUE(v[1]->reason == TxReject::kSignerMismatch || v[1]->reason == TxReject::kBadSignature) << v[1]->detail;

  // The sender's key is cached now; a second tx of theirs with a wrong recovery id still verifies
  // (the rule ignores it), and a wrong signature is still refused.
  auto b = std::make_shared<core::Transaction>(*tx_from(1, 2));
  b->signature.bytes[64] ^= 1;
  auto c = std::make_shared<core::Transaction>(*tx_from(1, 3));
  c->signature.bytes[5] ^= 1;
  v = pool->verify({b, c});
  EXPECT_FALSE(v[0]) << v[0]->detail;
  ASSERT_TRUE(v[1]);
}

TEST(Mempool, BoundsGivePoolFull) {
  Checks checks;
  mempool::MempoolOptions o;
  o.count_max = 5;
  o.per_sender_max = 3;
  auto pool = mempool::make_mempool(o, checks);
  std::vector<core::TxPtr> txs;
  for (int i = 0; i < 4; ++i) txs.push_back(tx_from(1, i));
  auto r = pool->admit(txs);
  EXPECT_FALSE(r[0] || r[1] || r[2]);
  ASSERT_TRUE(r[3]);
  EXPECT_EQ(r[3]->reason, TxReject::kPoolFull);
  EXPECT_NE(r[3]->detail.find("sender"), std::string::npos);
  r = pool->admit({tx_from(2, 0), tx_from(2, 1), tx_from(2, 2)});
  EXPECT_FALSE(r[0] || r[1]);
  EXPECT_EQ(r[2]->reason, TxReject::kPoolFull);
  EXPECT_EQ(pool->size(), 5u);
}

TEST(Mempool, TakeIsRoundRobinAcrossSendersAndFifoWithin) {
  Checks checks;
  auto pool = mempool::make_mempool({}, checks);
  std::vector<core::TxPtr> busy, quiet;
  for (int i = 0; i < 10; ++i) busy.push_back(tx_from(1, i));
  quiet.push_back(tx_from(2, 0));
  quiet.push_back(tx_from(3, 0));
  pool->admit(busy);
  pool->admit(quiet);
  auto taken = pool->take(4, 1 << 20);
  ASSERT_EQ(taken.size(), 4u);
  // The two quiet senders get in within the first round despite arriving after ten busy txs.
  EXPECT_EQ(taken[0]->hash, busy[0]->hash);
  std::set<Hash32> first;
  for (auto& t : taken) first.insert(t->hash);
  EXPECT_TRUE(first.count(quiet[0]->hash));
  EXPECT_TRUE(first.count(quiet[1]->hash));
  EXPECT_EQ(taken[3]->hash, busy[1]->hash);
  EXPECT_EQ(pool->size(), 8u);

  pool->restore(taken);
  EXPECT_EQ(pool->size(), 12u);
  pool->remove({busy[0]->hash, quiet[0]->hash});
  auto all = pool->take(100, 1 << 20);
  EXPECT_EQ(all.size(), 10u);
  std::vector<Hash32> busy_order;
  for (auto& t : all)
    if (t->from == busy[0]->from) busy_order.push_back(t->hash);
  ASSERT_EQ(busy_order.size(), 9u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(busy_order[i], busy[i + 1]->hash);
  EXPECT_EQ(pool->size(), 0u);
  EXPECT_EQ(pool->bytes(), 0u);
}

// A block includes a tx while its admission is between the chain check and the insert (gossip is
// admitted on its own thread): the pool must not keep it, or its node would propose it again and
// every peer would refuse that block (seen with 4 validators under load before the fix).
TEST(Mempool, TxIncludedByABlockDuringItsAdmissionStaysOut) {
  struct RacingChecks : mempool::AdmissionChecks {
    mempool::Mempool* pool = nullptr;
    Hash32 included;
    bool is_known_on_chain(const Hash32& h) const override {
      // The chain check passes; right after it, the block that includes the tx executes.
      if (h == included) pool->remove({h});
      return false;
    }
    std::optional<core::TxRejection> check(const core::Transaction&) const override { return std::nullopt; }
  };
  RacingChecks checks;
  auto pool = mempool::make_mempool({}, checks);
  checks.pool = pool.get();
  auto a = tx_from(1, 1), b = tx_from(2, 1);
  checks.included = a->hash;
  auto r = pool->admit({a, b});
  ASSERT_TRUE(r[0]);
  EXPECT_EQ(r[0]->reason, TxReject::kDuplicate);
  EXPECT_FALSE(r[1]);
  EXPECT_FALSE(pool->contains(a->hash));
  EXPECT_TRUE(pool->contains(b->hash));
  // Its block abandoned (a branch the network left), the tx goes back and may be taken again.
  pool->restore({a});
  EXPECT_TRUE(pool->contains(a->hash));
}

// remove() leaves an emptied sender's turn in the ring (instead of scanning the ring per tx): that
// turn must lapse without a tx, a sender refilled meanwhile must still get exactly one turn per round,
// and the per-sender bound must count only what is queued.
TEST(Mempool, EmptiedSendersLoseTheirTurnAndRefilledOnesGetOne) {
  Checks checks;
  mempool::MempoolOptions o;
  o.per_sender_max = 2;
  auto pool = mempool::make_mempool(o, checks);
  auto a0 = tx_from(1, 0), a1 = tx_from(1, 1), b0 = tx_from(2, 0), c0 = tx_from(3, 0), c1 = tx_from(3, 1);
  ASSERT_FALSE(pool->admit({a0, b0, c0})[0]);
  pool->remove({a0->hash, b0->hash});  // a and b are empty now, their turns still queued
  ASSERT_FALSE(pool->admit({a1})[0]);  // a refilled: one turn, not two
  ASSERT_FALSE(pool->admit({c1})[0]);
  EXPECT_EQ(pool->admit({tx_from(3, 2)})[0]->reason, TxReject::kPoolFull);  // c holds 2 = the bound
  auto taken = pool->take(2, 1 << 20);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0]->hash, a1->hash);  // a's old turn, b's lapsed
  EXPECT_EQ(taken[1]->hash, c0->hash);
  taken = pool->take(10, 1 << 20);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0]->hash, c1->hash);
  EXPECT_EQ(pool->size(), 0u);
  EXPECT_TRUE(pool->take(10, 1 << 20).empty());

  // Thousands of senders come and go without a take(): the pool stays usable and fair afterwards.
  std::vector<core::TxPtr> many;
  for (int k = 0; k < 3000; ++k) many.push_back(tx_from(static_cast<uint8_t>(10 + k % 200), 100 + k / 200));
  auto verdicts = pool->admit(many);
  std::vector<Hash32> admitted;
  for (size_t i = 0; i < many.size(); ++i)
    if (!verdicts[i]) admitted.push_back(many[i]->hash);
  pool->remove(admitted);
  EXPECT_EQ(pool->size(), 0u);
  auto d0 = tx_from(250, 0), e0 = tx_from(251, 0), d1 = tx_from(250, 1);
  ASSERT_FALSE(pool->admit({d0, e0, d1})[0]);
  taken = pool->take(10, 1 << 20);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0]->hash, d0->hash);
  EXPECT_EQ(taken[1]->hash, e0->hash);
  EXPECT_EQ(taken[2]->hash, d1->hash);
}
