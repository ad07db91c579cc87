// Bad input refused with a clear reason (and, the engine being a function of a const instance,
// nothing changed), and property tests: random inputs at random block times, after which every
// instance must close with money conserved per asset and every timer fired at most once.
#include <random>

#include "alpha/engine_test_util.hpp"

namespace cx::alpha::test {
namespace {

const std::string kBuyer = addr(1), kSeller = addr(2), kCarrier = addr(3), kReferee = addr(4), kOther = addr(9);

// The test util's base template: deposit, await shipment, the buyer's acceptance (delegable), close.
Sim base_sim() {
  auto t = parse_ok(base());
  json::object params{{"price", "1000"}, {"ship_by", kT0 + 10 * kDay}, {"mode", "fast"}};
  json::object parties{{"buyer", kBuyer}, {"seller", kSeller}, {"carrier", kCarrier}, {"referee", kReferee}};
  return Sim(t, params, parties);
}

// Expects the transition refused with `needle` in its reason and the instance unchanged.
void expect_refused(Sim& s, const Result& r, const std::string& needle) {
  Instance before = s.inst;
  EXPECT_FALSE(s.apply(r));
  EXPECT_NE(s.error.find(needle), std::string::npos) << "reason: " << s.error;
  EXPECT_EQ(s.inst, before);
}

TEST(AlphaEngineRefusals, ProposeChecksParamsAndParties) {
  Template t = parse_ok(base());
  json::object parties{{"buyer", kBuyer}, {"seller", kSeller}, {"carrier", kCarrier}, {"referee", kReferee}};
  auto bad = [&](json::object params, json::object p, const std::string& needle) {
    auto r = propose(t, template_hash(t), 1, params, p, kT0, std::nullopt);
    ASSERT_TRUE(std::holds_alternative<EngineError>(r));
    EXPECT_NE(std::get<EngineError>(r).message.find(needle), std::string::npos) << std::get<EngineError>(r).message;
  };
  json::object ok{{"price", "1000"}, {"ship_by", kT0 + kDay}, {"mode", "fast"}};
  bad({{"price", "1000"}, {"mode", "fast"}}, parties, "params.ship_by: missing");
  bad({{"price", "-1"}, {"ship_by", kT0}, {"mode", "fast"}}, parties, "params.price");
  bad({{"price", "1"}, {"ship_by", kT0}, {"mode", "warp"}}, parties, "params.mode");
  bad({{"price", "1"}, {"ship_by", kT0}, {"mode", "fast"}, {"extra", 1}}, parties, "unknown param 'extra'");
  json::object missing = parties;
  missing.erase("carrier");
  bad(ok, missing, "parties.carrier");
  json::object twice = parties;
  twice["seller"] = json::array{kSeller, kBuyer};
  bad(ok, twice, "parties.seller");
  json::object garbage = parties;
  garbage["referee"] = "hxnothex";
  bad(ok, garbage, "not an address");
}

TEST(AlphaEngineRefusals, SigningAWrongHashOrLateOrTwice) {
  Sim s = base_sim();
  Hash32 wrong = s.inst.hash;
  wrong.bytes[0] ^= 1;
  expect_refused(s, sign(s.t, s.inst, {s.now, kBuyer}, wrong), "wrong instance hash");
  expect_refused(s, sign(s.t, s.inst, {s.now, kCarrier}, s.inst.hash), "not a signatory");
  ASSERT_TRUE(s.sign_as(kBuyer));
  expect_refused(s, sign(s.t, s.inst, {s.now, kBuyer}, s.inst.hash), "already signed");
  s.advance(kT0 + kSignWindowDefault);  // the seller never signs
  EXPECT_EQ(s.inst.status, Status::kExpired);
  expect_refused(s, sign(s.t, s.inst, {s.now, kSeller}, s.inst.hash), "expired");
}

TEST(AlphaEngineRefusals, PaymentsWrongAmountWrongPayerAfterDeadline) {
  Sim s = base_sim();
  ASSERT_TRUE(s.sign_all());
  expect_refused(s, fund(s.t, s.inst, {s.now, kBuyer}, "COIN", Uint256(999)), "exactly 1000");
  expect_refused(s, fund(s.t, s.inst, {s.now, kSeller}, "COIN", Uint256(1000)), "takes payments from 'buyer'");
  expect_refused(s, fund(s.t, s.inst, {s.now, kBuyer}, "KRW", Uint256(1000)), "takes COIN");
  // The deadline (signed_at + P3D) has passed but its timer has not fired yet (it may be queued
  // behind the per-block cap): the payment is still refused.
  s.now = kT0 + 3 * kDay;
  expect_refused(s, fund(s.t, s.inst, {s.now, kBuyer}, "COIN", Uint256(1000)), "deadline of stage 'deposit' passed");
}

TEST(AlphaEngineRefusals, ForgedAndReplayedAttestations) {
  Sim s = base_sim();
  ASSERT_TRUE(s.sign_all());
  ASSERT_TRUE(s.pay(kBuyer, 1000));
  expect_refused(s, attest(s.t, s.inst, {s.now, kSeller}, "shipped", "x", {{"result", "ok"}}), "not an attester");
  expect_refused(s, attest(s.t, s.inst, {s.now, kCarrier}, "shipped", "x", {{"result", "lost"}}), "result must be one of");
  expect_refused(s, attest(s.t, s.inst, {s.now, kCarrier}, "nope", "x", {}), "no event 'nope'");
  ASSERT_TRUE(s.apply(attest(s.t, s.inst, {s.now, kCarrier}, "shipped", "x", {{"result", "ok"}}))) << s.error;
  EXPECT_EQ(s.inst.stage, "acceptance");
  expect_refused(s, attest(s.t, s.inst, {s.now, kCarrier}, "shipped", "x", {{"result", "ok"}}), "replayed");
  expect_refused(s, attest(s.t, s.inst, {s.now, kCarrier}, "shipped", "y", {{"result", "ok"}}), "no stage takes");
}

TEST(AlphaEngineRefusals, DecisionRightIsConsumedByHandOver) {
  Sim s = base_sim();
  ASSERT_TRUE(s.sign_all());
  ASSERT_TRUE(s.pay(kBuyer, 1000));
  ASSERT_TRUE(s.att(kCarrier, "shipped", {{"result", "ok"}}));
  expect_refused(s, decide(s.t, s.inst, {s.now, kSeller}, "accept", "yes"), "does not hold");
  expect_refused(s, delegate(s.t, s.inst, {s.now, kBuyer}, "accept", kOther), "may be handed to");
  ASSERT_TRUE(s.apply(delegate(s.t, s.inst, {s.now, kBuyer}, "accept", kReferee))) << s.error;
  expect_refused(s, decide(s.t, s.inst, {s.now, kBuyer}, "accept", "yes"), "can no longer decide");
  expect_refused(s, delegate(s.t, s.inst, {s.now, kReferee}, "accept", kBuyer), "already handed over");
  expect_refused(s, decide(s.t, s.inst, {s.now, kReferee}, "accept", "maybe"), "not one of the decision's choices");
  ASSERT_TRUE(s.apply(decide(s.t, s.inst, {s.now, kReferee}, "accept", "no"))) << s.error;
  s.expect_closed("cancelled");
  EXPECT_EQ(s.got(kBuyer), Uint256(1000));
  expect_refused(s, decide(s.t, s.inst, {s.now, kReferee}, "accept", "yes"), "closed");
}

TEST(AlphaEngineFaults, AFailingExpressionTakesOnFaultAndRefunds) {
  json::value v = base();
  v.at("params").as_object()["parts"] = "int";
  stage(v, 1)["branch"].as_array()[0].as_object()["when"] = "shipped.result == ok && price / parts > 0";
  Template t = parse_ok(v);
  ASSERT_TRUE(check_template(t).ok()) << report_text(check_template(t));
  json::object params{{"price", "1000"}, {"ship_by", kT0 + 10 * kDay}, {"mode", "fast"}, {"parts", 0}};
  json::object parties{{"buyer", kBuyer}, {"seller", kSeller}, {"carrier", kCarrier}, {"referee", kReferee}};
  Sim s(t, params, parties);
  ASSERT_TRUE(s.sign_all());
  ASSERT_TRUE(s.pay(kBuyer, 1000));
  ASSERT_TRUE(s.att(kCarrier, "shipped", {{"result", "ok"}})) << s.error;  // the input is accepted ...
  s.expect_closed("faulted");                                              // ... and the fault path runs
  EXPECT_NE(s.inst.fault.find("division_by_zero"), std::string::npos) << s.inst.fault;
  EXPECT_EQ(s.got(kBuyer), Uint256(1000));
}

// Two branches in parallel: the carrier ships while the seller posts a 10 % guarantee; the join
// passes when both are done (or timed out).
Template fork_template() {
  json::value v = base();
  json::array stages = json::parse(R"js([
    { "id": "deposit", "pay": { "from": "buyer", "to": "escrow", "amount": "price" },
      "due": "signed_at + P3D", "on_timeout": { "goto": "cancelled" } },
    { "id": "prepare", "fork": { "branches": ["ship", "guarantee"], "join": "both" } },
    { "id": "ship", "await": "shipped", "due": "ship_by", "on_timeout": { "goto": "both" }, "next": "both" },
    { "id": "guarantee", "pay": { "from": "seller", "to": "escrow", "amount": "floor(price * 10%)" },
      "due": "ship_by", "on_timeout": { "goto": "both" } },
    { "id": "both", "join": "prepare",
      "branch": [ { "when": "paid(seller) > 0", "goto": "pay_seller" }, { "default": "refund_buyer" } ] },
    { "id": "pay_seller", "release": "seller", "goto": "closed" },
    { "id": "refund_buyer", "refund": "all", "goto": "cancelled" }
  ])js").as_array();
  v.at("stages") = stages;
  v.as_object().erase("decisions");
  Template t = parse_ok(v);
  EXPECT_TRUE(check_template(t).ok()) << report_text(check_template(t));
  return t;
}

TEST(AlphaEngineForks, BothBranchesThenTheJoin) {
  json::object params{{"price", "1000"}, {"ship_by", kT0 + 10 * kDay}, {"mode", "fast"}};
  json::object parties{{"buyer", kBuyer}, {"seller", kSeller}, {"carrier", kCarrier}, {"referee", kReferee}};
  for (bool ship_first : {true, false}) {
    Sim s(fork_template(), params, parties);
    ASSERT_TRUE(s.sign_all());
    ASSERT_TRUE(s.pay(kBuyer, 1000));
    EXPECT_EQ(s.inst.tokens, (std::vector<std::string>{"guarantee", "ship"}));
    if (ship_first) {
      ASSERT_TRUE(s.att(kCarrier, "shipped", {{"result", "ok"}})) << s.error;
    }
    ASSERT_TRUE(s.pay(kSeller, 100)) << s.error;  // the seller's pay stage, though the buyer paid before
    if (!ship_first) {
      EXPECT_EQ(s.inst.tokens, std::vector<std::string>{"ship"});
      EXPECT_EQ(s.inst.joined.at("both"), 1u);
      ASSERT_TRUE(s.att(kCarrier, "shipped", {{"result", "ok"}})) << s.error;
    }
    s.expect_closed("closed");
    EXPECT_EQ(s.got(kSeller), Uint256(1100));
  }
  Sim late(fork_template(), params, parties);  // the guarantee never comes: both deadlines fire
  ASSERT_TRUE(late.sign_all());
  ASSERT_TRUE(late.pay(kBuyer, 1000));
  ASSERT_TRUE(late.att(kCarrier, "shipped", {{"result", "ok"}}));
  late.advance(kT0 + 10 * kDay);
  late.expect_closed("cancelled");
  EXPECT_EQ(late.got(kBuyer), Uint256(1000));
}

// ---- properties ----

const uint64_t kAmounts[] = {1, 100, 150, 1000, 100'000, 200'000, 500'000, 5'600'000, 24'400'000, 9'760'000};

json::object random_payload(const Event& e, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  json::object payload;
  if (!e.result.empty()) payload["result"] = e.result[pick(e.result.size())];
  json::object fields;
  for (const Decl& d : e.fields)
    fields[d.id] = d.type == ValueType::kAmount ? json::value(std::to_string(pick(3) * 500'000)) : json::value(pick(3) * 20'000);
  if (!e.fields.empty()) payload["fields"] = fields;
  return payload;
}

// An input the current stage waits for, from someone entitled to give it (the payload, choice and
// amount still random): so that the walks get past the first stages.
void helpful_step(Sim& s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int i = find_stage(s.t, s.inst.stage);
  if (i < 0) return;
  const Stage& st = s.t.stages[static_cast<size_t>(i)];
  if (st.action == Action::kPay || st.action == Action::kCollect) {
    const auto& members = s.inst.parties.at(st.from);
    const std::string& who = members[pick(members.size())];
    for (uint64_t a : kAmounts)
      if (s.pay(who, a)) break;
  } else if (st.action == Action::kAwait) {
    const Event& e = *find_event(s.t, st.ref);
    const auto& members = s.inst.parties.at(e.attesters[pick(e.attesters.size())]);
    s.att(members[pick(members.size())], e.id, random_payload(e, rng));
  } else if (st.action == Action::kDecide) {
    const Decision& d = *find_decision(s.t, st.ref);
    std::string choice = d.choices.empty() ? s.inst.parties.at(d.member_of)[0] : d.choices[pick(d.choices.size())];
    s.apply(decide(s.t, s.inst, {s.now, s.inst.decisions.at(d.id).holder}, d.id, choice));
  }
}

// One random input to the instance: a payment (right or wrong), an attestation by anyone, a
// decision, a hand-over, a dispute, a ruling, or time passing.
void random_step(Sim& s, std::mt19937_64& rng, const std::vector<std::string>& people) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::string& who = people[pick(people.size())];
  switch (pick(12)) {
    case 0:
      if (pick(2)) s.pay(who, kAmounts[pick(std::size(kAmounts))]);
      else s.reserve_as(who, kAmounts[pick(std::size(kAmounts))]);
      break;
    case 1:
      if (!s.t.events.empty()) s.att(who, s.t.events[pick(s.t.events.size())].id, random_payload(s.t.events[pick(s.t.events.size())], rng));
      break;
    case 2:
      if (!s.t.decisions.empty()) {
        const Decision& d = s.t.decisions[pick(s.t.decisions.size())];
        std::string choice = d.choices.empty() ? people[pick(people.size())] : d.choices[pick(d.choices.size())];
        s.apply(decide(s.t, s.inst, {s.now, who}, d.id, choice));
      }
      break;
    case 3:
      if (s.t.decisions.empty()) break;
      if (pick(3)) s.apply(delegate(s.t, s.inst, {s.now, who}, s.t.decisions[0].id, people[pick(people.size())]));
      else s.apply(revoke(s.t, s.inst, {s.now, who}, s.t.decisions[0].id));
      break;
    case 4: {  // open a dispute or appeal a ruling, with the right bond (or none)
      auto bond = dispute_bond(s.t, s.inst, s.inst.dispute.open ? s.inst.dispute.rung + 1 : 0);
      uint64_t b = bond && bond->fits_u64() ? bond->low_u64() : 0;
      if (s.inst.dispute.open) s.appeal_as(who, b);
      else s.dispute_as(who, b);
      break;
    }
    case 5:
      if (s.t.dispute && !s.t.dispute->outcomes.empty())
        s.apply(rule(s.t, s.inst, {s.now, who}, s.t.dispute->outcomes[pick(s.t.dispute->outcomes.size())].id));
      break;
    case 6: case 7: s.advance(s.now + static_cast<int64_t>(pick(10 * kDay))); break;
    default: helpful_step(s, rng);
  }
  s.expect_conserved();
}

// Returns the terminal the instance closed at.
std::string run_random(Sim s, uint64_t seed, const std::vector<std::string>& people) {
  std::mt19937_64 rng(seed);
  if (!s.sign_all()) return "";
  for (int i = 0; i < 200 && s.inst.status != Status::kClosed; ++i) random_step(s, rng, people);
  // Let time run out: every instance reaches a terminal through its defaults alone.
  for (int year = 0; year < 20 && s.inst.status != Status::kClosed; ++year) s.advance(s.now + 366 * kDay);
  EXPECT_EQ(s.inst.status, Status::kClosed) << "seed " << seed << " stuck at " << s.inst.stage;
  EXPECT_TRUE(s.inst.escrow.empty()) << "seed " << seed;
  EXPECT_TRUE(s.inst.timers.empty()) << "seed " << seed;
  EXPECT_TRUE(s.inst.bonds.empty()) << "seed " << seed;
  s.expect_conserved();
  return s.inst.stage;
}

TEST(AlphaEngineProperties, RandomInputsAtRandomTimesAlwaysCloseConserved) {
  const json::object order_params{{"price", "1000000"}, {"deposit_rate", 1000}, {"interim1_rate", 2000},
                                  {"interim2_rate", 2000}, {"holdback_rate", 500}, {"sample_by", kT0 + 10 * kDay},
                                  {"production_by", kT0 + 30 * kDay}, {"finish_by", kT0 + 60 * kDay},
                                  {"deliver_by", kT0 + 80 * kDay}, {"late_rate_per_day", 50}, {"late_cap_rate", 1000},
                                  {"defect_max", 20000}, {"inspect_within", "P7D"}, {"warranty", "P30D"}};
  const json::object order_parties{{"buyer", addr(1)},   {"seller", addr(2)},  {"inspector", addr(3)},
                                   {"carrier", addr(4)}, {"referee", addr(5)}, {"platform", addr(6)},
                                   {"panel", json::array{addr(7), addr(8), addr(9)}}};
  const json::object auction_params{{"reserve", "100"}, {"bids_close", kT0 + 5 * kDay}, {"award_within", "P2D"}};
  const json::object auction_parties{{"owner", addr(1)}, {"referee", addr(2)}, {"bidder", json::array{addr(3), addr(4), addr(5)}}};
  const json::object jeonse_params{{"car_price", "48800000"}, {"prepay_rate", 2000}, {"deposit_rate", 5000},
                                   {"term_months", 48}, {"change_after", 12}, {"krw_token", "cx" + std::string(40, 'a')}};
  const json::object jeonse_parties{{"lessee", addr(1)}, {"lessor", addr(2)}, {"inspector", addr(3)}, {"referee", addr(4)}};
  std::vector<std::string> people;
  for (int i = 1; i <= 9; ++i) people.push_back(addr(i));  // 7..9: the order's dispute panel
  const Template forked = fork_template();
  const json::object fork_params{{"price", "1000"}, {"ship_by", kT0 + 10 * kDay}, {"mode", "fast"}};
  const json::object fork_parties{{"buyer", addr(1)}, {"seller", addr(2)}, {"carrier", addr(3)}, {"referee", addr(4)}};
  std::map<std::string, int> seen[4];
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    ++seen[0][run_random(Sim("manufacturing-order", order_params, order_parties), seed, people)];
    ++seen[1][run_random(Sim("auction", auction_params, auction_parties), seed, people)];
    ++seen[2][run_random(Sim("car-jeonse", jeonse_params, jeonse_parties), seed, people)];
    ++seen[3][run_random(Sim(forked, fork_params, fork_parties), seed, people)];
  }
  // The walks are not all the same walk: each template ends at several terminals.
  for (const auto& m : seen) {
    std::string ends;
    for (const auto& [terminal, n] : m) ends += terminal + "=" + std::to_string(n) + " ";
    EXPECT_GE(m.size(), 2u) << ends;
    std::printf("terminals: %s\n", ends.c_str());
  }
}

}  // namespace
}  // namespace cx::alpha::test
