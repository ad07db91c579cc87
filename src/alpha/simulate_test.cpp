// The simulator on the example templates: every path conserves money and closes the escrow, the
// figures of the paths a party would look for are right, the digest is stable and moves with the
// inputs; instance inputs are validated with the path of the bad field; prose renders from params.
#include "alpha/simulate.hpp"

#include "alpha/alpha_test_util.hpp"
#include "alpha/canonical.hpp"
#include "alpha/instance.hpp"
#include "alpha/prose.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {
namespace {

using namespace test;

struct Loaded {
  Template t;
  InstanceInput in;
};

Loaded load(const std::string& name, const std::string& instance_text = "") {
  Loaded l;
  auto parsed = parse_template_json(read_source("examples/alpha/" + name + ".json"));
  if (auto* e = std::get_if<ParseError>(&parsed))
    ADD_FAILURE() << name << ": " << e->to_string();
  else
    l.t = std::get<Template>(parsed);
  std::string text = instance_text.empty() ? read_source("examples/alpha/instances/" + name + ".json") : instance_text;
  auto in = parse_instance_input(l.t, text);
  if (auto* e = std::get_if<ParseError>(&in))
    ADD_FAILURE() << name << ": " << e->to_string();
  else
    l.in = std::get<InstanceInput>(in);
  return l;
}

SimResult run(const Loaded& l) {
  auto r = simulate(l.t, l.in);
  if (auto* e = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << *e;
    return {};
  }
  return std::get<SimResult>(r);
}

// A party's net payments as a decimal string ("-1000"), "0" when it moved nothing.
std::string net(const SimPath& p, const std::string& party, const std::string& asset) {
  auto it = p.payments.find(party);
  if (it == p.payments.end()) return "0";
  auto a = it->second.find(asset);
  return a == it->second.end() ? "0" : a->second.to_dec();
}

std::string neg(uint64_t v) { return "-" + std::to_string(v); }
std::string pos(uint64_t v) { return std::to_string(v); }

void expect_closed_and_conserved(const SimResult& r, const std::string& name) {
  EXPECT_FALSE(r.truncated) << name;
  for (const SimPath& p : r.paths) {
    std::map<std::string, Int> sum;
    for (const auto& [party, by_asset] : p.payments)
      for (const auto& [asset, v] : by_asset) sum[asset] = *sum[asset].add(v);
    for (const auto& [asset, left] : p.escrow_end) {
      EXPECT_TRUE(left.is_zero()) << name << " -> " << p.terminal << ": escrow keeps " << left.to_dec();
      EXPECT_TRUE(sum[asset].is_zero()) << name << " -> " << p.terminal << ": " << asset << " sums to "
                                        << sum[asset].to_dec();
    }
    EXPECT_TRUE(p.fault.empty()) << name << " -> " << p.terminal << ": " << p.fault;
  }
}

// Paths that reach `terminal`; the first whose steps contain every one of `steps`.
const SimPath* find_path(const SimResult& r, const std::string& terminal, std::vector<std::string> steps = {}) {
  for (const SimPath& p : r.paths) {
    if (p.terminal != terminal) continue;
    bool all = true;
    for (const auto& want : steps) {
      bool has = false;
      for (const auto& s : p.steps) has |= s.find(want) != std::string::npos;
      all &= has;
    }
    if (all) return &p;
  }
  return nullptr;
}

TEST(Simulate, ManufacturingOrder) {
  SimResult r = run(load("manufacturing-order"));
  expect_closed_and_conserved(r, "manufacturing-order");
  std::set<std::string> terminals;
  for (const SimPath& p : r.paths) terminals.insert(p.terminal);
  for (const char* want : {"cancelled", "terminated", "not_delivered", "rejected", "completed", "closed_by_ruling"})
    EXPECT_TRUE(terminals.contains(want)) << want;
  // Everything on time, 1 % defects, no warranty claim: the seller gets the price less the 0.3 %
  // platform fee on the stages that pay it (deposit, interims, acceptance: 900,000,000 * 30bps =
  // 2,700,000; the holdback released at the end of the warranty carries no fee).
  const SimPath* happy = find_path(
      r, "completed", {"2026-04-20T00:00:00Z delivery", "defect_rate=1/100", "warranty_period: deadline passed"});
  ASSERT_NE(happy, nullptr);
  EXPECT_EQ(net(*happy, "buyer", "COIN"), neg(1'000'000'000));
  EXPECT_EQ(net(*happy, "seller", "COIN"), pos(997'300'000));
  EXPECT_EQ(net(*happy, "platform", "COIN"), pos(2'700'000));
  // 3 % defects: the Virtual Person's first row (excess 1 % <= 2 %) gives a 5 % discount.
  const SimPath* discount =
      find_path(r, "completed", {"defect_rate=3/100", "row 0 fires", "warranty_period: deadline passed"});
  ASSERT_NE(discount, nullptr);
  EXPECT_EQ(net(*discount, "buyer", "COIN"), neg(950'000'000));
  // A warranty claim of 50,000,000 is paid out of the 10 % holdback.
  const SimPath* claim = find_path(r, "completed", {"defect_rate=1/100", "amount=50000000"});
  ASSERT_NE(claim, nullptr);
  EXPECT_EQ(net(*claim, "buyer", "COIN"), neg(950'000'000));
  // Delivered on 2026-05-05, five days after deliver_by: 5 x 10bps of the price comes off the balance.
  const SimPath* late = find_path(
      r, "completed", {"2026-05-05T00:00:00Z delivery", "defect_rate=1/100", "warranty_period: deadline passed"});
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(net(*late, "buyer", "COIN"), neg(995'000'000));
  EXPECT_GT(r.max_steps, 0u);
}

TEST(Simulate, AuctionRefundsEveryLosingBid) {
  SimResult r = run(load("auction"));
  expect_closed_and_conserved(r, "auction");
  // Three bidders bid the reserve; the owner awards bidder#2: it pays, the others get theirs back.
  const SimPath* sold = find_path(r, "sold", {"owner decides bidder#2"});
  ASSERT_NE(sold, nullptr);
  EXPECT_EQ(net(*sold, "owner", "COIN"), pos(1'000'000));
  EXPECT_EQ(net(*sold, "bidder#2", "COIN"), neg(1'000'000));
  EXPECT_EQ(net(*sold, "bidder#1", "COIN"), "0");
  EXPECT_EQ(net(*sold, "bidder#3", "COIN"), "0");
  const SimPath* none = find_path(r, "no_bids");
  ASSERT_NE(none, nullptr);
  EXPECT_TRUE(none->payments.empty());
  ASSERT_NE(find_path(r, "not_awarded"), nullptr);
}

TEST(Simulate, CarJeonseWithCosseFigures) {
  SimResult r = run(load("car-jeonse"));
  expect_closed_and_conserved(r, "car-jeonse");
  // No change of car, returned undamaged: the lessee is out only the 20 % prepayment (9,760,000);
  // the 50 % deposit (24,400,000) comes back in full.
  const SimPath* plain = find_path(r, "returned", {"change_window: deadline passed", "damage=0"});
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(net(*plain, "lessee", "KRW"), neg(9'760'000));
  EXPECT_EQ(net(*plain, "lessor", "KRW"), pos(9'760'000));
  // A 60,000,000 car after a year: the deposit is topped up by 5,600,000 and refunded in full.
  const SimPath* top_up =
      find_path(r, "returned", {"new_price=60000000", "deposit_top_up: lessee pays 5600000", "damage=0"});
  ASSERT_NE(top_up, nullptr);
  EXPECT_EQ(net(*top_up, "lessee", "KRW"), neg(9'760'000));
  // A 40,000,000 car: 4,400,000 refunded at once; damage of 1,500,000 paid to the lessor at the end.
  const SimPath* damage = find_path(r, "returned_with_damage", {"new_price=40000000", "damage=1500000"});
  ASSERT_NE(damage, nullptr);
  EXPECT_EQ(net(*damage, "lessor", "KRW"), pos(9'760'000 + 1'500'000));
}

TEST(Simulate, DigestIsStableAndMovesWithTheInputs) {
  Loaded l = load("car-jeonse");
  SimResult a = run(l), b = run(l);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(canonical_text(sim_report(l.t, l.in, a)), canonical_text(sim_report(l.t, l.in, b)));
  Loaded other = l;
  other.in.params["deposit_rate"].num = *Fraction::of(Int(4'000), Uint256(10'000));
  other.in.param_text["deposit_rate"] = "4000bps";
  EXPECT_NE(run(other).digest, a.digest);
  Loaded later = l;
  later.in.signed_at += 1;
  EXPECT_NE(run(later).digest, a.digest);
}

std::string instance_error(const std::string& name, const std::string& text) {
  auto parsed = parse_template_json(read_source("examples/alpha/" + name + ".json"));
  auto r = parse_instance_input(std::get<Template>(parsed), text);
  return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).to_string() : "(accepted)";
}

TEST(Simulate, BadInstancesAreRefusedWithThePlace) {
  const std::string p = R"("params": {"reserve": 5, "bids_close": "2026-01-20", "award_within": "P7D")";
  EXPECT_EQ(instance_error("auction", "{\"signed_at\": 0, " + p + "}}"), "(accepted)");
  EXPECT_EQ(instance_error("auction", "{" + p + "}}"), "signed_at: missing");
  EXPECT_EQ(instance_error("auction", R"({"signed_at": 0, "params": {"reserve": 5, "bids_close": "2026-01-20"}})"),
            "params.award_within: missing: every param needs a value");
  EXPECT_EQ(instance_error("auction", "{\"signed_at\": 0, " + p + ", \"resrve\": 1}}"),
            "params.resrve: the template declares no such param");
  EXPECT_EQ(instance_error("auction", R"({"signed_at": "2026-02-30", )" + p + "}}").substr(0, 10), "signed_at:");
  std::string mo = read_source("examples/alpha/instances/manufacturing-order.json");
  const std::string rate = "\"deposit_rate\": \"10%\"";
  mo.replace(mo.find(rate), rate.size(), "\"deposit_rate\": \"60%\"");
  EXPECT_EQ(instance_error("manufacturing-order", mo), "params.deposit_rate: 6000 is outside [0, 5000]");
  EXPECT_EQ(instance_error("auction", "{\"signed_at\": 0, " + p + "}, \"parties\": {\"bidder\": [\"hx12\"]}}"),
            "parties.bidder: 'hx12' is not an address (hx or cx and 40 lowercase hex digits)");
  EXPECT_EQ(instance_error("auction", "{\"signed_at\": 0, " + p + "}, \"samples\": {\"award.choice\": [1]}}"),
            "samples.award.choice: expected <event>.time or <event>.<field> of a declared event field");
}

TEST(Simulate, TooManySampleCombinationsAreRefused) {
  Loaded l = load("manufacturing-order");
  // 8 times x 8 defect rates = 64 branches per inspection is fine; a 5-value enum field makes 320.
  l.in.samples["inspected.time"] = std::vector<Value>(8, l.in.params["sample_by"]);
  l.in.samples["inspected.defect_rate"] = std::vector<Value>(8, l.in.params["defect_max"]);
  EXPECT_TRUE(std::holds_alternative<SimResult>(simulate(l.t, l.in)));
  l.t.events[2].fields.push_back(Decl{"grade", ValueType::kEnum, {}, {"a", "b", "c", "d", "e"}, {}, {}});
  auto r = simulate(l.t, l.in);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_EQ(std::get<std::string>(r),
            "event 'inspected': more than 256 combinations of results and samples per attestation; give fewer samples");
}

TEST(Prose, RendersParamsAndChecksThePinnedHash) {
  Loaded l = load("car-jeonse");
  std::string en = read_source("examples/alpha/prose/car-jeonse.en.md");
  auto r = render_prose(l.t, l.in, "en", en);
  ASSERT_TRUE(std::holds_alternative<RenderedProse>(r)) << std::get<std::string>(r);
  const RenderedProse& p = std::get<RenderedProse>(r);
  EXPECT_NE(p.text.find("a car worth 48800000 (KRW 48,800,000)"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("for 48 months"), std::string::npos);
  EXPECT_EQ(p.text.find('{'), std::string::npos);
  // Another param value: another text, another hash.
  Loaded other = l;
  other.in.param_text["term_months"] = "36";
  auto r2 = render_prose(other.t, other.in, "en", en);
  EXPECT_NE(std::get<RenderedProse>(r2).hash, p.hash);
  // A source that is not the pinned one, a language the template lacks, a placeholder naming nothing.
  EXPECT_NE(std::get<std::string>(render_prose(l.t, l.in, "en", en + " ")).find("but the template pins"),
            std::string::npos);
  EXPECT_NE(std::get<std::string>(render_prose(l.t, l.in, "fr", en)).find("no prose in 'fr'"), std::string::npos);
  Template t = l.t;
  std::string bad = "price {car_prise}";
  for (Prose& pr : t.prose) pr.hash = crypto::sha3_256(as_bytes(bad));
  EXPECT_NE(std::get<std::string>(render_prose(t, l.in, "en", bad)).find("{car_prise}"), std::string::npos);
}

// An expression that fails at run time takes on_fault, and the path names the failure.
TEST(Simulate, AFailingExpressionTakesTheFaultPath) {
  json::value v = base();
  v.at("params").as_object()["parts"] = "int";
  stage(v, 0)["pay"].as_object()["amount"] = "floor(price / parts)";
  Template t = parse_ok(v);
  ASSERT_TRUE(check_template(t).ok()) << report_text(check_template(t));
  auto in = parse_instance_input(
      t, R"({"signed_at": 0, "params": {"price": 100, "ship_by": 86400000, "mode": "fast", "parts": 0}})");
  ASSERT_TRUE(std::holds_alternative<InstanceInput>(in)) << std::get<ParseError>(in).to_string();
  auto r = simulate(t, std::get<InstanceInput>(in));
  ASSERT_TRUE(std::holds_alternative<SimResult>(r)) << std::get<std::string>(r);
  const SimResult& sim = std::get<SimResult>(r);
  // Paying faults; not paying times out as usual.
  ASSERT_EQ(sim.paths.size(), 2u);
  EXPECT_EQ(sim.paths[0].terminal, "faulted");
  EXPECT_NE(sim.paths[0].fault.find("division_by_zero in price / parts"), std::string::npos) << sim.paths[0].fault;
  EXPECT_EQ(sim.paths[1].terminal, "cancelled");
  // With two parts the same template pays 50 and runs every branch.
  auto ok = parse_instance_input(
      t, R"({"signed_at": 0, "params": {"price": 100, "ship_by": 86400000, "mode": "fast", "parts": 2}})");
  SimResult two = std::get<SimResult>(simulate(t, std::get<InstanceInput>(ok)));
  EXPECT_GT(two.paths.size(), 3u);
  EXPECT_NE(find_path(two, "closed"), nullptr);
  EXPECT_EQ(net(*find_path(two, "closed"), "seller", "COIN"), pos(50));
}

// deposit -> fork { ship: await shipped | pause: wait until ship_by } -> join -> release: branches run
// one after the other from the fork's time; the join goes on at the later end; a branch that leaves the
// block (a timeout to a terminal) ends the path.
TEST(Simulate, ForkBlocksRunEveryBranch) {
  json::value v = base();
  json::array stages;
  stages.push_back(stage(v, 0));
  stages.push_back(json::parse(R"({"id": "split", "fork": {"branches": ["ship", "pause"], "join": "both"}})"));
  stages.push_back(json::parse(R"({"id": "ship", "await": "shipped", "due": "ship_by",
      "on_timeout": {"refund": "all", "goto": "cancelled"}, "next": "both"})"));
  stages.push_back(json::parse(R"({"id": "pause", "wait": {"until": "ship_by"}, "next": "both"})"));
  stages.push_back(json::parse(R"({"id": "both", "join": "split", "next": "pay_seller"})"));
  stages.push_back(json::parse(R"({"id": "pay_seller", "release": "seller", "goto": "closed"})"));
  v.as_object()["stages"] = stages;
  v.as_object().erase("decisions");
  Template t = parse_ok(v);
  ASSERT_TRUE(check_template(t).ok()) << report_text(check_template(t));
  auto in = parse_instance_input(
      t, R"({"signed_at": "2026-01-05", "params": {"price": 100, "ship_by": "2026-02-01", "mode": "fast"}})");
  auto r = simulate(t, std::get<InstanceInput>(in));
  ASSERT_TRUE(std::holds_alternative<SimResult>(r)) << std::get<std::string>(r);
  const SimResult& sim = std::get<SimResult>(r);
  expect_closed_and_conserved(sim, "fork");
  ASSERT_EQ(sim.paths.size(), 4u);  // shipped ok, shipped damaged, not shipped, no deposit
  const SimPath* closed = find_path(
      sim, "closed",
      {"shipped attested ok", "2026-02-01T00:00:00Z pause: elapsed", "2026-02-01T00:00:00Z pay_seller: settle"});
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(net(*closed, "seller", "COIN"), pos(100));
  EXPECT_NE(find_path(sim, "cancelled", {"ship: deadline passed"}), nullptr);
}

// The digest of a fixed instance, pinned: a change to the report's content or canonical form, or to
// the simulator's paths, shows up here (update it when the change is meant).
TEST(Simulate, DigestIsPinned) {
  auto parsed = parse_template_json(read_source("examples/alpha/terms/tt-advance.json"));
  const Template& t = std::get<Template>(parsed);
  auto in = parse_instance_input(t, read_source("examples/alpha/terms/instances/tt-advance.json"));
  SimResult r = std::get<SimResult>(simulate(t, std::get<InstanceInput>(in)));
  EXPECT_EQ(r.paths.size(), 3u);
  EXPECT_EQ(r.digest.hex(), "7ed117204517f70401e70c88bb7c7984fd8ee55927ad07bda6c3ebd03e5eac12");
}

// What a proposal seals (instance_sim.cpp): simulate's digest over simulation_input(), the walk
// stopped early and the proposal refused beyond the path bound; a refusal leaves the instance as it was.
TEST(Simulate, ProposalSealsTheDigestWithinItsPathBound) {
  Loaded l = load("manufacturing-order");
  constexpr int64_t kT0 = 1'767'225'600, kDay = 86'400;
  boost::json::object params{{"price", "1000000"}, {"deposit_rate", 1000}, {"interim1_rate", 2000}, {"interim2_rate", 2000},
                             {"holdback_rate", 500}, {"sample_by", kT0 + 10 * kDay}, {"production_by", kT0 + 30 * kDay},
                             {"finish_by", kT0 + 60 * kDay}, {"deliver_by", kT0 + 80 * kDay}, {"late_rate_per_day", 50},
                             {"late_cap_rate", 1000}, {"defect_max", 20000}, {"inspect_within", "P7D"}, {"warranty", "P30D"}};
  boost::json::object parties;
  for (const auto& [role, members] : l.in.parties)
    parties[role] = members.size() == 1 ? boost::json::value(members.front()) : boost::json::value_from(members);
  auto proposed = propose(l.t, template_hash(l.t), 1, params, parties, kT0, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Instance>(proposed)) << std::get<EngineError>(proposed).message;
  Instance inst = std::get<Instance>(proposed);
  const Instance before = inst;
  auto refused = seal_simulation(l.t, inst, 10);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("has more than 10 paths"), std::string::npos) << refused->message;
  EXPECT_EQ(inst, before);
  size_t paths = 0;
  ASSERT_FALSE(seal_simulation(l.t, inst, 1'024, &paths).has_value());
  auto in = parse_instance_input(l.t, canonical_text(simulation_input(inst)));
  SimResult r = std::get<SimResult>(simulate(l.t, std::get<InstanceInput>(in)));
  EXPECT_EQ(paths, r.paths.size());
  EXPECT_GT(paths, 10u);
  EXPECT_EQ(inst.simulation_digest, r.digest);
  EXPECT_EQ(inst.hash, instance_hash(inst));
  EXPECT_NE(inst.hash, before.hash);
}

}  // namespace
}  // namespace cx::alpha
