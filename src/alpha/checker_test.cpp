// The registration checker: the examples pass; for every rule, a template that breaks it is refused
// with that rule and the place.
#include "alpha/alpha_test_util.hpp"

namespace cx::alpha {
namespace {

using namespace test;

CheckReport check(const json::value& v) { return check_template(parse_ok(v)); }

// The template is refused by `rule` at exactly `place`, and the message mentions `words`.
void expect_refused(const json::value& v, Rule rule, const std::string& place, const std::string& words = "") {
  CheckReport r = check(v);
  bool found = false;
  for (const auto& f : r.failures)
    found |= f.rule == rule && f.place == place && f.message.find(words) != std::string::npos;
  EXPECT_TRUE(found) << "wanted [" << rule_name(rule) << "] " << place << " ..." << words << "\ngot:\n" << report_text(r);
}

TEST(Checker, BaseTemplatePasses) {
  CheckReport r = check(base());
  EXPECT_TRUE(r.ok()) << report_text(r);
  ASSERT_FALSE(r.fees.empty());
  EXPECT_EQ(r.fees[0].transition, "start");
}

TEST(Checker, ExamplesPassAndQuoteAFeePerTransition) {
  for (const char* name : {"manufacturing-order", "auction", "car-jeonse"}) {
    auto parsed = parse_template_json(read_source(std::string("examples/alpha/") + name + ".json"));
    ASSERT_TRUE(std::holds_alternative<Template>(parsed)) << name << ": " << std::get<ParseError>(parsed).to_string();
    const Template& t = std::get<Template>(parsed);
    CheckReport r = check_template(t);
    EXPECT_TRUE(r.ok()) << name << ":\n" << report_text(r);
    // A timeout and a normal end for every waiting stage, a start and a fault transition.
    size_t waiting = 0;
    for (const Stage& s : t.stages) waiting += is_waiting(s.action);
    EXPECT_GE(r.fees.size(), waiting + 2) << name;
    for (const auto& f : r.fees) {
      EXPECT_GT(f.max_steps, StepCosts::kTransition) << name << " " << f.transition;
      EXPECT_LE(f.max_steps, StepCosts::kTransitionMax) << name << " " << f.transition;
    }
  }
}

TEST(Checker, Reference) {
  json::value v = base();
  stage(v, 2)["due"] = "shipmnt.time + P7D";
  expect_refused(v, Rule::kReference, "stages[2].due.at", "unknown stage, event or decision 'shipmnt'");
  v = base();
  stage(v, 3)["goto"] = "closd";
  expect_refused(v, Rule::kReference, "stages[3].next", "unknown stage 'closd'");
  v = base();
  stage(v, 1)["await"] = "shiped";
  expect_refused(v, Rule::kReference, "stages[1].await", "unknown event 'shiped'");
  v = base();
  stage(v, 0)["pay"].as_object()["to"] = "selller";
  expect_refused(v, Rule::kReference, "stages[0].pay.to", "unknown role 'selller'");
  v = base();
  v.as_object()["let"] = json::object{{"a", "b + price"}, {"b", "a - price"}};
  expect_refused(v, Rule::kReference, "let.a", "refers to itself");
}

TEST(Checker, Types) {
  json::value v = base();
  stage(v, 0)["pay"].as_object()["amount"] = "ship_by";
  expect_refused(v, Rule::kType, "stages[0].pay.amount", "'ship_by' is time; expected amount");
  v = base();
  stage(v, 0)["pay"].as_object()["amount"] = "price * 30%";
  expect_refused(v, Rule::kType, "stages[0].pay.amount", "may be a fraction; round it with floor() or ceil()");
  v = base();
  stage(v, 1)["due"] = "ship_by + ship_by";
  expect_refused(v, Rule::kType, "stages[1].due.at", "cannot add time to time");
  v = base();
  stage(v, 1)["branch"].as_array()[0].as_object()["when"] = "shipped.result == lost";
  expect_refused(v, Rule::kType, "stages[1].branch[0].when", "'lost' is not a value of enum(event:shipped)");
  v = base();
  stage(v, 1)["branch"].as_array()[0].as_object()["when"] = "price";
  expect_refused(v, Rule::kType, "stages[1].branch[0].when", "expected bool");
}

TEST(Checker, Roles) {
  json::value v = base();
  v.at("events").at("shipped").as_object()["attesters"] = json::array{"courier"};
  expect_refused(v, Rule::kRoles, "events.shipped.attesters", "'courier' is not a role");
  v = base();
  v.at("decisions").at("accept").as_object()["delegable_to"] = json::array{"judge"};
  expect_refused(v, Rule::kRoles, "decisions.accept.delegable_to", "'judge' is not a role");
  v = base();
  v.at("decisions").at("accept").as_object()["holder"] = "owner";
  expect_refused(v, Rule::kRoles, "decisions.accept.holder", "'owner' is not a role");
  v = base();
  v.at("events").at("shipped").as_object()["quorum"] = 2;
  expect_refused(v, Rule::kQuorum, "events.shipped.quorum", "quorum 2 of 1 attester members");
}

TEST(Checker, EveryStageIsReachedAndReachesATerminal) {
  json::value v = base();
  v.at("stages").as_array().push_back(json::object{{"id", "orphan"}, {"release", "seller"}, {"goto", "closed"}});
  expect_refused(v, Rule::kReachable, "stages[5]", "stage 'orphan' is never reached");
  v = base();
  stage(v, 4).erase("goto");
  expect_refused(v, Rule::kReachesTerminal, "stages[4]", "stage 'refund_buyer' has no exit");
  // Two stages that only lead to each other (bounded and waiting, so only this rule fails).
  v = base();
  auto& stages = v.at("stages").as_array();
  stages.push_back(json::object{{"id", "limbo"}, {"wait", json::object{{"until", "ship_by"}}}, {"next", "limbo2"}});
  stages.push_back(json::object{{"id", "limbo2"}, {"wait", json::object{{"until", "ship_by"}}}, {"next", "limbo"},
                                {"max_visits", 3}, {"on_exhausted", "limbo"}});
  stage(v, 4)["goto"] = "limbo";
  CheckReport r = check(v);
  expect_refused(v, Rule::kReachesTerminal, "stages[5]", "stage 'limbo' cannot reach a terminal");
}

TEST(Checker, DefaultOutcomes) {
  json::value v = base();
  stage(v, 1).erase("on_timeout");
  expect_refused(v, Rule::kDefaultOutcome, "stages[1].on_timeout", "stage 'shipment' has a deadline but no default outcome");
  v = base();
  stage(v, 2).erase("due");
  expect_refused(v, Rule::kDefaultOutcome, "stages[2].due", "stage 'acceptance' waits with no deadline");
  v = base();
  stage(v, 3)["due"] = "ship_by";
  expect_refused(v, Rule::kDefaultOutcome, "stages[3].due", "does not wait");
}

TEST(Checker, BranchDefault) {
  json::value v = base();
  stage(v, 1)["branch"].as_array().pop_back();
  expect_refused(v, Rule::kBranchDefault, "stages[1].branch", "stage 'shipment' branches with no default");
}

// deposit -> fork { ship: await shipped | wait: until ship_by } -> join -> release.
json::value with_fork() {
  json::value v = base();
  json::array stages;
  stages.push_back(stage(v, 0));
  stages.push_back(json::object{{"id", "split"}, {"fork", json::object{{"branches", json::array{"ship", "pause"}}, {"join", "both"}}}});
  stages.push_back(json::object{{"id", "ship"}, {"await", "shipped"}, {"due", "ship_by"},
                                {"on_timeout", json::object{{"refund", "all"}, {"goto", "cancelled"}}}, {"next", "both"}});
  stages.push_back(json::object{{"id", "pause"}, {"wait", json::object{{"until", "ship_by"}}}, {"next", "both"}});
  stages.push_back(json::object{{"id", "both"}, {"join", "split"}, {"next", "pay_seller"}});
  stages.push_back(json::object{{"id", "pay_seller"}, {"release", "seller"}, {"goto", "closed"}});
  v.as_object()["stages"] = stages;
  v.as_object().erase("decisions");
  return v;
}

TEST(Checker, StructuredForkJoin) {
  CheckReport ok = check(with_fork());
  EXPECT_TRUE(ok.ok()) << report_text(ok);

  json::value v = with_fork();
  stage(v, 4)["join"] = "ship";
  expect_refused(v, Rule::kForkJoin, "stages[1].fork.join", "stage 'both' is not a join of fork 'split'");

  v = with_fork();
  stage(v, 3)["next"] = "ship";  // one branch runs into the other
  expect_refused(v, Rule::kForkJoin, "stages[3].next", "jumps from one branch of fork 'split' into another");

  v = with_fork();
  stage(v, 0)["on_timeout"] = json::object{{"goto", "both"}};  // a join entered without its fork
  expect_refused(v, Rule::kForkJoin, "stages[0].on_timeout", "join 'both' is entered from outside fork 'split'");

  v = with_fork();
  stage(v, 2)["next"] = "pay_seller";  // a branch that never reaches the join
  stage(v, 2)["on_timeout"] = json::object{{"refund", "all"}, {"goto", "cancelled"}};
  expect_refused(v, Rule::kForkJoin, "stages[1].fork.branches[0]", "branch 'ship' never reaches join 'both'");
}

TEST(Checker, EscrowEndsEmptyAtEveryTerminal) {
  json::value v = base();
  stage(v, 3).erase("release");
  stage(v, 3)["settle"] = json::object{{"claims", json::array{json::object{{"to", "seller"}, {"amount", "price"}}}},
                                       {"rest", "keep"}};
  expect_refused(v, Rule::kEscrowClosed, "stages[3].next", "reaches terminal 'closed' with COIN possibly left");
  v = base();
  stage(v, 1)["on_timeout"] = json::object{{"goto", "cancelled"}};  // the deposit stays in escrow
  expect_refused(v, Rule::kEscrowClosed, "stages[1].on_timeout", "reaches terminal 'cancelled'");
  v = base();
  v.as_object()["on_fault"] = "faulted";  // a fault may come when the escrow holds anything
  expect_refused(v, Rule::kEscrowClosed, "on_fault", "entered with an unknown balance");
  // A pay straight from party to party never touches the escrow.
  v = base();
  stage(v, 0)["pay"].as_object()["to"] = "seller";
  stage(v, 1)["on_timeout"] = json::object{{"goto", "cancelled"}};
  EXPECT_FALSE(report_text(check(v)).find("escrow_closed") != std::string::npos) << report_text(check(v));
}

TEST(Checker, LoopsAreBoundedAndWait) {
  json::value v = base();
  stage(v, 2)["branch"].as_array()[1].as_object()["default"] = "shipment";  // "no" -> ship again
  expect_refused(v, Rule::kBoundedLoops, "stages[1]", "shipment -> acceptance -> shipment form a loop with no max_visits");

  stage(v, 1)["max_visits"] = 3;
  stage(v, 1)["on_exhausted"] = json::object{{"refund", "all"}, {"goto", "cancelled"}};
  CheckReport r = check(v);
  EXPECT_TRUE(r.ok()) << report_text(r);

  stage(v, 1).erase("on_exhausted");
  expect_refused(v, Rule::kBoundedLoops, "stages[1].on_exhausted", "has max_visits but no on_exhausted");

  // A loop of stages that run at once: bounded, but one transition could run it to its bound.
  v = base();
  auto& stages = v.at("stages").as_array();
  stages.push_back(json::object{{"id", "spin"}, {"branch", json::array{json::object{{"when", "true"}, {"goto", "spin2"}},
                                                                       json::object{{"default", "closed"}}}},
                                {"max_visits", 5}, {"on_exhausted", "closed"}});
  stages.push_back(json::object{{"id", "spin2"}, {"next", "spin"}});
  stage(v, 3)["goto"] = "spin";
  expect_refused(v, Rule::kBoundedLoops, "stages[5]", "no stage waits");
}

TEST(Checker, StaticFeeHasACap) {
  // Each let names the previous one twice: evaluating the last one costs 2^24 evaluations.
  json::value v = base();
  json::object lets{{"l0", "price"}};
  for (int i = 1; i <= 24; ++i)
    lets["l" + std::to_string(i)] = "l" + std::to_string(i - 1) + " + l" + std::to_string(i - 1) + " - price";
  v.as_object()["let"] = lets;
  stage(v, 0)["pay"].as_object()["amount"] = "l24";
  // The amount is evaluated when the stage is entered, so the transition that enters it pays for it.
  expect_refused(v, Rule::kStaticFee, "stages[0]", "transition 'start' may cost");
  stage(v, 0)["pay"].as_object()["amount"] = "l12";
  CheckReport r = check(v);
  EXPECT_TRUE(r.ok()) << report_text(r);
}

TEST(Checker, FeesGrowWithWhatATransitionDoes) {
  CheckReport r = check(base());
  auto steps = [&](const std::string& t) {
    for (const auto& f : r.fees)
      if (f.transition == t) return f.max_steps;
    ADD_FAILURE() << "no transition " << t;
    return uint64_t(0);
  };
  // Attesting the shipment can run into the acceptance; its timeout refunds and closes.
  EXPECT_GT(steps("shipment.attested"), StepCosts::kTransition + StepCosts::kAttestation);
  EXPECT_EQ(steps("acceptance.delegated"), StepCosts::kTransition + StepCosts::kDecision);
  EXPECT_GE(steps("shipment.timeout"), StepCosts::kTransition + StepCosts::kTimer + StepCosts::kTransferNative + StepCosts::kTerminal);
}

TEST(Checker, VirtualPersonAndDispute) {
  json::value v = base();
  stage(v, 2).erase("decide");
  stage(v, 2).erase("due");
  stage(v, 2).erase("on_timeout");
  stage(v, 2).erase("branch");
  stage(v, 2)["arbitrate"] = true;
  v.as_object()["virtual_person"] = json::object{
      {"hit_policy", "PRIORITY"},
      {"outputs", json::object{{"verdict", json::object{{"type", "enum"}, {"values", json::array{"pay", "refund"}}}}}},
      {"rules", json::array{json::object{{"when", "shipped.result == ok"}, {"priority", 1}, {"set", json::object{{"verdict", "pay"}}}, {"goto", "pay_seller"}},
                            json::object{{"when", "true"}, {"priority", 1}, {"set", json::object{{"verdict", "refund"}}}, {"goto", "refund_buyer"}}}}};
  expect_refused(v, Rule::kVirtualPerson, "virtual_person.default", "missing");
  expect_refused(v, Rule::kVirtualPerson, "virtual_person.rules[1].priority", "two rows share priority 1");
  v.at("virtual_person").as_object()["default"] = json::object{{"goto", "refund_buyer"}};
  v.at("virtual_person").at("rules").as_array()[1].as_object()["priority"] = 0;
  expect_refused(v, Rule::kVirtualPerson, "virtual_person.default.set", "does not set output 'verdict'");
  v.at("virtual_person").at("default").as_object()["set"] = json::object{{"verdict", "refund"}};
  CheckReport r = check(v);
  EXPECT_TRUE(r.ok()) << report_text(r);

  v.as_object()["dispute"] = json::object{
      {"open_by", json::array{"buyer", "seller"}},
      {"ladder", json::array{json::object{{"by", "virtual_person"}, {"within", "P3D"}}, json::object{{"by", "carrier"}, {"within", "P7D"}}}},
      {"on_silence", json::object{{"after", "P30D"}, {"outcome", "buyer_winz"}}},
      {"outcomes", json::object{{"buyer_wins", json::object{{"refund", "all"}, {"goto", "cancelled"}}},
                                {"seller_wins", json::object{{"goto", "closed"}}}}}};
  expect_refused(v, Rule::kDispute, "dispute.ladder[1].by", "'carrier' is not a referee role");
  expect_refused(v, Rule::kDispute, "dispute.on_silence.outcome", "'buyer_winz' is not an outcome");
  v.at("dispute").as_object()["ladder"].as_array().pop_back();
  v.at("dispute").at("on_silence").as_object()["outcome"] = "buyer_wins";
  // A ruling can come at any time, so an outcome must close the escrow itself.
  expect_refused(v, Rule::kEscrowClosed, "dispute.outcomes.seller_wins", "entered with an unknown balance");
}

}  // namespace
}  // namespace cx::alpha
