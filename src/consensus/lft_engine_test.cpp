// LFT engine tests: quorum arithmetic, then whole clusters of engines (lft_cluster_test.hpp), then
// single-engine edge cases.
#include "consensus/lft_cluster_test.hpp"

namespace cx::consensus {
namespace {
using namespace lft_test;

TEST(Quorum, ArithmeticHoldsForOneToAThousandValidators) {
  for (size_t n = 1; n <= 1000; ++n) {
    size_t f = max_faulty(n), q = quorum(n);
    ASSERT_GE(n, 3 * f + 1) << n;          // f is the most faults BFT can tolerate
    ASSERT_GT(3 * q, 2 * n) << n;          // q > 2n/3
    ASSERT_GE(2 * q, n + f + 1) << n;      // two quorums share at least f+1 validators (one honest)
    ASSERT_LE(q, n - f) << n;              // a quorum is reachable with f validators silent
    ASSERT_EQ(max_faulty(n + 1) - f <= 1, true) << n;
  }
  EXPECT_EQ(quorum(1), 1u);
  EXPECT_EQ(quorum(4), 3u);
  EXPECT_EQ(quorum(7), 5u);
  EXPECT_EQ(quorum(10), 7u);
}

TEST(LftCluster, FourValidatorsCommitTheSameBlocksInHeightOrderWithRotatingLeaders) {
  Cluster c(4);
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(12, c.everyone()); }));
  c.expect_consistent();
  std::set<Address> proposers;
  for (const auto& [block, qc] : c.nodes[0].commits) {
    const auto& h = block->header;
    // No round fails with everyone honest and connected: block h in round h, each one finalised
    // by its child in the next round.
    EXPECT_EQ(h.round, h.height) << "no round should fail with everyone honest and connected";
    EXPECT_EQ(h.proposer, c.validators[h.round % 4]) << "height " << h.height;
    EXPECT_EQ(qc.votes.size(), 3u);
    for (size_t k = 1; k < qc.votes.size(); ++k) EXPECT_LT(qc.votes[k - 1].voter, qc.votes[k].voter);
    proposers.insert(h.proposer);
  }
  EXPECT_EQ(proposers.size(), 4u);
  for (const auto& n : c.nodes) {
    EXPECT_TRUE(n.sync_requests.empty());
    EXPECT_EQ(n.engine->status().equivocations, 0u);
    EXPECT_GE(n.engine->status().height, 13u);
    // Commits lag one certified block behind: the tip waits for its child in the next round.
    EXPECT_EQ(n.chain.size(), n.top_height() - n.committed_height());
    EXPECT_GE(n.chain.size(), 1u);
    EXPECT_LE(n.chain.size(), 2u);
  }
  c.expect_one_vote_per_round();
  // Blocks come at the block interval, not faster: 12 blocks take at least 12 × 200 ms.
  EXPECT_GE(c.now_ms, 12u * 200u);
  EXPECT_LT(c.now_ms, 14u * 200u);
}

TEST(LftCluster, SilentValidatorCostsOneTimeoutPerTurnAndTheOthersCommit) {
  Cluster c(4);
  c.link = [](size_t from, size_t to) { return from != 3 && to != 3; };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(12, {0, 1, 2}); }));
  c.expect_consistent();
  EXPECT_TRUE(c.nodes[3].commits.empty());
  for (const auto& [block, qc] : c.nodes[0].commits) {
    const auto& h = block->header;
    // Validator 3 leads the rounds ≡ 3 (mod 4): each ends on none votes after one timeout and the
    // next validator in turn proposes the same height. So rounds 1, 2, 4, 5, 6, 8, ... carry
    // heights 1, 2, 3, 4, 5, 6, ...: round = h + ⌊h / 3⌋.
    EXPECT_EQ(h.round, h.height + h.height / 3) << "height " << h.height;
    EXPECT_EQ(h.proposer, c.validators[h.round % 4]);
    EXPECT_NE(h.proposer, c.validators[3]);
  }
  // The block after a failed round does not finalise its parent; the one after it finalises both,
  // so commits still reach every height.
  c.expect_one_vote_per_round();
}

TEST(LftCluster, LaggingValidatorAsksToSyncThenRejoins) {
  Cluster c(4);
  bool isolated = true;
  c.link = [&](size_t from, size_t to) { return !isolated || (from != 3 && to != 3); };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(8, {0, 1, 2}); }));
  EXPECT_EQ(c.nodes[3].engine->status().height, 1u);
  isolated = false;
  size_t target = c.nodes[0].commits.size() + 8;
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(target, c.everyone()); }));
  c.expect_consistent();
  ASSERT_FALSE(c.nodes[3].sync_requests.empty());
  EXPECT_GE(c.nodes[3].sync_requests.front(), 8u);
  EXPECT_FALSE(c.nodes[3].engine->status().behind_to.has_value());
  // Validator 3 votes again after catching up.
  EXPECT_GE(c.nodes[3].own_votes.back().height, c.nodes[3].sync_requests.front());
  c.expect_one_vote_per_round();
}

TEST(LftCluster, InvalidProposalGetsNoneVotesAndTheRoundMovesOnWithoutWaitingForTheTimeout) {
  Cluster c(4);
  // Everyone but its proposer finds the first proposal's contents (round 1, validator 1) invalid.
  c.judge = [&](const core::Block& b, size_t at) {
    return !(b.header.height == 1 && b.header.round == 1 && b.header.proposer != c.validators[at]);
  };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(3, c.everyone()); }));
  c.expect_consistent();
  const auto& first = c.nodes[0].commits[0].first->header;
  EXPECT_EQ(first.round, 2u);
  EXPECT_EQ(first.proposer, c.validators[2]);
  for (size_t i = 0; i < 4; ++i) {
    const auto& v = c.nodes[i].own_votes.front();
    EXPECT_EQ(v.height, 1u);
    EXPECT_EQ(v.round, 1u);
    EXPECT_EQ(v.kind, i == 1 ? VoteKind::kBlock : VoteKind::kNone) << "validator " << i;
    // Height 1 was decided on the none votes, long before a 2.2 s round timeout.
    EXPECT_LT(c.nodes[i].executed_at_ms.at(1), 1000u);
  }
}

TEST(LftCluster, SingleValidatorCommitsWithTheLftEngine) {
  Cluster c(1);
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(5, c.everyone()); }));
  c.expect_consistent();
  for (const auto& [block, qc] : c.nodes[0].commits) {
    EXPECT_EQ(block->header.round, block->header.height);
    EXPECT_EQ(qc.votes.size(), 1u);
  }
}

TEST(LftCluster, SevenValidatorsWithTwoSilentStillCommit) {
  Cluster c(7);
  c.link = [](size_t from, size_t to) { return from < 5 && to < 5; };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(10, {0, 1, 2, 3, 4}); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
}

TEST(LftCluster, UndecidedQuorumEndsTheRoundAfterTwoTimeouts) {
  // Validator 3 is down and validator 2 never gets the first proposal (round 1): 2 block votes + 1
  // none vote is a quorum of votes that neither certifies nor proves the round lost.
  Cluster c(4);
  c.link = [](size_t from, size_t to) { return from != 3 && to != 3; };
  c.drop = [](const Msg& m) {
    return m.to == 2 && m.block && m.block->header.height == 1 && m.block->header.round == 1;
  };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(3, {0, 1, 2}); }));
  c.expect_consistent();
  const auto& first = c.nodes[0].commits[0].first->header;
  EXPECT_EQ(first.round, 2u);
  EXPECT_EQ(first.proposer, c.validators[2]);
  // Round 1 cost its timeout (2.2 s) plus one more timeout, not more.
  EXPECT_GE(c.nodes[0].executed_at_ms.at(1), 2u * 2200u);
  EXPECT_LT(c.nodes[0].executed_at_ms.at(1), 4u * 2200u);
}

// Random loss (each delivery lost independently), with and without a silent validator: commits
// agree everywhere, and the cluster keeps going through lost proposals, votes and rounds split
// between nodes (re-broadcasts, round proofs, lazy round ends, branch switches, syncs).
TEST(LftCluster, LossyNetworkStaysSafeAndLive) {
  for (size_t n : {4, 7})
    for (uint64_t loss : {10, 35})
      for (uint64_t seed = 1; seed <= 6; ++seed) {
        Cluster c(n);
        SeededRandom rng(seed * 1000 + loss * 10 + n);
        bool silent = seed % 2 == 0;
        c.link = [&](size_t from, size_t to) {
          if (silent && (from == 0 || to == 0)) return false;
          return rng.below(100) >= loss;
        };
        c.start_all();
        std::set<size_t> live;
        for (size_t i = silent ? 1 : 0; i < n; ++i) live.insert(i);
        c.run_until([&] { return c.all_committed(8, live); }, 3'000'000);
        c.expect_consistent();
        c.expect_one_vote_per_round();
        if (testing::Test::HasFailure()) {
          ADD_FAILURE() << "n " << n << " loss " << loss << "% seed " << seed;
          return;
        }
      }
}

TEST(LftCluster, CrashedAndRestartedValidatorResumesFromItsRecords) {
  Cluster c(4);
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(5, c.everyone()); }));
  c.crash(2);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(9, {0, 1, 3}); }));
  c.start(2);
  size_t target = c.nodes[0].commits.size() + 6;
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(target, c.everyone()); }));
  c.expect_consistent();
  // Validator 2 signs again after the restart...
  ASSERT_FALSE(c.nodes[2].own_votes.empty());
  EXPECT_GT(c.nodes[2].own_votes.back().height, 9u);
  // ...and never two different votes in one round, across the restart.
  c.expect_one_vote_per_round();
}

// The bug the global rounds fixed (tests/sim/README.md, seeds 140 and 3): two different blocks
// certified at height 1, X in round 1 and X' in round 2, and the honest nodes split between them.
// Validators 0 and 1 hold X, validators 2 and 3 hold X' (validator 1 voted for X' in round 2 before
// X's certificate reached it, and never saw X''s); each side alone is short of a quorum. After a
// partition heals, X' (the higher round) wins everywhere and the cluster keeps committing.
TEST(LftCluster, NodesSplitBetweenTwoCertifiedBlocksAtOneHeightConverge) {
  Cluster c(4);
  std::vector<crypto::PrivateKey> keys;
  for (const auto& n : c.nodes) keys.push_back(n.key);
  auto x = make_block(1, 1, c.genesis(), {}, keys[1], c.validators, 1000);
  auto x2 = make_block(1, 2, c.genesis(), {}, keys[2], c.validators, 2000);
  auto qc_x = make_qc(x, {keys[0], keys[1], keys[2]});
  auto qc_x2 = make_qc(x2, {keys[1], keys[2], keys[3]});
  // Each validator's write-ahead record is its latest vote, recorded by an engine casting it.
  auto record_of_vote_for = [&](size_t i, const BlockPtr& b) {
    auto e = make_lft_engine(c.options(i));
    e->start(ChainTip{c.genesis(), {}, {}}, {});
    // Rounds before b's end without this validator: two none votes leave no quorum for a block.
    for (uint32_t r = 1; r < b->header.round; ++r) {
      size_t others = 0;
      for (size_t k = 0; k < 4 && others < 2; ++k) {
        if (k == i) continue;
        e->on_vote(make_vote(keys[k], 1, r, VoteKind::kNone, {}));
        ++others;
      }
    }
    EXPECT_EQ(e->status().round, b->header.round);
    auto out = e->on_proposal(b, /*contents_valid=*/true);
    auto records = all_of_kind<ActPersist>(out);
    auto votes = all_of_kind<ActBroadcastVote>(out);
    EXPECT_EQ(records.size(), 1u);
    EXPECT_FALSE(votes.empty());
    c.nodes[i].own_votes.push_back(votes.at(0).vote);
    c.nodes[i].voted.insert(b->header.round);
    return records.at(0).record;
  };
  c.nodes[0].wal.push_back(record_of_vote_for(0, x));
  c.nodes[1].wal.push_back(record_of_vote_for(1, x2));
  c.nodes[2].wal.push_back(record_of_vote_for(2, x2));
  c.nodes[3].wal.push_back(record_of_vote_for(3, x2));
  // The votes inside the two QCs were signed (and recorded) before the start too.
  for (const auto* qc : {&qc_x, &qc_x2})
    for (const auto& v : qc->votes)
      for (auto& n : c.nodes)
        if (n.addr == v.voter) {
          n.own_votes.push_back(v);
          n.voted.insert(v.round);
        }
  for (size_t i : {0, 1}) c.nodes[i].chain = {CertifiedBlock{x, qc_x}};
  for (size_t i : {2, 3}) c.nodes[i].chain = {CertifiedBlock{x2, qc_x2}};

  bool partitioned = true;
  c.link = [&](size_t from, size_t to) { return !partitioned || (from < 2) == (to < 2); };
  c.start_all();
  // Neither side can certify anything alone.
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.now_ms >= 30'000; }));
  for (const auto& n : c.nodes) {
    EXPECT_TRUE(n.commits.empty());
    EXPECT_EQ(n.chain.size(), 1u);
  }
  partitioned = false;
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(6, c.everyone()); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.nodes[i].commits[0].first->hash(), x2->hash()) << "node " << i;
    EXPECT_EQ(c.nodes[i].commits[0].second.round, 2u) << "node " << i;
  }
  // It took a few rounds after the heal, not a spin of ever-growing timeouts.
  EXPECT_LT(c.now_ms, 30'000u + 60'000u);
}

// The same split arising from the protocol itself: all four validators vote for X in round 1 but
// only validator 0 gets validator 0's vote, so only validator 0 sees X certified. The others end
// round 1 (lazily: a quorum of votes, no decision) and certify X' at height 1 in round 2. Validator
// 0 takes the higher certificate, executes X' and the cluster commits on X'.
TEST(LftCluster, BlockCertifiedForOneNodeOnlyIsAbandonedForAHigherRoundCertificate) {
  Cluster c(4);
  bool lossy = true;
  c.drop = [&](const Msg& m) {
    if (!lossy) return false;
    if (m.vote && m.vote->round == 1 && m.vote->voter == c.validators[0]) return true;
    return m.block && m.block->header.round == 1 && m.to == 3;  // validator 3 votes none in round 1
  };
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(1, {1, 2, 3}); }));
  lossy = false;
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(6, c.everyone()); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
  // Validator 0 executed X (round 1) first, then switched to X' (round 2) at the same height.
  const auto& ex = c.nodes[0].executions;
  ASSERT_GE(ex.size(), 2u);
  EXPECT_EQ(ex[0]->header.height, 1u);
  EXPECT_EQ(ex[0]->header.round, 1u);
  EXPECT_EQ(ex[1]->header.height, 1u);
  EXPECT_GT(ex[1]->header.round, 1u);  // round 2 with these timeouts
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.nodes[i].commits[0].first->hash(), ex[1]->hash()) << "node " << i;
    if (i == 0) continue;
    for (const auto& b : c.nodes[i].executions)
      EXPECT_NE(b->hash(), ex[0]->hash()) << "node " << i << " saw X certified";
  }
}

// ---------------------------------------------------------------------------------------------
// One engine driven by hand.

struct Solo4 {
  std::vector<crypto::PrivateKey> keys;
  std::vector<Address> validators;
  BlockPtr genesis = make_genesis();

  Solo4() {
    for (uint8_t i = 1; i <= 4; ++i) {
      keys.push_back(test_key(i));
      validators.push_back(address_of(keys.back()));
    }
  }
  std::unique_ptr<Engine> engine(size_t i) const {
    EngineOptions o;
    o.validators = validators;
    o.key = keys[i];
    return make_lft_engine(o);
  }
  ChainTip tip() const { return ChainTip{genesis, {}, {}}; }
  // The proposal of validator 1, leader of round 1 (height 1).
  BlockPtr proposal(int64_t time_bump_us = 1000) const {
    return make_block(1, 1, genesis, {}, keys[1], validators, time_bump_us);
  }
  // A block proposed by the leader of `round`.
  BlockPtr block(uint64_t height, uint32_t round, const BlockPtr& parent, const QuorumCertificate& parent_qc,
                 int64_t time_bump_us = 1000) const {
    return make_block(height, round, parent, parent_qc, keys[round % 4], validators, time_bump_us);
  }
  QuorumCertificate qc(const BlockPtr& b, const std::vector<size_t>& voters) const {
    std::vector<crypto::PrivateKey> ks;
    for (size_t v : voters) ks.push_back(keys[v]);
    return make_qc(b, ks);
  }
  // Block votes for `b` (in its round) from `voters`, fed to `e`; everything it did in return.
  Actions votes_for(Engine& e, const BlockPtr& b, const std::vector<size_t>& voters) const {
    Actions out;
    for (size_t v : voters)
      append(out, e.on_vote(make_vote(keys[v], b->header.height, b->header.round, VoteKind::kBlock, b->hash(),
                                      b->header.timestamp_us)));
    return out;
  }
  Actions none_votes(Engine& e, uint64_t height, uint32_t round, const std::vector<size_t>& voters) const {
    Actions out;
    for (size_t v : voters) append(out, e.on_vote(make_vote(keys[v], height, round, VoteKind::kNone, {})));
    return out;
  }
};

TEST(LftEngine, EquivocatingVoterIsCountedOnceAndNotRelayed) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal(1000), y = s.proposal(2000);
  auto first = e->on_vote(make_vote(s.keys[2], 1, 1, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActBroadcastVote>(first).size(), 1u);  // relayed once
  auto again = e->on_vote(make_vote(s.keys[2], 1, 1, VoteKind::kBlock, x->hash()));
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(again).empty());
  EXPECT_EQ(e->status().equivocations, 0u);
  auto second = e->on_vote(make_vote(s.keys[2], 1, 1, VoteKind::kBlock, y->hash()));
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(second).empty());
  EXPECT_EQ(e->status().equivocations, 1u);
  auto none = e->on_vote(make_vote(s.keys[2], 1, 1, VoteKind::kNone, {}));
  EXPECT_EQ(e->status().equivocations, 2u);
  // The first vote still counts: with two more for x and the body, x is certified.
  e->on_vote(make_vote(s.keys[1], 1, 1, VoteKind::kBlock, x->hash()));
  auto done = e->on_vote(make_vote(s.keys[3], 1, 1, VoteKind::kBlock, x->hash()));
  EXPECT_TRUE(all_of_kind<ActExecute>(done).empty());  // q votes but no body yet
  auto out = e->on_proposal(x, /*contents_valid=*/true);
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), x->hash());
  EXPECT_EQ(exec[0].qc.votes.size(), 3u);
  EXPECT_EQ(e->status().height, 2u);
}

TEST(LftEngine, VotesWithBadSignaturesOrFromOutsidersAreIgnored) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal();
  e->on_proposal(x, /*contents_valid=*/true);
  // Signed by someone else than the named voter.
  Vote forged = make_vote(test_key(9), 1, 1, VoteKind::kBlock, x->hash());
  forged.voter = s.validators[2];
  EXPECT_TRUE(e->on_vote(forged).empty());
  // A signature that no longer matches the content.
  Vote tampered = make_vote(s.keys[3], 1, 1, VoteKind::kBlock, x->hash());
  tampered.signature.bytes[5] ^= 1;
  EXPECT_TRUE(e->on_vote(tampered).empty());
  // A correctly signed vote from a key outside the validator set.
  EXPECT_TRUE(e->on_vote(make_vote(test_key(9), 1, 1, VoteKind::kBlock, x->hash())).empty());
  // A none vote that names a block is malformed.
  Vote odd = make_vote(s.keys[3], 1, 1, VoteKind::kBlock, x->hash());
  odd.kind = VoteKind::kNone;
  odd.signature = crypto::sign(odd.signing_hash(), s.keys[3]);
  EXPECT_TRUE(e->on_vote(odd).empty());
  // Own vote + the leader's = 2 < q: none of the above counted, so no certification yet...
  EXPECT_TRUE(all_of_kind<ActExecute>(e->on_vote(make_vote(s.keys[1], 1, 1, VoteKind::kBlock, x->hash()))).empty());
  // ...and one genuine third vote certifies.
  auto out = e->on_vote(make_vote(s.keys[3], 1, 1, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
}

TEST(LftEngine, RestartedValidatorRefusesToSignADifferentVoteForTheSameRound) {
  Solo4 s;
  auto x = s.proposal(1000), y = s.proposal(2000);  // the leader equivocates
  std::vector<Bytes> records;
  Vote original;
  {
    auto e = s.engine(2);
    e->start(s.tip(), {});
    auto out = e->on_proposal(x, /*contents_valid=*/true);
    ASSERT_EQ(out.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<ActPersist>(out[0]));  // durable before it leaves
    ASSERT_TRUE(std::holds_alternative<ActBroadcastVote>(out[1]));
    records.push_back(std::get<ActPersist>(out[0]).record);
    original = std::get<ActBroadcastVote>(out[1]).vote;
    EXPECT_EQ(original.block_hash, x->hash());
  }
  // Control: a fresh engine without the records would vote for y.
  {
    auto fresh = s.engine(2);
    fresh->start(s.tip(), {});
    auto votes = all_of_kind<ActBroadcastVote>(fresh->on_proposal(y, /*contents_valid=*/true));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].vote.block_hash, y->hash());
  }
  auto e = s.engine(2);
  auto started = all_of_kind<ActBroadcastVote>(e->start(s.tip(), records));
  ASSERT_EQ(started.size(), 1u);  // the recorded vote is sent again, unchanged
  EXPECT_EQ(started[0].vote.encode(), original.encode());
  auto out = e->on_proposal(y, /*contents_valid=*/true);
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());
  EXPECT_TRUE(all_of_kind<ActPersist>(out).empty());
  // A round timeout re-sends the same vote instead of signing a none vote.
  auto t = e->on_timeout(Timer{TimerKind::kRound, 1, 1});
  auto timeout = all_of_kind<ActBroadcastVote>(t);
  ASSERT_FALSE(timeout.empty());
  EXPECT_EQ(timeout[0].vote.encode(), original.encode());
  EXPECT_TRUE(all_of_kind<ActPersist>(t).empty());
  // The same holds for an earlier round after the restart: nothing is signed below the record.
  auto later = s.engine(2);
  std::vector<Bytes> r3_records;
  {
    auto tmp = s.engine(2);
    tmp->start(s.tip(), {});
    // Two none votes leave too few validators for any block to reach q = 3: rounds 1 and 2 end
    // without this validator's vote; it times out round 3 with a none vote.
    s.none_votes(*tmp, 1, 1, {0, 1});
    EXPECT_EQ(tmp->status().round, 2u);
    s.none_votes(*tmp, 1, 2, {0, 1});
    EXPECT_EQ(tmp->status().round, 3u);
    auto t3 = tmp->on_timeout(Timer{TimerKind::kRound, 1, 3});
    for (const auto& p : all_of_kind<ActPersist>(t3)) r3_records.push_back(p.record);
    ASSERT_EQ(r3_records.size(), 1u);
  }
  later->start(s.tip(), r3_records);
  EXPECT_EQ(later->status().round, 3u);  // a fresh start would be in round 1
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(later->on_proposal(x, /*contents_valid=*/true)).empty());
}

// The records the channel hands to start() are checked first (check_records): a record that cannot
// be used is a vote this node might sign again, so the channel refuses to start and names the fault.
TEST(VoteRecords, WhatTheEngineWritesIsAcceptedAndRoundTrips) {
  Solo4 s;
  auto e = s.engine(2);
  e->start(s.tip(), {});
  auto out = e->on_proposal(s.proposal(), /*contents_valid=*/true);
  auto persisted = all_of_kind<ActPersist>(out);
  ASSERT_EQ(persisted.size(), 1u);
  const Bytes& record = persisted[0].record;
  auto decoded = decode_vote_record(record);
  ASSERT_TRUE(decoded) << decoded.message();
  EXPECT_EQ(decoded->vote.encode(), all_of_kind<ActBroadcastVote>(out).at(0).vote.encode());
  EXPECT_EQ(decoded->vote.round, 1u);
  EXPECT_EQ(encode_vote_record(*decoded), record);  // one encoding per record
  EXPECT_TRUE(check_records({}, s.validators[2]));
  auto ok = check_records({record, record}, s.validators[2]);
  EXPECT_TRUE(ok) << ok.message();
}

TEST(VoteRecords, AnUnusableRecordIsRefusedWithWhatIsWrong) {
  Solo4 s;
  const Address self = s.validators[2];
  Vote v = make_vote(s.keys[2], 1, 1, VoteKind::kBlock, s.proposal()->hash());
  const Bytes good = encode_vote_record(VoteRecord{v, 0});
  ASSERT_TRUE(check_records({good}, self));
  auto refused = [&](const std::vector<Bytes>& records, const Address& who, std::string_view expected) {
    auto st = check_records(records, who);
    ASSERT_FALSE(st) << "accepted; expected: " << expected;
    EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
  };
  // Undecodable: empty, truncated, trailing bytes.
  refused({Bytes{}}, self, "record 1 of 1 is unreadable: empty record");
  refused({good, Bytes(good.begin(), good.end() - 1)}, self, "record 2 of 2 is unreadable: malformed record");
  Bytes longer = good;
  longer.push_back(0);
  refused({longer}, self, "trailing bytes");
  // A record of an older format (version 2 had no lock round) or a later one.
  Bytes old = good;
  old[0] = 2;
  refused({old}, self, "record version 2, this build reads version 3");
  // The header disagrees with the vote inside.
  Bytes moved = good;
  moved[1 + 7] ^= 1;  // a byte of the u64 height
  refused({moved}, self, "do not match the vote inside");
  // Another key's vote: the node key was replaced, or the records belong to another node.
  refused({encode_vote_record(VoteRecord{make_vote(s.keys[3], 1, 1, VoteKind::kNone, {}), 0})}, self,
          "holds a vote of " + s.validators[3].to_string() + ", not of this node's key " + self.to_string());
  // This node's address in the voter field, but the signature is not its key's.
  Vote forged = v;
  forged.timestamp_us += 1;  // the signature no longer covers the vote
  refused({encode_vote_record(VoteRecord{forged, 0})}, self, "signature is not by this node's key");
  // The same good record is fine for its owner only.
  refused({good}, s.validators[1], "not of this node's key " + s.validators[1].to_string());
}

TEST(VoteRecordsDeathTest, StartAssertsThatTheRecordsWereChecked) {
  Solo4 s;
  Vote other = make_vote(s.keys[3], 1, 1, VoteKind::kNone, {});
  EXPECT_DEATH(s.engine(2)->start(s.tip(), {encode_vote_record(VoteRecord{other, 0})}), "not of this node's key");
  EXPECT_DEATH(s.engine(2)->start(s.tip(), {Bytes{3}}), "unreadable");
}

TEST(LftEngine, CertificateSeenBeforeTheBlockIsKeptUntilTheBodyArrives) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal();
  for (size_t k = 1; k < 4; ++k)
    EXPECT_TRUE(all_of_kind<ActExecute>(e->on_vote(make_vote(s.keys[k], 1, 1, VoteKind::kBlock, x->hash()))).empty());
  EXPECT_EQ(e->status().height, 1u);
  // The body arrives (e.g. fetched by the channel) even as a delivery without a verdict.
  auto out = e->on_proposal(x, std::nullopt);
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].qc.block_hash, x->hash());
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());  // certified without this node's vote
  EXPECT_EQ(e->status().height, 2u);
}

TEST(LftEngine, CertificateInAProposalForAFarHeightAsksForSync) {
  Solo4 s;
  // Build a chain of certified blocks 1..5 (block h in round h) that this engine never saw.
  BlockPtr parent = s.genesis;
  QuorumCertificate qc;
  for (uint64_t h = 1; h <= 5; ++h) {
    auto b = s.block(h, static_cast<uint32_t>(h), parent, qc);
    parent = b;
    qc = s.qc(b, {0, 1, 2});
  }
  auto e = s.engine(3);
  e->start(s.tip(), {});
  auto six = s.block(6, 6, parent, qc);
  auto syncs = all_of_kind<ActSync>(e->on_proposal(six, std::nullopt));
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[0].height, 5u);
  EXPECT_EQ(e->status().behind_to, std::optional<uint64_t>(5));
  // A QC short of a quorum is not evidence.
  auto e2 = s.engine(3);
  e2->start(s.tip(), {});
  QuorumCertificate short_qc = qc;
  short_qc.votes.pop_back();
  auto seven = s.block(6, 6, parent, short_qc);
  EXPECT_TRUE(all_of_kind<ActSync>(e2->on_proposal(seven, std::nullopt)).empty());
  EXPECT_FALSE(e2->status().behind_to.has_value());
}

TEST(LftEngine, FarFutureVotesAreBounded) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  size_t relayed = 0;
  for (uint32_t r = 2; r <= 501; ++r)
    relayed += all_of_kind<ActBroadcastVote>(e->on_vote(make_vote(s.keys[3], 1, r, VoteKind::kNone, {}))).size();
  EXPECT_LE(relayed, 40u);
  EXPECT_EQ(e->status().round, 1u);  // one validator alone cannot move the round
  // The current round still works.
  auto x = s.proposal();
  e->on_proposal(x, /*contents_valid=*/true);
  e->on_vote(make_vote(s.keys[1], 1, 1, VoteKind::kBlock, x->hash()));
  auto out = e->on_vote(make_vote(s.keys[2], 1, 1, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
}

// f+1 votes for a later round show an honest validator got there: the node joins that round (and
// its timer); f votes might all be faulty and move nothing.
TEST(LftEngine, VotesOfFPlusOneValidatorsForALaterRoundPullTheNodeThere) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  // Validators 1 and 2 are in round 3 and voted for its leader's block (which has not reached
  // this node yet).
  auto b = s.block(1, 3, s.genesis, {});
  s.votes_for(*e, b, {1});
  EXPECT_EQ(e->status().round, 1u);
  auto out = s.votes_for(*e, b, {2});
  EXPECT_EQ(e->status().round, 3u);
  auto timers = all_of_kind<ActSetTimer>(out);
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers[0].timer.round, 3u);
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(e->on_timeout(Timer{TimerKind::kRound, 1, 1})).empty());  // stale
  // Round 3 proceeds normally: the proposal gets this validator's vote, the third one.
  out = e->on_proposal(b, /*contents_valid=*/true);
  auto votes = all_of_kind<ActBroadcastVote>(out);
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kBlock);
  EXPECT_EQ(votes[0].vote.round, 3u);
  EXPECT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
}

TEST(LftEngine, ProposalFromTheWrongLeaderIsIgnored) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto wrong = make_block(1, 1, s.genesis, {}, s.keys[2], s.validators);
  EXPECT_TRUE(e->on_proposal(wrong, /*contents_valid=*/true).empty());
  // The real leader's proposal still gets this validator's (single) vote.
  auto votes = all_of_kind<ActBroadcastVote>(e->on_proposal(s.proposal(), /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kBlock);
}

TEST(LftEngine, ProposalNotExtendingTheCandidateGetsANoneVote) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto p = std::make_shared<core::Block>(*s.proposal());
  p->header.validators_hash = Hash32{};  // names another validator set
  p->proposer_signature = crypto::sign(p->header.hash(), s.keys[1]);
  auto votes = all_of_kind<ActBroadcastVote>(e->on_proposal(p, /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kNone);
}

TEST(LftEngine, RoundTimeoutGrowsAndIsCapped) {
  Solo4 s;
  auto e = s.engine(0);
  auto timers = all_of_kind<ActSetTimer>(e->start(s.tip(), {}));
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers[0].timer, (Timer{TimerKind::kRound, 1, 1}));
  EXPECT_EQ(timers[0].delay_ms, 2000u + 200u);
  std::vector<uint64_t> delays;
  for (uint32_t r = 1; r <= 8; ++r) {
    Actions out = s.none_votes(*e, 1, r, {1, 2, 3});
    ASSERT_EQ(e->status().round, r + 1);
    for (const auto& t : all_of_kind<ActSetTimer>(out))
      if (t.timer.kind == TimerKind::kRound) delays.push_back(t.delay_ms);
  }
  EXPECT_EQ(delays, (std::vector<uint64_t>{4000, 8000, 16000, 32000, 64000, 64000, 64000, 64000}));
  // A certified round resets the count: the next round's timeout is the base again.
  auto b = s.block(1, 9, s.genesis, {});
  e->on_proposal(b, /*contents_valid=*/true);
  Actions out = s.votes_for(*e, b, {1, 2});
  ASSERT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
  append(out, e->on_block_executed(b->hash()));
  EXPECT_EQ(e->status().round, 10u);
  std::vector<uint64_t> after;
  for (const auto& t : all_of_kind<ActSetTimer>(out))
    if (t.timer.kind == TimerKind::kRound) after.push_back(t.delay_ms);
  EXPECT_EQ(after, (std::vector<uint64_t>{2000 + 200}));
}

// 2-chain commit rule (engine.hpp certifying_finalises_parent): b1 certified in round 1, round 2
// fails, b2 certified in round 3 (its parent's round is 1, not 2) finalises nothing; b3 certified
// in round 4 (parent round 3) finalises b2 and with it b1, in height order.
TEST(LftEngine, CommitNeedsAChildCertifiedInTheNextRound) {
  Solo4 s;
  auto e = s.engine(2);  // leads round 2, the one that fails (its propose timer never fires here)
  e->start(s.tip(), {});
  auto b1 = s.block(1, 1, s.genesis, {});
  Actions out = e->on_proposal(b1, /*contents_valid=*/true);
  append(out, s.votes_for(*e, b1, {0, 1}));
  ASSERT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
  EXPECT_TRUE(all_of_kind<ActCommit>(out).empty());  // genesis is final already
  e->on_block_executed(b1->hash());
  EXPECT_EQ(e->status().round, 2u);

  out = s.none_votes(*e, 2, 2, {0, 1, 3});
  EXPECT_EQ(e->status().round, 3u);
  EXPECT_TRUE(all_of_kind<ActExecute>(out).empty());

  auto b2 = s.block(2, 3, b1, s.qc(b1, {0, 1, 2}));
  out = e->on_proposal(b2, /*contents_valid=*/true);
  auto votes = all_of_kind<ActBroadcastVote>(out);
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.block_hash, b2->hash());
  append(out, s.votes_for(*e, b2, {0, 3}));
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), b2->hash());
  EXPECT_FALSE(certifying_finalises_parent(*b2));
  EXPECT_TRUE(all_of_kind<ActCommit>(out).empty()) << "b1 is final only once a child is certified in round 2";
  e->on_block_executed(b2->hash());
  EXPECT_EQ(e->status().height, 3u);
  EXPECT_EQ(e->status().round, 4u);

  auto b3 = s.block(3, 4, b2, s.qc(b2, {0, 2, 3}));
  EXPECT_TRUE(certifying_finalises_parent(*b3));
  out = e->on_proposal(b3, /*contents_valid=*/true);
  append(out, s.votes_for(*e, b3, {0, 1}));
  exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), b3->hash());
  auto commits = all_of_kind<ActCommit>(out);
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].block->hash(), b1->hash());
  EXPECT_EQ(commits[0].qc.block_hash, b1->hash());
  EXPECT_EQ(commits[0].qc.round, 1u);
  EXPECT_EQ(commits[1].block->hash(), b2->hash());
  EXPECT_EQ(commits[1].qc.round, 3u);
  EXPECT_TRUE(verify_qc(commits[0].qc, s.validators));
  EXPECT_TRUE(verify_qc(commits[1].qc, s.validators));
  e->on_block_executed(b3->hash());

  // And in steady state each block finalises exactly its parent.
  auto b4 = s.block(4, 5, b3, s.qc(b3, {0, 1, 2}));
  out = e->on_proposal(b4, /*contents_valid=*/true);
  append(out, s.votes_for(*e, b4, {0, 1}));
  commits = all_of_kind<ActCommit>(out);
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].block->hash(), b3->hash());
}

// The lock: once a node has seen a QC of round 2 (for Y, whose body it lacks), it refuses a round-3
// proposal extending its tip b1, certified in round 1, although that proposal is otherwise fine.
TEST(LftEngine, LockedNodeRefusesAProposalOnALowerCertifiedBlock) {
  Solo4 s;
  auto b1 = s.block(1, 1, s.genesis, {});
  auto qc1 = s.qc(b1, {0, 1, 2});
  auto y = s.block(2, 2, b1, qc1);
  auto z = s.block(2, 3, b1, qc1, 2000);  // the leader of round 3 proposes on b1, not on y
  auto certify_b1 = [&](Engine& e) {
    e.start(s.tip(), {});
    e.on_proposal(b1, /*contents_valid=*/true);
    ASSERT_EQ(all_of_kind<ActExecute>(s.votes_for(e, b1, {1, 2})).size(), 1u);
    e.on_block_executed(b1->hash());
    ASSERT_EQ(e.status().round, 2u);
  };

  // Control: round 2 lost, nobody certified anything above b1: z gets a block vote.
  auto open = s.engine(0);
  certify_b1(*open);
  s.none_votes(*open, 2, 2, {1, 2, 3});
  ASSERT_EQ(open->status().round, 3u);
  auto votes = all_of_kind<ActBroadcastVote>(open->on_proposal(z, /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kBlock);
  EXPECT_EQ(votes[0].vote.block_hash, z->hash());

  // Locked: a quorum voted for y in round 2 (the proposal never reached this node).
  auto locked = s.engine(0);
  certify_b1(*locked);
  auto out = s.votes_for(*locked, y, {1, 2, 3});
  EXPECT_TRUE(all_of_kind<ActExecute>(out).empty());
  EXPECT_EQ(locked->status().round, 3u);
  EXPECT_EQ(locked->status().height, 2u);  // the tip is still b1
  EXPECT_EQ(locked->status().behind_to, std::optional<uint64_t>(2));
  out = locked->on_proposal(z, /*contents_valid=*/true);
  votes = all_of_kind<ActBroadcastVote>(out);
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kNone);
  EXPECT_EQ(votes[0].vote.round, 3u);
  // The locked block's body arriving lets the node move on: y joins the chain and, certified in
  // the round after b1's, finalises b1.
  expect_executes_and_commits(locked->on_proposal(y, std::nullopt), y, {b1});
}

// Branch switch: this node holds X, certified at height 2 in round 2. The leader of round 3
// proposes X' at height 2 on b1 (this node votes none: it does not extend X) and a quorum of others
// certifies it. The round-4 proposal carries X''s QC: the node executes X' (whose parent b1 is
// below X, so X drops off its chain) and votes for the proposal once its verdict is in. When that
// proposal is certified in round 4, X' (round 3) is final, never X.
TEST(LftEngine, HigherCertificateAtTheSameHeightSwitchesTheBranch) {
  Solo4 s;
  auto b1 = s.block(1, 1, s.genesis, {});
  auto qc1 = s.qc(b1, {0, 1, 2});
  auto e = s.engine(1);  // leads none of rounds 2..4
  e->start(ChainTip{b1, qc1, {}}, {});
  ASSERT_EQ(e->status().round, 2u);

  auto x = s.block(2, 2, b1, qc1);
  Actions out = e->on_proposal(x, /*contents_valid=*/true);
  append(out, s.votes_for(*e, x, {0, 2}));
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), x->hash());
  e->on_block_executed(x->hash());
  ASSERT_EQ(e->status().round, 3u);

  auto x2 = s.block(2, 3, b1, qc1, 2000);
  auto votes = all_of_kind<ActBroadcastVote>(e->on_proposal(x2, /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kNone);

  auto qc_x2 = s.qc(x2, {0, 2, 3});
  auto p = s.block(3, 4, x2, qc_x2);
  // Delivered before the channel has executed x2: no verdict yet.
  out = e->on_proposal(p, std::nullopt);
  exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), x2->hash());
  EXPECT_EQ(exec[0].qc.round, 3u);
  EXPECT_TRUE(verify_qc(exec[0].qc, s.validators));
  EXPECT_TRUE(all_of_kind<ActCommit>(out).empty());
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());
  EXPECT_EQ(e->status().round, 4u);
  EXPECT_EQ(e->status().height, 3u);
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(e->on_block_executed(x2->hash())).empty());  // still no verdict
  out = e->on_proposal(p, /*contents_valid=*/true);
  votes = all_of_kind<ActBroadcastVote>(out);
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kBlock);
  EXPECT_EQ(votes[0].vote.block_hash, p->hash());
  EXPECT_EQ(votes[0].vote.round, 4u);
  EXPECT_EQ(votes[0].vote.height, 3u);

  expect_executes_and_commits(s.votes_for(*e, p, {0, 2}), p, {x2});
}

// Crash and restart with global rounds: the validator voted in round 3 for b3 at height 3, then
// restarts from an older tip (height 1: the channel had not recorded b2 as certified). Round 3 now
// decides height 2 for it, and the leader of round 3 offers another block there; the record must
// keep it from signing anything in round 3 (or below) although the height differs.
TEST(LftEngine, RestartFromAnOlderTipSignsNothingAtOrBelowTheRecordedRound) {
  Solo4 s;
  auto b1 = s.block(1, 1, s.genesis, {});
  auto qc1 = s.qc(b1, {0, 1, 2});
  const ChainTip old_tip{s.genesis, {}, {CertifiedBlock{b1, qc1}}};
  auto b2 = s.block(2, 2, b1, qc1);
  std::vector<Bytes> records;
  Vote original;
  {
    auto e = s.engine(0);
    e->start(old_tip, {});
    Actions out = e->on_proposal(b2, /*contents_valid=*/true);
    append(out, s.votes_for(*e, b2, {1, 2}));
    ASSERT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
    append(out, e->on_block_executed(b2->hash()));
    auto b3 = s.block(3, 3, b2, s.qc(b2, {0, 1, 2}));
    append(out, e->on_proposal(b3, /*contents_valid=*/true));
    for (const auto& p : all_of_kind<ActPersist>(out)) records.push_back(p.record);
    auto votes = all_of_kind<ActBroadcastVote>(out);
    ASSERT_FALSE(votes.empty());
    original = votes.back().vote;
    ASSERT_EQ(original.round, 3u);
    ASSERT_EQ(original.height, 3u);
    ASSERT_EQ(original.block_hash, b3->hash());
  }
  auto other = s.block(2, 3, b1, qc1, 5000);  // round 3's leader, at height 2

  // Control: without the records the restarted validator reaches round 3 and votes for `other`.
  {
    auto fresh = s.engine(0);
    fresh->start(old_tip, {});
    s.none_votes(*fresh, 2, 2, {1, 2, 3});
    ASSERT_EQ(fresh->status().round, 3u);
    auto votes = all_of_kind<ActBroadcastVote>(fresh->on_proposal(other, /*contents_valid=*/true));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].vote.block_hash, other->hash());
  }

  auto e = s.engine(0);
  auto started = e->start(old_tip, records);
  EXPECT_EQ(e->status().round, 3u);
  EXPECT_EQ(e->status().height, 2u);
  auto resent = all_of_kind<ActBroadcastVote>(started);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].vote.encode(), original.encode());
  EXPECT_TRUE(all_of_kind<ActPersist>(started).empty());
  // Round 2's proposal (below the record) and round 3's other block get nothing signed.
  for (const auto& b : {b2, other}) {
    auto out = e->on_proposal(b, /*contents_valid=*/true);
    EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());
    EXPECT_TRUE(all_of_kind<ActPersist>(out).empty());
  }
  // Nor does a round-3 timeout: it re-sends the recorded vote.
  auto t = e->on_timeout(Timer{TimerKind::kRound, 2, 3});
  EXPECT_TRUE(all_of_kind<ActPersist>(t).empty());
  // (It also re-sends the votes of its tip's QC, its own round-1 vote among them.)
  size_t own_round3 = 0;
  for (const auto& v : all_of_kind<ActBroadcastVote>(t)) {
    if (v.vote.voter != s.validators[0] || v.vote.round < 2) continue;
    EXPECT_EQ(v.vote.encode(), original.encode());
    ++own_round3;
  }
  EXPECT_GE(own_round3, 1u);
}

// The lock survives a restart even if the certified chain it came from does not: the validator
// saw y certified in round 2 (and voted for y's child in round 3), then restarts from a tip that
// holds only b1. A round-5 proposal on b1 must not get its block vote: had y's child been certified,
// y would be final, and the vote would help a conflicting branch. The lock is in the write-ahead
// record, so the engine refuses.
TEST(LftEngine, LockSurvivesARestartThatLostTheCertifiedChain) {
  Solo4 s;
  auto b1 = s.block(1, 1, s.genesis, {});
  auto qc1 = s.qc(b1, {0, 1, 2});
  auto y = s.block(2, 2, b1, qc1);
  auto qc_y = s.qc(y, {0, 1, 2});
  auto c3 = s.block(3, 3, y, qc_y);
  auto e = s.engine(0);
  e->start(s.tip(), {});
  e->on_proposal(b1, /*contents_valid=*/true);
  s.votes_for(*e, b1, {1, 2});
  e->on_block_executed(b1->hash());
  e->on_proposal(y, /*contents_valid=*/true);
  ASSERT_EQ(all_of_kind<ActExecute>(s.votes_for(*e, y, {1, 2})).size(), 1u);
  e->on_block_executed(y->hash());
  auto out = e->on_proposal(c3, /*contents_valid=*/true);
  auto records = all_of_kind<ActPersist>(out);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(all_of_kind<ActBroadcastVote>(out).at(0).vote.kind, VoteKind::kBlock);

  auto restarted = s.engine(0);
  ChainTip older{s.genesis, {}, {CertifiedBlock{b1, qc1}}};
  restarted->start(older, {records[0].record});
  EXPECT_EQ(restarted->status().round, 3u);
  s.none_votes(*restarted, 3, 3, {1, 2, 3});
  s.none_votes(*restarted, 3, 4, {1, 2, 3});
  ASSERT_EQ(restarted->status().round, 5u);
  auto z = s.block(2, 5, b1, qc1, 5000);
  auto votes = all_of_kind<ActBroadcastVote>(restarted->on_proposal(z, /*contents_valid=*/true));
  for (const auto& v : votes) EXPECT_NE(v.vote.kind, VoteKind::kBlock) << "block vote below the lock after a restart";
}

}  // namespace
}  // namespace cx::consensus
