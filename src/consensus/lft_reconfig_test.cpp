// The LFT engine with weighted validators and sets that change at heights (lft_engine.cpp,
// "Changing the validator set"; docs/architecture.md): clusters of engines (lft_cluster_test.hpp)
// across a switch, and certificates checked against the set in force at their height.
#include "consensus/lft_cluster_test.hpp"

namespace cx::consensus {
namespace {
using namespace lft_test;

core::ValidatorSet set_of(std::vector<core::Validator> vs) {
  auto s = core::ValidatorSet::make(std::move(vs));
  EXPECT_TRUE(s.is_ok()) << (s ? "" : s.message());
  return std::move(*s);
}

core::ValidatorSet unweighted(const std::vector<Address>& as) { return core::ValidatorSet::unweighted(as); }

core::ValidatorSchedule schedule(std::vector<core::ValidatorEpoch> epochs) {
  auto s = core::ValidatorSchedule::make(std::move(epochs));
  EXPECT_TRUE(s.is_ok());
  return std::move(*s);
}

// Runs the cluster for `steps` more steps (or until nothing is left to do).
void run_for(Cluster& c, size_t steps) {
  for (size_t s = 0; s < steps && c.step(); ++s) {
  }
}

const QuorumCertificate& commit_qc(const Cluster& c, size_t node, uint64_t height) {
  return c.nodes[node].commits.at(height - 1).second;
}

TEST(LftReconfig, AValidatorJoinsAndTheLastBlockOfTheOldSetIsSealedInOneExtraRound) {
  Cluster c(4, 1);
  std::vector<Address> five = c.validators;
  five.push_back(c.nodes[4].addr);
  c.schedule = schedule({{0, unweighted(c.validators)}, {5, unweighted(five)}});
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(10, c.everyone()); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
  const auto& commits = c.nodes[0].commits;
  // Block 4 is the old set's last: its header names the next set, and a seal QC made it final.
  EXPECT_EQ(commits[3].first->header.version, core::kBlockVersionNextValidators);
  EXPECT_EQ(commits[3].first->header.next_validators(), unweighted(five).hash());
  EXPECT_TRUE(is_seal_qc(commit_qc(c, 0, 4)));
  EXPECT_EQ(commit_qc(c, 0, 4).round, commits[3].first->header.round + 1);
  // Block 5 is the new set's first, carries the seal QC, and came one round later than without a
  // change (block 4 in round 4, sealed in round 5, block 5 in round 6).
  EXPECT_EQ(commits[4].first->header.validators_hash, unweighted(five).hash());
  EXPECT_TRUE(is_seal_qc(commits[4].first->prev_qc));
  EXPECT_EQ(commits[3].first->header.round, 4u);
  EXPECT_EQ(commits[4].first->header.round, 6u);
  for (size_t h = 6; h <= 10; ++h) EXPECT_EQ(commits[h - 1].first->header.round, h + 1);
  // The new validator signed nothing before its term and votes in it.
  bool voted_in_term = false;
  for (const auto& v : c.nodes[4].own_votes) {
    EXPECT_GE(v.height, 5u);
    voted_in_term = true;
  }
  EXPECT_TRUE(voted_in_term);
  for (uint64_t h = 5; h <= 9; ++h) EXPECT_TRUE(verify_qc(commit_qc(c, 0, h), unweighted(five)));
}

TEST(LftReconfig, ARemovedValidatorMayStopOnceItsTermIsOver) {
  Cluster c(4);
  const std::vector<Address> three(c.validators.begin(), c.validators.begin() + 3);
  c.schedule = schedule({{0, unweighted(c.validators)}, {5, unweighted(three)}});
  c.start_all();
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(5, c.everyone()); }));
  c.crash(3);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(12, {0, 1, 2}); }));
  c.expect_consistent();
  for (const auto& v : c.nodes[3].own_votes) EXPECT_LE(v.height, 4u) << "a removed validator signed in the new term";
  // Three validators, f = 0: every QC of the new term holds all three.
  for (uint64_t h = 6; h <= 11; ++h) EXPECT_EQ(commit_qc(c, 0, h).votes.size(), 3u);
}

TEST(LftReconfig, AReweightChangesWhoHasAQuorum) {
  Cluster c(4);
  // From height 5 validator 0 weighs 2 of W = 5 (Q = 4): the other three (3 of 4 before) are not enough.
  auto v = c.validators;
  c.schedule = schedule({{0, unweighted(v)}, {5, set_of({{v[0], 2, {}}, {v[1], 1, {}}, {v[2], 1, {}}, {v[3], 1, {}}})}});
  c.crash(0);  // validator 0 is down
  for (size_t i = 1; i < 4; ++i) c.start(i);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(4, {1, 2, 3}); }));
  run_for(c, 20000);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(c.nodes[i].commits.size(), 4u) << "weight 3 of 5 certified a block";
  c.start(0);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(10, c.everyone()); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
}

TEST(LftReconfig, AGroupVotesAsOneIdentityAndIsSplitAgain) {
  Cluster c(4);
  auto v = c.validators;
  // Heights 3..7: validators 2 and 3 are one identity of weight 2 (W = 4, Q = 3), counted only when
  // both sign. From 8 they are split again.
  auto grouped = set_of({{v[0], 1, {}}, {v[1], 1, {}}, {v[2], 2, "pair"}, {v[3], 2, "pair"}});
  c.schedule = schedule({{0, unweighted(v)}, {3, grouped}, {8, unweighted(v)}});
  c.crash(3);  // validator 3 is down: the pair does not count
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(2, {0, 1, 2}); }));
  run_for(c, 20000);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(c.nodes[i].commits.size(), 2u) << "a group counted with one of two members";
  c.start(3);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(12, c.everyone()); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
  EXPECT_TRUE(is_seal_qc(commit_qc(c, 0, 2)));
  EXPECT_TRUE(is_seal_qc(commit_qc(c, 0, 7)));
  for (uint64_t h = 3; h <= 6; ++h) EXPECT_TRUE(verify_qc(commit_qc(c, 0, h), grouped));
}

TEST(LftReconfig, ANodeDownAcrossTwoChangesCatchesUpAndJoins) {
  Cluster c(4, 1);
  auto v = c.validators;
  const Address joiner = c.nodes[4].addr;
  std::vector<Address> five = v, last = {v[1], v[2], v[3], joiner};
  five.push_back(joiner);
  c.schedule = schedule({{0, unweighted(v)}, {4, unweighted(five)}, {8, unweighted(last)}});
  c.crash(4);
  for (size_t i = 0; i < 4; ++i) c.start(i);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(11, {0, 1, 2, 3}); }));
  c.start(4);
  ASSERT_NO_FATAL_FAILURE(c.run_until([&] { return c.all_committed(16, {1, 2, 3, 4}); }));
  c.expect_consistent();
  c.expect_one_vote_per_round();
  bool signed_late = false;
  for (const auto& vote : c.nodes[4].own_votes) signed_late |= vote.height > 11;
  EXPECT_TRUE(signed_late);
}

TEST(LftReconfig, CertificatesAreCheckedAgainstTheSetInForceAtTheirHeight) {
  Cluster c(4, 1);
  auto v = c.validators;
  std::vector<crypto::PrivateKey> keys;
  for (size_t i = 0; i < 4; ++i) keys.push_back(c.nodes[i].key);
  const auto later = unweighted({v[0], c.nodes[4].addr, v[2], v[3]});
  const auto sched = schedule({{0, unweighted(v)}, {5, later}});
  auto genesis = make_genesis();
  auto b = make_block(6, 6, genesis, {}, keys[2], v);
  auto b4 = make_block(4, 4, genesis, {}, keys[0], v);
  // Validators 0..2: a quorum at height 4, not at height 6 (validator 1 left at 5).
  EXPECT_TRUE(verify_qc(make_qc(b4, {keys[0], keys[1], keys[2]}), sched));
  EXPECT_FALSE(verify_qc(make_qc(b, {keys[0], keys[1], keys[2]}), sched));
  EXPECT_TRUE(verify_qc(make_qc(b, {keys[0], keys[2], keys[3]}), sched));
  // Seal and block votes are not mixed in one certificate.
  QuorumCertificate mixed = make_qc(b, {keys[0], keys[2], keys[3]});
  mixed.votes[0].kind = VoteKind::kSeal;
  EXPECT_FALSE(verify_qc(mixed, unweighted(v)));
}

}  // namespace
}  // namespace cx::consensus
