// The trade payment-term library (examples/alpha/terms/): every term parses, passes the registration
// checker, pins prose that matches its files, keeps its canonical hash (a change to a term or to the
// canonical form shows up here as a new hash, on purpose), writes UCP 600's deadlines where it uses an
// L/C, and simulates to paths that conserve money and leave the escrow empty.
#include "alpha/alpha_test_util.hpp"
#include "alpha/prose.hpp"
#include "alpha/simulate.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {
namespace {

using namespace test;

struct Term {
  const char* name;
  const char* hash;  // template_hash, hex
};

// Regenerate with `complexchain alpha template check examples/alpha/terms/<name>.json` after an intended change.
const Term kTerms[] = {
    {"tt-advance", "cade91a5b0019f28a20ac03c8141cdfca5af9cf7043b1b571d6df31f14868b20"},
    {"mt-advance", "ce5271a2fa65ada73953ac22069fd203f62b9506c763fb8e12f189fe317e847a"},
    {"cwo", "d18f3392d72013c86d6594429bb9dd70ae3099386b2e627cb70559a799ed8c5f"},
    {"lc-red-clause", "5e5f33dc43476ae4487cd87b228e505859ab0348ca1d0caf18bde2c930ebc69e"},
    {"cod", "345ff72a6148ddb5fca4521a02575d766a23cf3b2a9a65cc9e53468ea85f0104"},
    {"cad", "a0739537a8a488fa61a72d20924c00b55e93124c4d4fa7661f0ba75d5d555bfb"},
    {"lc-sight", "46ef6a6740232736ce13c9ce614b96d61cf84e049a54d4ebac798617aa07130d"},
    {"dp", "e9791aaa6a653f15649626a4aaa5db1fb43962ac1e8f6e89d1d8528efaf93b68"},
    {"lc-usance", "43488d4fe35e39622e0bebc0bbf6fd2f1fead72e90355b81eaa7a8ddb3f3153a"},
    {"da", "3aecbf63cbc0c68f0c75bc9ea381f5ee52a9d6074591e16923263932ff47daad"},
};

Template load(const std::string& name) {
  auto parsed = parse_template_json(read_source("examples/alpha/terms/" + name + ".json"));
  if (auto* e = std::get_if<ParseError>(&parsed)) ADD_FAILURE() << name << ": " << e->to_string();
  return std::holds_alternative<Template>(parsed) ? std::get<Template>(parsed) : Template{};
}

InstanceInput instance(const Template& t, const std::string& name) {
  auto in = parse_instance_input(t, read_source("examples/alpha/terms/instances/" + name + ".json"));
  if (auto* e = std::get_if<ParseError>(&in)) ADD_FAILURE() << name << ": " << e->to_string();
  return std::holds_alternative<InstanceInput>(in) ? std::get<InstanceInput>(in) : InstanceInput{};
}

TEST(Terms, EachPassesTheCheckerAndKeepsItsHash) {
  for (const Term& term : kTerms) {
    Template t = load(term.name);
    CheckReport r = check_template(t);
    EXPECT_TRUE(r.ok()) << term.name << ":\n" << report_text(r);
    EXPECT_EQ(template_hash(t).hex(), term.hash) << term.name;
    // The canonical form parses back to the same template, so the hash is a fixed point.
    auto again = parse_template_json(canonical_json(t));
    ASSERT_TRUE(std::holds_alternative<Template>(again)) << term.name;
    EXPECT_EQ(template_hash(std::get<Template>(again)), template_hash(t)) << term.name;
  }
}

TEST(Terms, ProseInKoreanAndEnglishMatchesThePinnedHashes) {
  for (const Term& term : kTerms) {
    Template t = load(term.name);
    InstanceInput in = instance(t, term.name);
    ASSERT_EQ(t.prose.size(), 2u) << term.name;
    for (const Prose& p : t.prose) {
      std::string source = read_source(p.uri.substr(std::string("repo://").size()));
      EXPECT_EQ(crypto::sha3_256(as_bytes(source)), p.hash) << term.name << " " << p.lang;
      auto r = render_prose(t, in, p.lang, source);
      ASSERT_TRUE(std::holds_alternative<RenderedProse>(r))
          << term.name << " " << p.lang << ": " << std::get<std::string>(r);
      EXPECT_NE(std::get<RenderedProse>(r).text.find(in.param_text.at("price")), std::string::npos) << term.name;
    }
  }
}

const Stage& stage_named(const Template& t, const std::string& id) {
  int i = find_stage(t, id);
  EXPECT_GE(i, 0) << id;
  return t.stages[static_cast<size_t>(std::max(i, 0))];
}

TEST(Terms, LettersOfCreditFollowUcp600) {
  for (const char* name : {"lc-sight", "lc-red-clause", "lc-usance"}) {
    Template t = load(name);
    EXPECT_FALSE(t.calendar.empty()) << name;
    // art. 14(c) and 6(d): 21 days after shipment and never after expiry.
    EXPECT_EQ(to_text(*stage_named(t, "presentation").due), "min(shipped.time + P21D, lc_expiry)") << name;
    // art. 14(b): five banking days following presentation; art. 16(f): silence honours.
    const Stage& exam = stage_named(t, "examination");
    EXPECT_EQ(to_text(*exam.due), "business_days(docs_presented.time, 5)") << name;
    EXPECT_EQ(exam.on_timeout->target, "honour") << name;
  }
}

// Sums per asset over every party of a path, plus what is left in the escrow: zero when conserved.
void expect_conserved(const SimPath& p, const std::string& what) {
  std::map<std::string, Int> sum;
  for (const auto& [party, by_asset] : p.payments)
    for (const auto& [asset, v] : by_asset) sum[asset] = *sum[asset].add(v);
  for (const auto& [asset, left] : p.escrow_end) {
    EXPECT_TRUE(left.is_zero()) << what << ": escrow keeps " << left.to_dec() << " " << asset;
    EXPECT_TRUE(sum[asset].is_zero()) << what << ": " << asset << " sums to " << sum[asset].to_dec();
  }
}

TEST(Terms, SimulateEveryTerm) {
  for (const Term& term : kTerms) {
    Template t = load(term.name);
    auto r = simulate(t, instance(t, term.name));
    ASSERT_TRUE(std::holds_alternative<SimResult>(r)) << term.name << ": " << std::get<std::string>(r);
    const SimResult& sim = std::get<SimResult>(r);
    EXPECT_FALSE(sim.truncated);
    EXPECT_GE(sim.paths.size(), 3u) << term.name;
    bool paid = false;
    for (const SimPath& p : sim.paths) {
      expect_conserved(p, std::string(term.name) + " -> " + p.terminal);
      EXPECT_TRUE(p.fault.empty()) << term.name << ": " << p.fault;
      EXPECT_GT(p.max_steps, 0u);
      auto seller = p.payments.find("seller");
      paid |= (p.terminal == "honoured" || p.terminal == "completed") && seller != p.payments.end() &&
              seller->second.at("COIN") == Int(1'000'000);
    }
    EXPECT_TRUE(paid) << term.name << ": no path pays the seller the price";
  }
}

// Presentation on Friday 2026-02-27 (shipment one hour after the credit is funded, presentation one
// hour after that): five banking days, skipping the weekend and the holiday of Monday 2026-03-02,
// end on Monday 2026-03-09.
TEST(Terms, ExaminationDeadlineCountsBankingDays) {
  Template t = load("lc-sight");
  auto in = parse_instance_input(t, R"({"signed_at": "2026-02-27T00:00:00Z",
    "params": {"price": 1000, "ship_by": "2026-03-20", "lc_expiry": "2026-03-31"},
    "calendar": {"weekend": [5, 6], "holidays": ["2026-03-02"]}})");
  ASSERT_TRUE(std::holds_alternative<InstanceInput>(in)) << std::get<ParseError>(in).to_string();
  auto r = simulate(t, std::get<InstanceInput>(in));
  ASSERT_TRUE(std::holds_alternative<SimResult>(r));
  bool found = false;
  for (const SimPath& p : std::get<SimResult>(r).paths)
    for (const std::string& s : p.steps) found |= s == "2026-03-09T03:00:00Z examination: deadline passed";
  EXPECT_TRUE(found) << "the examination deadline is not 2026-03-09T03:00:00Z";
}

}  // namespace
}  // namespace cx::alpha
