// The instance engine on the example templates: each run to every terminal with synthetic block
// times, money checked conserved and the escrow empty at the end.
#include "alpha/engine_test_util.hpp"

namespace cx::alpha::test {
namespace {

// ---- the manufacturing order (its parties and order_until_delivery(): engine_test_util.hpp) ----

TEST(AlphaEngine, OrderCompletesOnTimeWithWarrantyHoldback) {
  Sim s = order_until_delivery();
  // The seller got deposit + interims less the platform's 30 bps on each release.
  EXPECT_EQ(s.got(kSeller), Uint256(500'000 - 1'500));
  s.now = kT0 + 79 * kDay;
  ASSERT_TRUE(s.att(kCarrier, "delivered")) << s.error;
  EXPECT_EQ(s.inst.stage, "delivery");  // the delivery waits for its 3-day dispute window
  s.advance(s.now + 3 * kDay);
  ASSERT_TRUE(s.att(kInspector, "inspected", {{"fields", {{"defect_rate", 10000}}}})) << s.error;
  s.advance(s.now + 3 * kDay);
  EXPECT_EQ(s.inst.stage, "warranty_period");
  EXPECT_EQ(s.inst.escrow.at("COIN"), Uint256(50'000));  // the 5 % holdback
  s.advance(kT0 + 79 * kDay + 30 * kDay);
  s.expect_closed("completed");
  EXPECT_EQ(s.got(kBuyer), Uint256(0));
  EXPECT_EQ(*s.got(kSeller).checked_add(s.got(kPlatform)), Uint256(1'000'000));
}

TEST(AlphaEngine, OrderLateDeliveryDeductsAndWarrantyClaimPaysBuyer) {
  Sim s = order_until_delivery();
  s.now = kT0 + 83 * kDay;  // three days late: 3 x 50 bps of the price
  ASSERT_TRUE(s.att(kCarrier, "delivered")) << s.error;
  s.advance(s.now + 3 * kDay);
  ASSERT_TRUE(s.att(kInspector, "inspected", {{"fields", {{"defect_rate", 0}}}})) << s.error;
  s.advance(s.now + 3 * kDay);
  EXPECT_EQ(s.got(kBuyer), Uint256(15'000));
  s.now += 10 * kDay;
  ASSERT_TRUE(s.att(kInspector, "warranty_claim", {{"fields", {{"amount", "20000"}}}})) << s.error;
  s.expect_closed("completed");
  EXPECT_EQ(s.got(kBuyer), Uint256(35'000));
}

TEST(AlphaEngine, OrderDefectsGoToTheVirtualPerson) {
  Sim s = order_until_delivery();
  s.now = kT0 + 80 * kDay;
  ASSERT_TRUE(s.att(kCarrier, "delivered")) << s.error;
  s.advance(s.now + 3 * kDay);
  ASSERT_TRUE(s.att(kInspector, "inspected", {{"fields", {{"defect_rate", 30000}}}})) << s.error;
  s.advance(s.now + 3 * kDay);
  EXPECT_EQ(s.inst.vp_row, "rules[0]");  // excess 1 % <= 2 %: a 5 % discount
  EXPECT_EQ(s.inst.stage, "warranty_period");
  EXPECT_EQ(s.got(kBuyer), Uint256(50'000));
  s.advance(s.now + 31 * kDay);
  s.expect_closed("completed");

  Sim r = order_until_delivery();
  r.now = kT0 + 80 * kDay;
  ASSERT_TRUE(r.att(kCarrier, "delivered")) << r.error;
  r.advance(r.now + 3 * kDay);
  ASSERT_TRUE(r.att(kInspector, "inspected", {{"fields", {{"defect_rate", 500000}}}})) << r.error;
  r.advance(r.now + 3 * kDay);
  EXPECT_EQ(r.inst.vp_row, "default");
  r.expect_closed("rejected");
  EXPECT_EQ(r.got(kBuyer), Uint256(500'000));  // the balance back; released payments stay released
}

TEST(AlphaEngine, OrderTimeoutsAndRejection) {
  Sim a = order();  // no deposit
  a.advance(kT0 + 8 * kDay);
  a.expect_closed("cancelled");

  Sim b = order();
  ASSERT_TRUE(b.pay(kBuyer, 100'000));
  ASSERT_TRUE(b.att(kBuyer, "sample_approved", {{"result", "rejected"}})) << b.error;
  b.expect_closed("cancelled");
  EXPECT_EQ(b.got(kBuyer), Uint256(100'000));

  Sim c = order();  // interim 1 never paid
  ASSERT_TRUE(c.pay(kBuyer, 100'000));
  ASSERT_TRUE(c.att(kBuyer, "sample_approved", {{"result", "approved"}}));
  c.advance(kT0 + 8 * kDay);
  c.expect_closed("terminated");

  Sim d = order();  // production never starts: interim 1 comes back
  ASSERT_TRUE(d.pay(kBuyer, 100'000));
  ASSERT_TRUE(d.att(kBuyer, "sample_approved", {{"result", "approved"}}));
  ASSERT_TRUE(d.pay(kBuyer, 200'000));
  d.advance(kT0 + 31 * kDay);
  d.expect_closed("terminated");
  EXPECT_EQ(d.got(kBuyer), Uint256(200'000));

  Sim e = order_until_delivery();  // never delivered
  e.advance(kT0 + 111 * kDay);
  e.expect_closed("not_delivered");
  EXPECT_EQ(e.got(kBuyer), Uint256(500'000));
}

TEST(AlphaEngine, OrderReservedPaymentsPaidInStageOrder) {
  const json::object params = order_params(), parties = order_parties();
  Sim s("manufacturing-order", params, parties);
  EXPECT_FALSE(s.reserve_as(kSeller, 10));  // the seller pays no stage
  ASSERT_TRUE(s.reserve_as(kBuyer, 350'000)) << s.error;  // before signing: deposit + interim 1 + a part
  ASSERT_TRUE(s.sign_all()) << s.error;
  EXPECT_EQ(s.inst.stage, "sample");  // the deposit was paid at signing, from the reservation
  ASSERT_TRUE(s.att(kBuyer, "sample_approved", {{"result", "approved"}}));
  EXPECT_EQ(s.inst.stage, "production");  // interim 1 too
  ASSERT_TRUE(s.att(kInspector, "production_started"));
  EXPECT_EQ(s.inst.stage, "interim2_payment");  // 50,000 left: short of interim 2, which waits
  ASSERT_TRUE(s.pay(kBuyer, 200'000)) << s.error;
  ASSERT_TRUE(s.att(kInspector, "goods_finished"));
  EXPECT_EQ(s.inst.stage, "balance_payment");
  ASSERT_TRUE(s.reserve_as(kBuyer, 450'000)) << s.error;  // now covers the balance: paid at once
  EXPECT_EQ(s.inst.stage, "delivery");
  EXPECT_TRUE(s.inst.reserved.empty());
  s.now = kT0 + 79 * kDay;
  ASSERT_TRUE(s.att(kCarrier, "delivered"));
  s.advance(s.now + 3 * kDay);
  ASSERT_TRUE(s.att(kInspector, "inspected", {{"fields", {{"defect_rate", 0}}}}));
  s.advance(s.now + 34 * kDay);
  s.expect_closed("completed");

  Sim x("manufacturing-order", params, parties);  // a reservation of an instance that expires comes back
  ASSERT_TRUE(x.reserve_as(kBuyer, 5));
  x.advance(kT0 + kSignWindowDefault);
  EXPECT_EQ(x.inst.status, Status::kExpired);
  EXPECT_EQ(x.got(kBuyer), Uint256(5));
  x.expect_conserved();
}

// ---- the auction ----
const std::string kOwner = addr(0x10), kAuctionReferee = addr(0x11), kB1 = addr(0x21), kB2 = addr(0x22), kB3 = addr(0x23);

Sim auction() {
  json::object params{{"reserve", "100"}, {"bids_close", kT0 + 5 * kDay}, {"award_within", "P2D"}};
  json::object parties{{"owner", kOwner}, {"referee", kAuctionReferee}, {"bidder", json::array{kB1, kB2, kB3}}};
  Sim s("auction", params, parties);
  EXPECT_TRUE(s.sign_all()) << s.error;
  return s;
}

TEST(AlphaEngine, AuctionAwardedByTheRefereeAfterHandOver) {
  Sim s = auction();
  ASSERT_TRUE(s.pay(kB1, 150)) << s.error;
  ASSERT_TRUE(s.pay(kB2, 200)) << s.error;
  EXPECT_FALSE(s.pay(kB3, 50));  // below the reserve
  EXPECT_NE(s.error.find("at least 100"), std::string::npos) << s.error;
  s.advance(kT0 + 5 * kDay);
  EXPECT_FALSE(s.pay(kB3, 300));  // too late: the collection closed
  ASSERT_EQ(s.inst.stage, "awarding");
  ASSERT_TRUE(s.apply(delegate(s.t, s.inst, {s.now, kOwner}, "award", kAuctionReferee))) << s.error;
  EXPECT_FALSE(s.apply(decide(s.t, s.inst, {s.now, kOwner}, "award", kB1)));
  EXPECT_NE(s.error.find("can no longer decide"), std::string::npos) << s.error;
  ASSERT_TRUE(s.apply(decide(s.t, s.inst, {s.now, kAuctionReferee}, "award", kB2))) << s.error;
  s.expect_closed("sold");
  EXPECT_EQ(s.got(kOwner), Uint256(200));
  EXPECT_EQ(s.got(kB1), Uint256(150));  // the losing bid, refunded in full
}

TEST(AlphaEngine, AuctionHandOverTakenBackBeforeBidsClose) {
  Sim s = auction();
  ASSERT_TRUE(s.apply(delegate(s.t, s.inst, {s.now, kOwner}, "award", kAuctionReferee))) << s.error;
  EXPECT_FALSE(s.apply(revoke(s.t, s.inst, {s.now, kAuctionReferee}, "award")));  // only who handed it over
  ASSERT_TRUE(s.apply(revoke(s.t, s.inst, {s.now, kOwner}, "award"))) << s.error;   // revocable until bids_close
  ASSERT_TRUE(s.apply(delegate(s.t, s.inst, {s.now, kOwner}, "award", kAuctionReferee))) << s.error;
  ASSERT_TRUE(s.pay(kB1, 150));
  s.advance(kT0 + 5 * kDay);
  EXPECT_FALSE(s.apply(revoke(s.t, s.inst, {s.now, kOwner}, "award")));  // too late now
  EXPECT_NE(s.error.find("could be taken back until"), std::string::npos) << s.error;
  ASSERT_TRUE(s.apply(decide(s.t, s.inst, {s.now, kAuctionReferee}, "award", kB1))) << s.error;
  s.expect_closed("sold");
}

TEST(AlphaEngine, AuctionNotAwardedAndNoBids) {
  Sim s = auction();
  ASSERT_TRUE(s.pay(kB1, 150));
  ASSERT_TRUE(s.pay(kB3, 120));
  s.advance(kT0 + 7 * kDay);
  s.expect_closed("not_awarded");
  EXPECT_EQ(s.got(kB1), Uint256(150));
  EXPECT_EQ(s.got(kB3), Uint256(120));

  Sim n = auction();
  n.advance(kT0 + 5 * kDay);
  n.expect_closed("no_bids");
}

// ---- the car jeonse (COSSE's figures: a W48.8M car, 20 % prepayment, 50 % deposit, 48 months) ----
const std::string kLessee = addr(0x31), kLessor = addr(0x32), kCarInspector = addr(0x33), kCarReferee = addr(0x34);

Sim jeonse() {
  json::object params{{"car_price", "48800000"}, {"prepay_rate", 2000}, {"deposit_rate", 5000},
                      {"term_months", 48},       {"change_after", 12},  {"krw_token", "cx" + std::string(40, 'a')}};
  json::object parties{{"lessee", kLessee}, {"lessor", kLessor}, {"inspector", kCarInspector}, {"referee", kCarReferee}};
  Sim s("car-jeonse", params, parties);
  EXPECT_TRUE(s.sign_all()) << s.error;
  return s;
}

Sim jeonse_delivered() {
  Sim s = jeonse();
  EXPECT_TRUE(s.pay(kLessee, 24'400'000)) << s.error;
  EXPECT_TRUE(s.pay(kLessee, 9'760'000)) << s.error;
  s.now += 3 * kDay;
  EXPECT_TRUE(s.att(kLessee, "car_delivered")) << s.error;
  EXPECT_EQ(s.got(kLessor), Uint256(9'760'000));
  EXPECT_EQ(s.inst.stage, "first_year");
  return s;
}

TEST(AlphaEngine, JeonseDepositRefundedInFullAfter48Months) {
  Sim s = jeonse_delivered();
  int64_t delivered = s.now;
  s.advance(delivered + 400 * kDay);
  EXPECT_EQ(s.inst.stage, "change_window");
  auto term_end = add_months(delivered, 48);
  s.advance(*term_end);
  EXPECT_EQ(s.inst.stage, "car_return");
  s.now += kDay;
  ASSERT_TRUE(s.att(kCarInspector, "car_returned", {{"fields", {{"damage", "0"}}}})) << s.error;
  s.advance(s.now + 7 * kDay);  // the return's dispute window
  s.expect_closed("returned");
  EXPECT_EQ(s.got(kLessee), Uint256(24'400'000));
}

TEST(AlphaEngine, JeonseCarChangeTopUpThenDamage) {
  Sim s = jeonse_delivered();
  s.advance(s.now + 366 * kDay);
  json::object change{{"fields", {{"new_price", "60000000"}}}};
  ASSERT_TRUE(s.att(kLessee, "car_change", change)) << s.error;
  EXPECT_EQ(s.inst.stage, "change_window");  // 1 of 2
  ASSERT_TRUE(s.att(kLessor, "car_change", change)) << s.error;
  ASSERT_EQ(s.inst.stage, "deposit_top_up");
  EXPECT_FALSE(s.pay(kLessee, 5'000'000));
  ASSERT_TRUE(s.pay(kLessee, 5'600'000)) << s.error;
  EXPECT_EQ(s.inst.stage, "rest_of_term");
  s.advance(s.now + 3 * 366 * kDay);
  ASSERT_EQ(s.inst.stage, "car_return");
  ASSERT_TRUE(s.att(kCarInspector, "car_returned", {{"fields", {{"damage", "1000000"}}}})) << s.error;
  s.advance(s.now + 7 * kDay);
  s.expect_closed("returned_with_damage");
  EXPECT_EQ(s.got(kLessee), Uint256(30'000'000 - 1'000'000));
}

TEST(AlphaEngine, JeonseCheaperCarPartialRefundAndForfeit) {
  Sim s = jeonse_delivered();
  s.advance(s.now + 366 * kDay);
  json::object change{{"fields", {{"new_price", "40000000"}}}};
  ASSERT_TRUE(s.att(kLessee, "car_change", change));
  ASSERT_TRUE(s.att(kLessor, "car_change", change)) << s.error;
  EXPECT_EQ(s.got(kLessee), Uint256(4'400'000));
  s.advance(s.now + 4 * 366 * kDay);  // never returned
  s.expect_closed("forfeited");
  EXPECT_EQ(s.got(kLessor), Uint256(9'760'000 + 20'000'000));

  Sim c = jeonse();
  c.advance(kT0 + 8 * kDay);
  c.expect_closed("cancelled");
}

TEST(AlphaEngine, JeonseDisputeOnReturn) {
  Sim s = jeonse_delivered();
  s.advance(add_months(s.now, 48).value());
  ASSERT_EQ(s.inst.stage, "car_return");
  ASSERT_TRUE(s.dispute_as(kLessor, 48'800)) << s.error;  // 10 bps of the car's price
  ASSERT_TRUE(s.rule_as(kCarReferee, "lessor_wins")) << s.error;  // one rung: final at once
  s.expect_closed("forfeited");
  EXPECT_EQ(s.got(kLessor), Uint256(9'760'000 + 24'400'000 + 48'800));  // its bond back
}

}  // namespace
}  // namespace cx::alpha::test
