// Following the validator set across changes (cli/set_chain.hpp): forged changes are refused, each
// with its reason; a genuine chain of changes is followed; the walk is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/set_chain.hpp"
#include "core/block.hpp"
#include "core/test_tx.hpp"
#include "governance/model.hpp"

namespace cx::cli {
namespace {

namespace json = boost::json;
using core::testing::address_of;
using core::testing::test_key;

std::vector<crypto::PrivateKey> keys(std::initializer_list<uint8_t> ns) {
  std::vector<crypto::PrivateKey> out;
  for (uint8_t n : ns) out.push_back(test_key(n));
  return out;
}

core::ValidatorSet set_of(const std::vector<crypto::PrivateKey>& ks) {
  std::vector<core::Address> a;
  for (const auto& k : ks) a.push_back(address_of(k));
  return core::ValidatorSet::unweighted(a);
}

core::QuorumCertificate qc_for(const core::Header& h, const std::vector<crypto::PrivateKey>& signers) {
  core::QuorumCertificate qc{h.height, h.round, h.hash(), {}};
  for (const auto& k : signers) {
    core::Vote v;
    v.height = h.height;
    v.round = h.round;
    v.kind = core::VoteKind::kBlock;
    v.block_hash = h.hash();
    v.voter = address_of(k);
    v.timestamp_us = h.timestamp_us;
    v.signature = crypto::sign(v.signing_hash(), k);
    qc.votes.push_back(v);
  }
  std::sort(qc.votes.begin(), qc.votes.end(), [](const core::Vote& a, const core::Vote& b) { return a.voter < b.voter; });
  return qc;
}

// The change at `height` from `before` to `after` as cx_getValidatorChanges gives it, signed by `signers`.
json::object change(uint64_t height, const core::ValidatorSet& before, const core::ValidatorSet& after,
                    const std::vector<crypto::PrivateKey>& signers) {
  core::Header h;
  h.height = height - 1;
  h.timestamp_us = static_cast<int64_t>(height) * 1'000'000;
  h.validators_hash = before.hash();
  h.set_next_validators(after.hash());
  return json::object{{"height", height},
                      {"header", to_hex(h.encode())},
                      {"qc", to_hex(qc_for(h, signers).encode())},
                      {"validators", governance::model::validators_json(after)}};
}

struct SetChain : ::testing::Test {
  const std::vector<crypto::PrivateKey> k0 = keys({1, 2, 3, 4});     // genesis
  const std::vector<crypto::PrivateKey> k1 = keys({1, 2, 3, 4, 5});  // 5 added at 10
  const std::vector<crypto::PrivateKey> k2 = keys({2, 3, 4, 5});     // 1 removed at 20
  const core::ValidatorSet s0 = set_of(k0), s1 = set_of(k1), s2 = set_of(k2);
  const TrustedSet genesis{0, s0};

  Result<TrustedSet> follow(const json::array& changes, uint64_t up_to, size_t max = kSetChangesMaxDefault) {
    size_t applied = 0;
    return follow_set_changes(genesis, changes, up_to, max, applied);
  }
};

TEST_F(SetChain, FollowsAChainOfChangesEachCertifiedByTheSetBefore) {
  json::array changes{change(10, s0, s1, keys({1, 2, 3})), change(20, s1, s2, keys({2, 3, 4, 5}))};
  auto at15 = follow(changes, 15);
  ASSERT_TRUE(at15) << at15.message();
  EXPECT_EQ(at15->from_height, 10u);
  EXPECT_EQ(at15->set.hash(), s1.hash());
  auto at30 = follow(changes, 30);
  ASSERT_TRUE(at30) << at30.message();
  EXPECT_EQ(at30->from_height, 20u);
  EXPECT_EQ(at30->set.hash(), s2.hash());
  auto at5 = follow(changes, 5);
  ASSERT_TRUE(at5);
  EXPECT_EQ(at5->set.hash(), s0.hash()) << "changes above the height asked are not applied";
}

TEST_F(SetChain, ASetThatDoesNotMatchTheHeadersHashIsRefused) {
  json::object c = change(10, s0, s1, keys({1, 2, 3}));
  c["validators"] = governance::model::validators_json(s2);  // the node lies about the new set
  auto r = follow(json::array{c}, 10);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("do not hash to the set block 9 names"), std::string::npos) << r.message();
}

TEST_F(SetChain, AQcOfTheOldSetAfterTheChangeIsRefused) {
  // Block 19 is certified by the genesis signers 1..3: a quorum of s0 but not of s1 (4 of 5 needed).
  auto r = follow(json::array{change(10, s0, s1, keys({1, 2, 3})), change(20, s1, s2, keys({1, 2, 3}))}, 30);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("change at height 20: the QC of block 19 is not signed by a quorum of the set in force"),
            std::string::npos)
      << r.message();
  // A block after the change that still names the removed set (the old set forging on) is refused.
  auto forged = follow(json::array{change(10, s0, s1, keys({1, 2, 3})), change(20, s0, s2, keys({1, 2, 3}))}, 30);
  ASSERT_FALSE(forged);
  EXPECT_NE(forged.message().find("block 19 names a validator set other than the one in force"), std::string::npos)
      << forged.message();
}

TEST_F(SetChain, TooManyChangesAreRefused) {
  json::array changes{change(10, s0, s1, keys({1, 2, 3})), change(20, s1, s2, keys({2, 3, 4, 5}))};
  auto r = follow(changes, 30, /*max=*/1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("more than 1 validator-set changes"), std::string::npos) << r.message();
  EXPECT_TRUE(follow(changes, 15, /*max=*/1)) << "one change to follow is within the bound";
}

TEST_F(SetChain, ForgedHeadersAndQcsAreRefusedWithTheirReason) {
  auto refused = [&](json::object c, const std::string& why) {
    auto r = follow(json::array{c}, 100);
    ASSERT_FALSE(r) << why;
    EXPECT_NE(r.message().find(why), std::string::npos) << r.message();
  };
  json::object wrong_height = change(10, s0, s1, keys({1, 2, 3}));
  wrong_height["height"] = 11;
  refused(wrong_height, "the header is not block 10's");
  refused(change(10, s0, s0, keys({1, 2, 3})), "names no change of the validator set");
  refused(change(10, s0, s1, keys({1, 2})), "not signed by a quorum of the set in force");
  refused(change(10, s0, s1, keys({5, 6, 7})), "not signed by a quorum of the set in force");
  json::object other_qc = change(10, s0, s1, keys({1, 2, 3}));
  other_qc["qc"] = change(12, s0, s1, keys({1, 2, 3})).at("qc");
  refused(other_qc, "the QC is not for block 9");
  json::object garbage = change(10, s0, s1, keys({1, 2, 3}));
  garbage["header"] = "zz";
  refused(garbage, "does not decode");
  json::object huge = change(10, s0, s1, keys({1, 2, 3}));
  huge["qc"] = std::string(1'000'000, 'a');
  refused(huge, "too large");
  refused(change(1, s0, s1, keys({1, 2, 3})), "not after the set in force");
  // The same change twice: the second is not after the set now in force.
  auto twice = follow(json::array{change(10, s0, s1, keys({1, 2, 3})), change(10, s0, s1, keys({1, 2, 3}))}, 100);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.message().find("not after the set in force from height 10"), std::string::npos) << twice.message();
}

TEST_F(SetChain, ACheckpointRoundTripsAndADamagedOneIsRefused) {
  const TrustedSet t{20, s2};
  auto back = parse_checkpoint(checkpoint_json(t));
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->from_height, 20u);
  EXPECT_EQ(back->set.hash(), s2.hash());
  json::value v = json::parse(checkpoint_json(t));
  v.as_object()["validators"] = governance::model::validators_json(s1);
  auto damaged = parse_checkpoint(json::serialize(v));
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.message().find("not the hash of its validators"), std::string::npos) << damaged.message();
  EXPECT_FALSE(parse_checkpoint("[]"));
  // From the checkpoint, only later changes apply and must be certified by its set.
  size_t applied = 0;
  auto r = follow_set_changes(t, json::array{change(30, s2, s1, keys({2, 3, 4}))}, 40, 10, applied);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->set.hash(), s1.hash());
}

TEST_F(SetChain, ATrustAnchorGivesTheNextSetOfTheTrustedBlock) {
  core::Header h;
  h.height = 19;
  h.validators_hash = s1.hash();
  h.set_next_validators(s2.hash());
  json::object reply{{"header", to_hex(h.encode())}, {"nextValidators", governance::model::validators_json(s2)}};
  auto t = anchor_from_header(reply, 19, h.hash());
  ASSERT_TRUE(t) << t.message();
  EXPECT_EQ(t->from_height, 20u);
  EXPECT_EQ(t->set.hash(), s2.hash());
  auto other_block = anchor_from_header(reply, 19, s0.hash());
  ASSERT_FALSE(other_block);
  EXPECT_NE(other_block.message().find("is not the trusted"), std::string::npos) << other_block.message();
  EXPECT_FALSE(anchor_from_header(reply, 18, h.hash())) << "the header must be the block at the trusted height";
  reply["nextValidators"] = governance::model::validators_json(s1);
  auto lie = anchor_from_header(reply, 19, h.hash());
  ASSERT_FALSE(lie);
  EXPECT_NE(lie.message().find("do not hash to the next set block 19 names"), std::string::npos) << lie.message();
}

// Pages of cx_getValidatorChanges as a node gives them: `per_page` changes from the height asked.
ChangesPage pages_of(const json::array& all, size_t per_page, size_t* calls) {
  return [&all, per_page, calls](uint64_t from) -> Result<json::value> {
    ++*calls;
    json::array page;
    json::object out;
    for (const auto& c : all) {
      const uint64_t h = c.at("height").to_number<uint64_t>();
      if (h < from) continue;
      if (page.size() == per_page) {
        out["next"] = h;
        break;
      }
      page.push_back(c);
    }
    out["changes"] = std::move(page);
    return json::value(std::move(out));
  };
}

TEST_F(SetChain, WalksPageByPageAndRefusesAPageThatDoesNotMoveForward) {
  // Twenty changes alternating s1 <-> s2 after the first, read two at a time.
  json::array all{change(10, s0, s1, keys({1, 2, 3}))};
  for (uint64_t i = 1; i < 20; ++i) {
    const bool to_s2 = i % 2 == 1;
    all.push_back(change(10 * (i + 1), to_s2 ? s1 : s2, to_s2 ? s2 : s1, to_s2 ? keys({1, 2, 3, 4}) : keys({2, 3, 4})));
  }
  size_t calls = 0, applied = 0;
  auto r = walk_set_pages(pages_of(all, 2, &calls), genesis, 1000, 100, &applied);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(applied, 20u);
  EXPECT_EQ(calls, 10u);
  EXPECT_EQ(r->from_height, 200u);
  EXPECT_EQ(r->set.hash(), s2.hash());
  calls = 0;
  auto partial = walk_set_pages(pages_of(all, 2, &calls), genesis, 55, 100, &applied);
  ASSERT_TRUE(partial) << partial.message();
  EXPECT_EQ(partial->from_height, 50u);
  EXPECT_EQ(calls, 3u) << "pages past the height asked are not fetched";
  // A node that answers every page with the same "next" is cut off.
  auto stuck = [&](uint64_t) -> Result<json::value> { return json::value(json::object{{"changes", json::array{}}, {"next", 10}}); };
  auto s = walk_set_pages(stuck, genesis, 1000, 100);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("does not move forward"), std::string::npos) << s.message();
  auto bounded = walk_set_pages(pages_of(all, 2, &calls), genesis, 1000, 5);
  ASSERT_FALSE(bounded);
  EXPECT_NE(bounded.message().find("more than 5 validator-set changes"), std::string::npos) << bounded.message();
}

// K changes alternating between two sets of n validators, each signed by a quorum of the set before:
// all are followed, and the time per change is printed (docs/ca.md "How long a walk takes").
TEST(SetChainWalk, FollowsAThousandChangesAndReportsTheTime) {
  for (size_t n : {4u, 16u}) {
    std::vector<crypto::PrivateKey> a, b;
    for (size_t i = 0; i < n; ++i) {
      a.push_back(test_key(static_cast<uint8_t>(1 + i)));
      b.push_back(test_key(static_cast<uint8_t>(2 + i)));  // one validator swapped
    }
    const core::ValidatorSet sa = set_of(a), sb = set_of(b);
    const size_t quorum = static_cast<size_t>(sa.quorum());
    const size_t k = 1000;
    json::array changes;
    for (size_t i = 0; i < k; ++i) {
      const bool even = i % 2 == 0;
      const auto& signers = even ? a : b;
      changes.push_back(change(10 * (i + 1), even ? sa : sb, even ? sb : sa,
                               std::vector<crypto::PrivateKey>(signers.begin(), signers.begin() + static_cast<long>(quorum))));
    }
    size_t applied = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = follow_set_changes(TrustedSet{0, sa}, changes, 10 * k, k, applied);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(applied, k);
    EXPECT_EQ(r->set.hash(), sa.hash());
    std::printf("set walk: %zu changes of %zu validators (quorum %zu signatures each) in %lld ms, %lld us a change\n", k, n,
                quorum, static_cast<long long>(us / 1000), static_cast<long long>(us / static_cast<long long>(k)));
  }
}

}  // namespace
}  // namespace cx::cli
