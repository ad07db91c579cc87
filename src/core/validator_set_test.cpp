#include "core/validator_set.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/block.hpp"

namespace cx::core {
namespace {

Address addr(uint8_t i) {
  Address a;
  a.id.bytes[19] = i;
  a.id.bytes[0] = 0x42;
  return a;
}

std::vector<Address> addrs(size_t n) {
  std::vector<Address> out;
  for (size_t i = 0; i < n; ++i) out.push_back(addr(static_cast<uint8_t>(i + 1)));
  return out;
}

ValidatorSet make(std::vector<Validator> vs) {
  auto s = ValidatorSet::make(std::move(vs));
  EXPECT_TRUE(s.is_ok()) << (s ? "" : s.message());
  return std::move(*s);
}

TEST(ValidatorSet, UnweightedMatchesTheOldArithmeticScheduleAndHash) {
  for (size_t n = 1; n <= 40; ++n) {
    auto list = addrs(n);
    auto set = ValidatorSet::unweighted(list);
    const size_t f = (n - 1) / 3;
    EXPECT_EQ(set.max_faulty(), f) << n;
    EXPECT_EQ(set.quorum(), n - f) << n;
    // 3·w > 2·W is the quorum, in integers.
    EXPECT_TRUE(3 * set.quorum() > 2 * n) << n;
    EXPECT_FALSE(3 * (set.quorum() - 1) > 2 * n) << n;
    for (uint32_t r = 0; r < 3 * n + 2; ++r) EXPECT_EQ(set.leader(r), list[r % n]) << n << " " << r;
    EXPECT_EQ(set.hash(), validators_hash(list));
  }
}

TEST(ValidatorSet, WeightedQuorumIsStrictlyMoreThanTwoThirdsOfTheWeight) {
  // Weights 5, 1, 1, 1: W = 8, a quorum needs 3·w > 16, so w >= 6: the heavy one plus one other.
  auto v = addrs(4);
  auto set = make({{v[0], 5, {}}, {v[1], 1, {}}, {v[2], 1, {}}, {v[3], 1, {}}});
  EXPECT_EQ(set.total_weight(), 8u);
  EXPECT_EQ(set.quorum(), 6u);
  EXPECT_EQ(set.max_faulty(), 2u);
  EXPECT_EQ(set.weight_of({v[0], v[1]}), 6u);
  EXPECT_EQ(set.weight_of({v[1], v[2], v[3]}), 3u);  // three of four validators are not a quorum
  EXPECT_LT(set.weight_of({v[1], v[2], v[3]}), set.quorum());
  EXPECT_EQ(set.weight_of({v[0], v[0], addr(99)}), 5u);  // a voter listed twice counts once; non-members 0
  EXPECT_NE(set.hash(), validators_hash(v));
  // Exhaustively: any two quorums overlap in more than the tolerated faulty weight.
  for (unsigned a = 0; a < 16; ++a)
    for (unsigned b = 0; b < 16; ++b) {
      std::vector<Address> qa, qb, both;
      for (unsigned i = 0; i < 4; ++i) {
        if (a >> i & 1) qa.push_back(v[i]);
        if (b >> i & 1) qb.push_back(v[i]);
        if ((a & b) >> i & 1) both.push_back(v[i]);
      }
      if (set.weight_of(qa) >= set.quorum() && set.weight_of(qb) >= set.quorum())
        EXPECT_GT(set.weight_of(both), set.max_faulty());
    }
}

TEST(ValidatorSet, AGroupCountsOnceWithAMajorityOfItsMembers) {
  // Group "bank" of three nodes, weight 3; two single validators of weight 1. W = 5, Q = 4.
  auto v = addrs(5);
  auto set = make({{v[0], 3, "bank"}, {v[1], 3, "bank"}, {v[2], 3, "bank"}, {v[3], 1, {}}, {v[4], 1, {}}});
  EXPECT_EQ(set.identity_count(), 3u);
  EXPECT_EQ(set.total_weight(), 5u);
  EXPECT_EQ(set.quorum(), 4u);
  EXPECT_EQ(set.weight_of({v[0]}), 0u);              // one of three members: the group does not count
  EXPECT_EQ(set.weight_of({v[0], v[1]}), 3u);        // two of three: it does, once
  EXPECT_EQ(set.weight_of({v[0], v[1], v[2]}), 3u);  // all three: still once
  EXPECT_EQ(set.weight_of({v[0], v[1], v[3]}), 4u);
  EXPECT_EQ(set.present_weight({v[0]}), 3u);
  // A group of two needs both (strictly more than half).
  auto pair = make({{v[0], 2, "g"}, {v[1], 2, "g"}, {v[2], 1, {}}});
  EXPECT_EQ(pair.weight_of({v[0], v[2]}), 1u);
  EXPECT_EQ(pair.weight_of({v[0], v[1]}), 2u);
}

TEST(ValidatorSet, LeaderScheduleGivesEachIdentityItsWeightPerCycleSpreadOut) {
  auto v = addrs(4);
  auto set = make({{v[0], 3, {}}, {v[1], 1, {}}, {v[2], 2, "g"}, {v[3], 2, "g"}});
  const uint64_t w = set.total_weight();
  ASSERT_EQ(w, 6u);
  std::map<Address, size_t> led;
  for (uint32_t r = 0; r < 2 * w; ++r) ++led[set.leader(r)];
  EXPECT_EQ(led[v[0]], 6u);  // 3 per cycle
  EXPECT_EQ(led[v[1]], 2u);
  EXPECT_EQ(led[v[2]] + led[v[3]], 4u);  // the group leads 2 per cycle, its members take turns
  EXPECT_EQ(led[v[2]], 2u);
  // Spread out: the heaviest identity never leads more than twice in a row here (smooth WRR).
  size_t run = 0, longest = 0;
  for (uint32_t r = 0; r < 60; ++r) {
    run = set.leader(r) == v[0] ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  EXPECT_LE(longest, 2u);
  // Deterministic: the same list gives the same schedule.
  auto again = make(set.validators());
  for (uint32_t r = 0; r < 100; ++r) EXPECT_EQ(again.leader(r), set.leader(r));
}

TEST(ValidatorSet, RefusesBadSetsWithAReason) {
  auto v = addrs(3);
  auto err = [](std::vector<Validator> vs) {
    auto s = ValidatorSet::make(std::move(vs));
    return s ? std::string() : s.message();
  };
  EXPECT_NE(err({}).find("1..1000"), std::string::npos);
  EXPECT_NE(err({{v[0], 1, {}}, {v[0], 1, {}}}).find("listed twice"), std::string::npos);
  EXPECT_NE(err({{v[0], 0, {}}}).find("weight 0"), std::string::npos);
  EXPECT_NE(err({{v[0], kValidatorWeightMax + 1, {}}}).find("outside"), std::string::npos);
  EXPECT_NE(err({{v[0], 2, "g"}, {v[1], 3, "g"}}).find("another member"), std::string::npos);
  EXPECT_NE(err({{v[0], 1, "Bad Name"}}).find("group names"), std::string::npos);
  Address contract = v[1];
  contract.is_contract = true;
  EXPECT_NE(err({{contract, 1, {}}}).find("contract"), std::string::npos);
  std::vector<Validator> heavy;
  for (uint8_t i = 0; i < 3; ++i) heavy.push_back({v[i], kValidatorWeightMax, {}});
  EXPECT_NE(err(heavy).find("total weight"), std::string::npos);
}

TEST(ValidatorSchedule, SetInForceByHeightAndSwitchPoints) {
  auto v = addrs(5);
  auto a = ValidatorSet::unweighted({v[0], v[1], v[2], v[3]});
  auto b = ValidatorSet::unweighted({v[0], v[1], v[2], v[3], v[4]});
  auto s = ValidatorSchedule::make({{0, a}, {10, b}, {20, a}});
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->at(0), a);
  EXPECT_EQ(s->at(9), a);
  EXPECT_EQ(s->at(10), b);
  EXPECT_EQ(s->at(19), b);
  EXPECT_EQ(s->at(1000), a);
  EXPECT_FALSE(s->changes_after(8));
  EXPECT_TRUE(s->changes_after(9));
  EXPECT_FALSE(s->changes_after(10));
  EXPECT_TRUE(s->changes_after(19));
  EXPECT_FALSE(ValidatorSchedule::make({{5, a}}).is_ok());
  EXPECT_FALSE(ValidatorSchedule::make({{0, a}, {0, b}}).is_ok());
  EXPECT_FALSE(ValidatorSchedule::make({}).is_ok());
  // An entry that repeats the set before it is no switch.
  auto same = ValidatorSchedule::make({{0, a}, {10, a}});
  EXPECT_FALSE(same->changes_after(9));
}

TEST(Header, NextValidatorsAreEncodedOnlyWhenTheyChange) {
  Header h;
  h.height = 9;
  h.validators_hash = ValidatorSet::unweighted(addrs(4)).hash();
  h.set_next_validators(h.validators_hash);
  EXPECT_EQ(h.version, kBlockVersion);
  const Hash32 v1 = h.hash();
  Header old = h;
  old.next_validators_hash = Hash32{};  // not encoded in version 1: the hash is as before
  EXPECT_EQ(old.hash(), v1);
  h.set_next_validators(ValidatorSet::unweighted(addrs(5)).hash());
  EXPECT_EQ(h.version, kBlockVersionNextValidators);
  EXPECT_NE(h.hash(), v1);
  EXPECT_EQ(h.next_validators(), ValidatorSet::unweighted(addrs(5)).hash());
  EXPECT_EQ(old.next_validators(), old.validators_hash);
}

}  // namespace
}  // namespace cx::core
