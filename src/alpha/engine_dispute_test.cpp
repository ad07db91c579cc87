// The dispute ladder on the manufacturing order (Virtual Person -> referee -> 2-of-3 panel): each
// rung, silence, appeals, bonds conserved, attestation challenges within the dispute window, and the
// refusals (a ruling by a non-arbiter, an appeal after the window, a short bond). Also the checker's
// dispute rules.
#include "alpha/checker.hpp"
#include "alpha/engine_test_util.hpp"

namespace cx::alpha::test {
namespace {

// Bonds of the order (price 1,000,000): opening 50 bps, the referee 100 bps, the panel 200 bps.
constexpr uint64_t kOpenBond = 5'000, kRefereeBond = 10'000, kPanelBond = 20'000;
constexpr uint64_t kEscrowAtDelivery = 500'000;

Sim order_at_delivery() { return order_until_delivery(); }

void expect_refused(Sim& s, const Result& r, const std::string& words) {
  ASSERT_FALSE(s.apply(r)) << "accepted; wanted a refusal with: " << words;
  EXPECT_NE(s.error.find(words), std::string::npos) << s.error;
}

TEST(AlphaDispute, ChallengedInspectionVirtualPersonRulesAndNobodyAppeals) {
  Sim s = order_at_delivery();
  s.now = kT0 + 79 * kDay;
  ASSERT_TRUE(s.att(kCarrier, "delivered")) << s.error;
  s.advance(s.now + 3 * kDay);  // the delivery's window passes unchallenged
  ASSERT_TRUE(s.att(kInspector, "inspected", {{"fields", {{"defect_rate", 10000}}}})) << s.error;
  EXPECT_EQ(s.inst.stage, "inspection");  // its effect waits for the window
  expect_refused(s, attest(s.t, s.inst, {s.now, kInspector}, "inspected", "again", {{"fields", {{"defect_rate", 0}}}}),
                 "dispute window runs until");
  expect_refused(s, open_dispute(s.t, s.inst, {s.now, kCarrier}), "may not open a dispute");
  expect_refused(s, open_dispute(s.t, s.inst, {s.now, kBuyer}, "COIN", Uint256(kOpenBond - 1)), "bond of rung 0 is exactly 5000");
  s.now += kDay;
  ASSERT_TRUE(s.dispute_as(kBuyer, kOpenBond)) << s.error;
  EXPECT_EQ(s.inst.status, Status::kDisputed);
  EXPECT_EQ(s.inst.dispute.challenged, "inspected");
  // The Virtual Person rules at once: on time and within the defect limit, row 1.
  EXPECT_EQ(s.inst.dispute.ruling, "seller_wins");
  EXPECT_EQ(s.inst.dispute.rule, "virtual_person rows[1]");
  expect_refused(s, rule(s.t, s.inst, {s.now, kReferee}, "buyer_wins"), "has ruled seller_wins");
  s.advance(s.inst.dispute.appeal_by);  // nobody appeals within 7 days: final
  s.expect_closed("closed_by_ruling");
  EXPECT_EQ(s.got(kSeller), Uint256(500'000 - 1'500 + kEscrowAtDelivery + kOpenBond));  // the buyer's bond forfeited
  EXPECT_EQ(s.got(kBuyer), Uint256(0));
  EXPECT_EQ(s.inst.dispute.trail, std::vector<std::string>{"rung 0 virtual_person: seller_wins (virtual_person rows[1])"});
}

TEST(AlphaDispute, AppealsClimbToAPanelThatRulesTwoOfThree) {
  Sim s = order_at_delivery();
  ASSERT_TRUE(s.dispute_as(kBuyer, kOpenBond)) << s.error;  // before delivery: no row can hold
  EXPECT_EQ(s.inst.dispute.ruling, "split");
  EXPECT_EQ(s.inst.dispute.rule, "virtual_person default");
  expect_refused(s, rule(s.t, s.inst, {s.now, kBuyer}, "buyer_wins"), "has ruled split");
  expect_refused(s, appeal(s.t, s.inst, {s.now, kCarrier}, "COIN", Uint256(kRefereeBond)), "may not appeal");
  expect_refused(s, appeal(s.t, s.inst, {s.now, kBuyer}, "COIN", Uint256(kOpenBond)), "bond of rung 1 is exactly 10000");
  s.now += kDay;
  ASSERT_TRUE(s.appeal_as(kBuyer, kRefereeBond)) << s.error;
  EXPECT_EQ(s.inst.dispute.rung, 1u);
  expect_refused(s, rule(s.t, s.inst, {s.now, kBuyer}, "buyer_wins"), "is not an arbiter of rung 1 ('referee')");
  expect_refused(s, rule(s.t, s.inst, {s.now, kPanel1}, "buyer_wins"), "is not an arbiter of rung 1");
  expect_refused(s, rule(s.t, s.inst, {s.now, kReferee}, "nobody_wins"), "no outcome 'nobody_wins'");
  ASSERT_TRUE(s.rule_as(kReferee, "buyer_wins")) << s.error;
  EXPECT_EQ(s.inst.status, Status::kDisputed);  // appealable for 7 days
  s.now += 2 * kDay;
  ASSERT_TRUE(s.appeal_as(kSeller, kPanelBond)) << s.error;
  EXPECT_EQ(s.inst.dispute.rung, 2u);
  expect_refused(s, rule(s.t, s.inst, {s.now, kReferee}, "seller_wins"), "is not an arbiter of rung 2 ('panel')");
  ASSERT_TRUE(s.rule_as(kPanel1, "buyer_wins")) << s.error;
  expect_refused(s, rule(s.t, s.inst, {s.now, kPanel1}, "seller_wins"), "has already voted");
  ASSERT_TRUE(s.rule_as(kPanel2, "seller_wins")) << s.error;
  EXPECT_EQ(s.inst.status, Status::kDisputed);  // 1 vote each: no quorum yet
  ASSERT_TRUE(s.rule_as(kPanel3, "buyer_wins")) << s.error;  // 2 of 3: the last rung, final at once
  s.expect_closed("closed_by_ruling");
  // The buyer: the escrow back, its own bonds back, and the seller's panel bond.
  EXPECT_EQ(s.got(kBuyer), Uint256(kEscrowAtDelivery + kOpenBond + kRefereeBond + kPanelBond));
  ASSERT_EQ(s.inst.dispute.trail.size(), 3u);
  EXPECT_EQ(s.inst.dispute.trail[1], "rung 1 referee: buyer_wins (referee " + kReferee + ")");
  EXPECT_EQ(s.inst.dispute.trail[2], "rung 2 panel: buyer_wins (panel 2 of 3)");
}

TEST(AlphaDispute, SilentRungsRuleTheirDefaultAndBondsComeBackOnASplit) {
  Sim s = order_at_delivery();
  ASSERT_TRUE(s.dispute_as(kSeller, kOpenBond)) << s.error;
  ASSERT_TRUE(s.appeal_as(kSeller, kRefereeBond)) << s.error;
  s.advance(s.now + 14 * kDay);  // the referee stays silent: the silence default
  EXPECT_EQ(s.inst.dispute.ruling, "split");
  EXPECT_EQ(s.inst.dispute.rule, "silence default");
  expect_refused(s, rule(s.t, s.inst, {s.now, kReferee}, "seller_wins"), "has ruled split");
  ASSERT_TRUE(s.appeal_as(kBuyer, kPanelBond)) << s.error;
  ASSERT_TRUE(s.rule_as(kPanel1, "seller_wins")) << s.error;
  s.advance(s.now + 21 * kDay);  // the panel never reaches its quorum: its default
  s.expect_closed("closed_by_ruling");
  // A split favours nobody: every bond goes back; the escrow is halved.
  EXPECT_EQ(s.got(kBuyer), Uint256(kEscrowAtDelivery / 2 + kPanelBond));
  EXPECT_EQ(s.inst.dispute.trail.back(), "rung 2 panel: split (silence default)");
}

TEST(AlphaDispute, LateAppealsAndLateRulingsAreRefused) {
  Sim s = order_at_delivery();
  ASSERT_TRUE(s.dispute_as(kBuyer, kOpenBond)) << s.error;
  Sim late = s;
  late.now = s.inst.dispute.appeal_by;  // the window's timer may still be queued in this block
  expect_refused(late, appeal(late.t, late.inst, {late.now, kBuyer}, "COIN", Uint256(kRefereeBond)), "appeal window closed");
  late.advance(late.now);
  late.expect_closed("closed_by_ruling");
  expect_refused(late, appeal(late.t, late.inst, {late.now, kBuyer}, "COIN", Uint256(kRefereeBond)), "not in dispute");

  ASSERT_TRUE(s.appeal_as(kBuyer, kRefereeBond)) << s.error;
  s.now += 14 * kDay;  // the referee's time passed; its silence timer is still queued
  expect_refused(s, rule(s.t, s.inst, {s.now, kReferee}, "buyer_wins"), "time to rule passed");
}

TEST(AlphaDispute, DisputesOpenOnlyWhereTheTemplateSaysOrAgainstAFreshAttestation) {
  Sim s = order_at_delivery();
  s.now = kT0 + 79 * kDay;
  ASSERT_TRUE(s.att(kCarrier, "delivered")) << s.error;
  Sim passed = s;
  passed.advance(s.now + 3 * kDay);  // the window passed: the order moved on to the inspection
  EXPECT_EQ(passed.inst.stage, "inspection");
  ASSERT_TRUE(s.dispute_as(kSeller, kOpenBond)) << s.error;  // against the delivery, in its window
  EXPECT_EQ(s.inst.dispute.challenged, "delivered");
  EXPECT_TRUE(s.inst.tokens.empty());  // the delivery's effect never happened

  Sim early = order_at_delivery();
  early.inst.tokens = {"sample"};  // the same order, back in a stage outside `during`
  early.inst.stage = "sample";
  early.inst.timers.clear();
  expect_refused(early, open_dispute(early.t, early.inst, {early.now, kBuyer}, "COIN", Uint256(kOpenBond)),
                 "no dispute can open in stage 'sample'");
}

// The auction: a bidder disputes an owner who does not award; the referee's single rung is final.
Sim auction_awaiting_award() {
  json::object params{{"reserve", "100"}, {"bids_close", kT0 + 5 * kDay}, {"award_within", "P2D"}};
  json::object parties{{"owner", addr(0x10)}, {"referee", addr(0x11)}, {"bidder", json::array{addr(0x21), addr(0x22), addr(0x23)}}};
  Sim s("auction", params, parties);
  EXPECT_TRUE(s.sign_all()) << s.error;
  EXPECT_TRUE(s.pay(addr(0x21), 150)) << s.error;
  EXPECT_TRUE(s.pay(addr(0x22), 200)) << s.error;
  s.advance(kT0 + 5 * kDay);
  EXPECT_EQ(s.inst.stage, "awarding");
  return s;
}

TEST(AlphaDispute, AuctionBidderDisputesTheAwardEachOutcomeAndSilence) {
  const std::string owner = addr(0x10), referee = addr(0x11), b1 = addr(0x21), b2 = addr(0x22);
  Sim s = auction_awaiting_award();
  expect_refused(s, open_dispute(s.t, s.inst, {s.now, referee}, "COIN", Uint256(5)), "may not open a dispute");
  ASSERT_TRUE(s.dispute_as(b1, 5)) << s.error;  // 5 % of the reserve
  ASSERT_TRUE(s.rule_as(referee, "return_bids")) << s.error;
  s.expect_closed("not_awarded");
  EXPECT_EQ(s.got(b1), Uint256(150 + 5));  // its bid and its bond
  EXPECT_EQ(s.got(b2), Uint256(200));

  Sim a = auction_awaiting_award();
  ASSERT_TRUE(a.dispute_as(b1, 5)) << a.error;
  ASSERT_TRUE(a.rule_as(referee, "award_stands")) << a.error;
  EXPECT_EQ(a.inst.stage, "awarding");  // back to the owner's decision
  EXPECT_EQ(a.got(referee), Uint256(5));  // the losing bidder's bond goes to the referee (bonds_to)
  ASSERT_TRUE(a.apply(decide(a.t, a.inst, {a.now, owner}, "award", b2))) << a.error;
  a.expect_closed("sold");
  EXPECT_EQ(a.got(owner), Uint256(200));
  EXPECT_EQ(a.got(b1), Uint256(150));

  Sim q = auction_awaiting_award();
  ASSERT_TRUE(q.dispute_as(b2, 5)) << q.error;
  q.advance(q.now + 3 * kDay);  // the referee is silent: the bids go back
  q.expect_closed("not_awarded");
  EXPECT_EQ(q.got(b2), Uint256(200 + 5));
}

TEST(AlphaDispute, CheckerRefusesLaddersWithoutDefaultsOrWithUnconservedBonds) {
  auto order = json::parse(read_source("examples/alpha/manufacturing-order.json"));
  auto refused = [&](const json::value& v, const std::string& place, const std::string& words) {
    CheckReport r = check_template(parse_ok(v));
    bool found = false;
    for (const auto& f : r.failures) found |= f.place == place && f.message.find(words) != std::string::npos;
    EXPECT_TRUE(found) << place << " " << words << "\n" << report_text(r);
  };
  json::value v = order;
  v.at("dispute").at("ladder").as_array()[2].as_object()["default"] = "nobody_wins";
  refused(v, "dispute.ladder[2].default", "'nobody_wins' is not an outcome");
  v = order;
  v.at("dispute").at("ladder").as_array()[2].as_object()["quorum"] = 6;
  refused(v, "dispute.ladder[2].quorum", "a panel of 6 from a role of at most 5");
  v = order;
  v.at("dispute").as_object()["bonds_to"] = "panel";
  refused(v, "dispute.bonds_to", "'panel' is a group");
  v = order;
  v.at("dispute").at("outcomes").at("split").as_object()["favours"] = "panel";
  refused(v, "dispute.outcomes.split.favours", "'panel' is a group");
  v = order;
  v.at("dispute").at("ladder").as_array()[0].at("rows").as_array()[0].as_object()["outcome"] = "nobody_wins";
  refused(v, "dispute.ladder[0].rows[0].outcome", "'nobody_wins' is not an outcome");
  v = order;
  v.at("dispute").at("ladder").as_array()[1].as_object()["bond"] = "7";
  refused(v, "dispute.ladder[1].bond", "");
}

}  // namespace
}  // namespace cx::alpha::test
