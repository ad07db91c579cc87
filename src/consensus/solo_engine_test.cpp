// The single-validator engine: one block per round (round = height), each certified by its own vote,
// the previous one final when the next is certified; and a restart from what a crash left.
#include <gtest/gtest.h>

#include "consensus/engine.hpp"

namespace cx::consensus {
namespace {

crypto::PrivateKey key() {
  crypto::PrivateKey k;
  k.bytes[0] = 0x77;
  k.bytes[31] = 1;
  return k;
}

core::Address self() { return core::Address::of_public_key(*crypto::public_key_of(key())); }

template <typename T>
std::vector<T> all_of_kind(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}

// What the channel builds for ActBuildProposal, minus txs and execution results.
BlockPtr build(const ActBuildProposal& p) {
  auto b = std::make_shared<core::Block>();
  b->header.height = p.height;
  b->header.round = p.round;
  b->header.prev_hash = p.parent->hash();
  b->header.timestamp_us = p.parent->header.timestamp_us + 1000;
  b->header.proposer = self();
  b->prev_qc = p.parent_qc;
  b->header.prev_qc_hash = b->prev_qc.hash();
  b->proposer_signature = crypto::sign(b->header.hash(), key());
  return b;
}

struct Solo {
  std::unique_ptr<Engine> engine;
  Solo() {
    EngineOptions o;
    o.validators = {self()};
    o.key = key();
    engine = make_solo_engine(o);
  }
  // Proposes, certifies and executes the next block; everything the engine did.
  Actions next_block(uint64_t height, CertifiedBlock* made = nullptr) {
    auto t = engine->on_timeout(Timer{TimerKind::kPropose, height, 0});
    auto build_acts = all_of_kind<ActBuildProposal>(t);
    EXPECT_EQ(build_acts.size(), 1u);
    if (build_acts.empty()) return {};
    auto block = build(build_acts[0]);
    Actions out = engine->on_proposal(block, /*contents_valid=*/true);
    auto exec = all_of_kind<ActExecute>(out);
    EXPECT_EQ(exec.size(), 1u);
    if (made && !exec.empty()) *made = CertifiedBlock{exec[0].block, exec[0].qc};
    engine->on_block_executed(block->hash());
    return out;
  }
};

BlockPtr genesis() {
  auto g = std::make_shared<core::Block>();
  g->header.timestamp_us = 1'000'000;
  return g;
}

TEST(SoloEngine, EachCertifiedBlockFinalisesThePreviousOne) {
  Solo s;
  auto g = genesis();
  s.engine->start(ChainTip{g, {}, {}}, {});
  CertifiedBlock b1, b2;
  EXPECT_TRUE(all_of_kind<ActCommit>(s.next_block(1, &b1)).empty());
  auto commits = all_of_kind<ActCommit>(s.next_block(2, &b2));
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].block->hash(), b1.block->hash());
  EXPECT_EQ(b2.block->header.round, 2u);
}

// A crash between recording certified block 2 and committing block 1 leaves both above the committed
// genesis. Block 1 is final (block 2 was certified in the next round): the restart commits it first,
// then builds on block 2, and commits block 2 when block 3 is certified.
TEST(SoloEngine, RestartWithSeveralCertifiedBlocksCommitsAllButTheLast) {
  auto g = genesis();
  CertifiedBlock b1, b2, b3;
  {
    Solo before;
    before.engine->start(ChainTip{g, {}, {}}, {});
    before.next_block(1, &b1);
    before.next_block(2, &b2);
    before.next_block(3, &b3);
  }
  Solo after;
  auto out = after.engine->start(ChainTip{g, {}, {b1, b2, b3}}, {});
  auto commits = all_of_kind<ActCommit>(out);
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].block->hash(), b1.block->hash());
  EXPECT_EQ(commits[1].block->hash(), b2.block->hash());
  EXPECT_EQ(all_of_kind<ActSetTimer>(out).size(), 1u);
  EXPECT_EQ(after.engine->status().height, 4u);
  CertifiedBlock b4;
  auto next = all_of_kind<ActCommit>(after.next_block(4, &b4));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].block->hash(), b3.block->hash());
  EXPECT_EQ(b4.block->header.prev_hash, b3.block->hash());
}

}  // namespace
}  // namespace cx::consensus
