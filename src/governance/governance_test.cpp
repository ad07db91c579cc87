// The governance contract through execution (apply_tx and icx_call on a journal over the genesis
// state): each action, each refusal and its reason, the rules, expiry and reads of the set at heights.
#include <gtest/gtest.h>

#include "execution/test_probe.hpp"
#include "governance/governance.hpp"

namespace cx::governance {
namespace {

using execution::testing::user;
namespace json = boost::json;

const core::Address kGov = governance_contract_address();
// Tier 1: a regulator (r1) and a second supervisor (r2); tier 2: an association (a1, a validator);
// tier 3: banks (b1, b2: validators) and a follower node (f1).
const core::Address r1 = user(11), r2 = user(12), a1 = user(13), b1 = user(14), b2 = user(15), f1 = user(20),
                    stranger = user(99);

core::ChainParams tiered_params() {
  core::ChainParams p;
  p.treasury = user(0xfe);
  p.validators = {r1, a1, b1, b2};
  p.members = {{r1, core::MemberRole::kValidator, "Regulator", 1, 0},
               {r2, core::MemberRole::kClient, "Supervisor", 1, 0},
               {a1, core::MemberRole::kValidator, "Association", 2, 0},
               {b1, core::MemberRole::kValidator, "Bank One", 3, 0},
               {b2, core::MemberRole::kValidator, "Bank Two", 3, 0},
               {f1, core::MemberRole::kFollower, "Bank Three", 3, 0}};
  for (const auto& a : {r1, r2, a1, b1, b2, f1, stranger}) p.accounts.push_back({a, core::testing::icx(1000)});
  return p;
}

struct GovChain {
  core::ChainParams params;
  contracts::Registry registry = contracts::make_native_registry();
  std::unique_ptr<state::MapReader> base;
  std::unique_ptr<execution::Journal> journal;
  uint64_t height = 1;
  Uint256 cumulative;

  explicit GovChain(core::ChainParams p = tiered_params()) : params(std::move(p)) {
    registry.add_native(kGov, make_governance_contract());
    base = std::make_unique<state::MapReader>(execution::genesis_changes(params));
    journal = std::make_unique<execution::Journal>(*base);
  }
  execution::BlockContext ctx() const { return {&params, height, 1'700'000'000'000'000, &registry}; }

  core::Receipt send(const core::Address& from, std::string_view method, json::value p) {
    execution::testing::TxFields f;
    f.from = from;
    f.to = kGov;
    f.data = execution::testing::call_data(method, std::move(p));
    return execution::apply_tx(*journal, ctx(), execution::testing::make_tx(f), 0, cumulative);
  }
  core::Receipt propose(const core::Address& from, std::string_view action, json::object args,
                        std::optional<uint64_t> effective = std::nullopt) {
    json::object p{{"action", action}, {"args", std::move(args)}};
    if (effective) p["effectiveHeight"] = Uint256(*effective).to_icon_hex();
    return send(from, "propose", std::move(p));
  }
  core::Receipt vote(const core::Address& from, uint64_t id, bool approve) {
    return send(from, "vote", json::object{{"id", Uint256(id).to_icon_hex()}, {"approve", approve ? "0x1" : "0x0"}});
  }
  json::value read(std::string_view method, json::value p = nullptr) {
    contracts::CallRequest req;
    req.contract = kGov;
    req.method = std::string(method);
    req.params = std::move(p);
    auto r = execution::query(*journal, ctx(), req);
    EXPECT_TRUE(r.ok) << method << ": " << r.message;
    return r.output;
  }
  std::string status(uint64_t id) {
    return std::string(read("getProposal", json::object{{"id", id}}).at("status").get_string());
  }
  std::vector<core::ValidatorEpoch> epochs() {
    return read_epochs([&](std::string_view key) {
      return journal->get(execution::contract_storage_key(kGov, as_bytes(key)));
    });
  }
};

std::string refusal(const core::Receipt& r) { return r.success ? "(accepted)" : r.failure->message; }
bool has_log(const core::Receipt& r, std::string_view sig) {
  for (const auto& l : r.logs)
    if (!l.indexed.empty() && l.indexed[0] == sig) return true;
  return false;
}

TEST(Governance, GenesisSeedsMembersValidatorsParamsAndRules) {
  GovChain c;
  auto members = c.read("getMembers");
  EXPECT_EQ(members.at("total").to_number<int64_t>(), 6);
  auto m = c.read("getMember", json::object{{"address", a1.to_string()}});
  EXPECT_EQ(m.at("tier").to_number<int64_t>(), 2);
  EXPECT_EQ(m.at("institution"), "Association");
  EXPECT_EQ(m.at("roles"), json::array{"validator"});
  auto f = c.read("getMember", json::object{{"address", f1.to_string()}});
  EXPECT_EQ(f.at("roles"), json::array{"follower"});
  auto v = c.read("getValidators");
  EXPECT_EQ(v.at("validators").as_array().size(), 4u);
  EXPECT_EQ(v.at("quorum").to_number<int64_t>(), 3);
  EXPECT_EQ(v.at("hash"), json::value("0x" + c.params.validator_set().hash().hex()));
  EXPECT_EQ(c.read("getParams").at("changeMargin").to_number<int64_t>(), 10);
  EXPECT_EQ(c.read("getRules").at("setRule").at("num").to_number<int64_t>(), 1);
  auto epochs = c.epochs();
  ASSERT_EQ(epochs.size(), 1u);
  EXPECT_EQ(epochs[0].from_height, 0u);
  EXPECT_EQ(epochs[0].set, c.params.validator_set());
}

TEST(Governance, WithoutTiersTheValidatorsAreTierOne) {
  core::ChainParams p;
  p.treasury = user(0xfe);
  p.validators = {r1, a1};
  p.members = {{f1, core::MemberRole::kFollower, "", 0, 0}};
  GovChain c(p);
  EXPECT_EQ(c.read("getMember", json::object{{"address", a1.to_string()}}).at("tier").to_number<int64_t>(), 1);
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("tier").to_number<int64_t>(), 3);
}

TEST(Governance, SuspendNeedsMoreThanHalfOfTierOneAndRefusesOthers) {
  GovChain c;
  // f1 (tier 3) may neither propose nor vote on a tier-1 decision.
  auto r = c.propose(f1, "suspendMember", {{"address", f1.to_string()}});
  EXPECT_NE(refusal(r).find("wrong tier: suspendMember is decided by tier(s) 1; " + f1.to_string() + " is tier 3"),
            std::string::npos)
      << refusal(r);
  r = c.propose(r1, "suspendMember", {{"address", f1.to_string()}});
  ASSERT_TRUE(r.success) << refusal(r);
  EXPECT_TRUE(has_log(r, "ProposalCreated(int,str,Address)"));
  EXPECT_EQ(c.status(1), "open");  // r1 alone is half of tier 1, not more
  EXPECT_NE(refusal(c.vote(b1, 1, true)).find("wrong tier"), std::string::npos);
  EXPECT_NE(refusal(c.vote(stranger, 1, true)).find("is not a member"), std::string::npos);
  EXPECT_NE(refusal(c.vote(r1, 1, true)).find("has voted on proposal 1 already"), std::string::npos);
  r = c.vote(r2, 1, true);
  ASSERT_TRUE(r.success) << refusal(r);
  EXPECT_TRUE(has_log(r, "Executed(int,int)"));
  EXPECT_EQ(c.status(1), "executed");
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("status"), "suspended");
  EXPECT_NE(refusal(c.vote(r2, 1, false)).find("is executed, not open"), std::string::npos);
  // Reinstated the same way.
  ASSERT_TRUE(c.propose(r2, "reinstateMember", {{"address", f1.to_string()}}).success);
  ASSERT_TRUE(c.vote(r1, 2, true).success);
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("status"), "active");
}

TEST(Governance, AValidatorCannotBeSuspendedAndVotesAgainstReject) {
  GovChain c;
  EXPECT_NE(refusal(c.propose(r1, "suspendMember", {{"address", b1.to_string()}})).find("remove it from the validator set first"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "suspendMember", {{"address", r2.to_string()}}).success);
  c.vote(r2, 1, false);  // r2 still votes on its own suspension: 1 of 2 against, so rejected
  EXPECT_EQ(c.status(1), "rejected");
}

TEST(Governance, AddMemberAndSetRolesByTiersOneAndTwo) {
  GovChain c;
  const core::Address n = user(30);
  json::object args{{"address", n.to_string()}, {"institution", "Registrar Co"}, {"tier", 3}, {"roles", json::array{"ra"}}};
  EXPECT_NE(refusal(c.propose(b1, "addMember", args)).find("wrong tier"), std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addMember", {{"address", n.to_string()}, {"tier", 4}, {"roles", json::array{}}}))
                .find("tier: expected 1"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addMember", {{"address", n.to_string()}, {"tier", 3}, {"roles", json::array{"king"}}}))
                .find("roles: expected"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addMember", {{"address", n.to_string()}, {"tier", 3}, {"roles", json::array{"validator"}}}))
                .find("with addValidator"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addMember", {{"address", b1.to_string()}, {"tier", 3}, {"roles", json::array{}}}))
                .find("is a member already"),
            std::string::npos);
  // Tiers 1–2 hold weight 3 (r1, r2, a1): more than half needs 2.
  ASSERT_TRUE(c.propose(r1, "addMember", args).success);
  EXPECT_EQ(c.status(1), "open");
  ASSERT_TRUE(c.vote(a1, 1, true).success);
  EXPECT_EQ(c.status(1), "executed");
  auto m = c.read("getMember", json::object{{"address", n.to_string()}});
  EXPECT_EQ(m.at("roles"), json::array{"ra"});
  EXPECT_EQ(c.read("getMembers", json::object{{"offset", 6}, {"limit", 1}}).at("members").as_array()[0].at("address"),
            json::value(n.to_string()));
  ASSERT_TRUE(c.propose(r1, "setRoles", {{"address", n.to_string()}, {"roles", json::array{"ra", "attester"}}}).success);
  ASSERT_TRUE(c.vote(r2, 2, true).success);
  EXPECT_EQ(c.read("getMember", json::object{{"address", n.to_string()}}).at("roles"), (json::array{"ra", "attester"}));
  EXPECT_NE(refusal(c.propose(r1, "setRoles", {{"address", b1.to_string()}, {"roles", json::array{"ra"}}}))
                .find("the validator role follows the validator set"),
            std::string::npos);
}

TEST(Governance, TierOneAloneGrantsAndRevokesAudit) {
  const core::Address aud = user(31);
  core::ChainParams p = tiered_params();
  p.accounts.push_back({aud, core::testing::icx(1000)});  // it pays for its (refused) attempt
  GovChain c(p);
  // The auditor role comes only from grantAudit/revokeAudit, which tier 1 decides.
  EXPECT_NE(refusal(c.propose(r1, "addMember", {{"address", aud.to_string()}, {"tier", 3}, {"roles", json::array{"auditor"}}}))
                .find("the auditor role is granted with grantAudit"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setRoles", {{"address", f1.to_string()}, {"roles", json::array{"follower", "auditor"}}}))
                .find("the auditor role is granted with grantAudit"),
            std::string::npos);
  auto r = c.propose(a1, "grantAudit", {{"address", aud.to_string()}});
  EXPECT_NE(refusal(r).find("wrong tier: grantAudit is decided by tier(s) 1; " + a1.to_string() + " is tier 2"), std::string::npos)
      << refusal(r);
  EXPECT_NE(refusal(c.propose(r1, "grantAudit", {{"address", "hx12"}})).find("address: expected"), std::string::npos);
  EXPECT_EQ(c.read("getRules").at("grantAudit").at("tiers"), json::array{1});
  // r1 and r2 (all of tier 1) approve: a stranger becomes an auditor-only member.
  ASSERT_TRUE(c.propose(r1, "grantAudit", {{"address", aud.to_string()}, {"institution", "Audit Office"}}).success);
  EXPECT_EQ(c.status(1), "open");
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  EXPECT_EQ(c.status(1), "executed");
  auto m = c.read("getMember", json::object{{"address", aud.to_string()}});
  EXPECT_EQ(m.at("roles"), json::array{"auditor"});
  EXPECT_EQ(m.at("institution"), "Audit Office");
  EXPECT_NE(refusal(c.propose(r1, "grantAudit", {{"address", aud.to_string()}})).find("is an auditor already"), std::string::npos);
  // It takes no part in governance.
  r = c.propose(aud, "addMember", {{"address", user(32).to_string()}, {"tier", 3}, {"roles", json::array{}}});
  EXPECT_NE(refusal(r).find("is an auditor: it takes no part in governance"), std::string::npos) << refusal(r);
  // The channel's read sees it.
  auto members = read_members([&](std::string_view key) { return c.journal->get(execution::contract_storage_key(kGov, as_bytes(key))); });
  ASSERT_EQ(members.size(), 7u);
  EXPECT_EQ(members.back().address, aud);
  EXPECT_TRUE(auditor_only(members.back()));
  // A member gains the role and keeps its own; revokeAudit takes it away.
  ASSERT_TRUE(c.propose(r1, "grantAudit", {{"address", f1.to_string()}}).success);
  ASSERT_TRUE(c.vote(r2, 2, true).success);
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("roles"), (json::array{"auditor", "follower"}));
  ASSERT_TRUE(c.propose(r2, "revokeAudit", {{"address", aud.to_string()}}).success);
  ASSERT_TRUE(c.vote(r1, 3, true).success);
  EXPECT_EQ(c.read("getMember", json::object{{"address", aud.to_string()}}).at("roles"), json::array{});
  EXPECT_NE(refusal(c.propose(r1, "revokeAudit", {{"address", aud.to_string()}})).find("is not an auditor"), std::string::npos);
}

// grantAudit's `until`: the auditor's access ends at that height, read from final state as suspension
// is; the record shows it (auditUntil), a height already reached is refused, a grant that ran out can
// be given again, and revokeAudit clears it.
TEST(Governance, AGrantOfAuditEndsAtItsUntilHeight) {
  const core::Address aud = user(33);
  GovChain c(tiered_params());
  c.height = 10;
  EXPECT_NE(refusal(c.propose(r1, "grantAudit", {{"address", aud.to_string()}, {"until", 10}})).find("until: height 10 has been reached"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "grantAudit", {{"address", aud.to_string()}, {"until", "soon"}})).find("until: expected a block height"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "grantAudit", {{"address", aud.to_string()}, {"until", 20}}).success);
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  ASSERT_EQ(c.status(1), "executed");
  auto m = c.read("getMember", json::object{{"address", aud.to_string()}});
  EXPECT_EQ(m.at("auditUntil"), 20);
  EXPECT_EQ(m.at("roles"), json::array{"auditor"});
  auto stored = [&] {
    auto all = read_members([&](std::string_view key) { return c.journal->get(execution::contract_storage_key(kGov, as_bytes(key))); });
    return all.back();
  };
  EXPECT_EQ(stored().audit_until, 20u);
  EXPECT_FALSE(audit_ended(stored(), 19));
  EXPECT_TRUE(audit_ended(stored(), 20));
  // Before the end a second grant is refused; from it on, a new grant (here without an end) is taken.
  c.height = 19;
  EXPECT_NE(refusal(c.propose(r1, "grantAudit", {{"address", aud.to_string()}})).find("is an auditor already"), std::string::npos);
  c.height = 20;
  ASSERT_TRUE(c.propose(r1, "grantAudit", {{"address", aud.to_string()}}).success);
  ASSERT_TRUE(c.vote(r2, 2, true).success);
  ASSERT_EQ(c.status(2), "executed");
  EXPECT_FALSE(c.read("getMember", json::object{{"address", aud.to_string()}}).as_object().contains("auditUntil"));
  EXPECT_FALSE(audit_ended(stored(), 1'000'000));
  // revokeAudit clears an end with the role.
  ASSERT_TRUE(c.propose(r1, "grantAudit", {{"address", f1.to_string()}, {"until", 30}}).success);
  ASSERT_TRUE(c.vote(r2, 3, true).success);
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("auditUntil"), 30);
  ASSERT_TRUE(c.propose(r2, "revokeAudit", {{"address", f1.to_string()}}).success);
  ASSERT_TRUE(c.vote(r1, 4, true).success);
  auto f = c.read("getMember", json::object{{"address", f1.to_string()}});
  EXPECT_EQ(f.at("roles"), json::array{"follower"});
  EXPECT_FALSE(f.as_object().contains("auditUntil"));
}

TEST(Governance, AGenesisStoresNoRuleOfTheLaterActionsUnlessItSetsOne) {
  GovChain plain;
  auto stored = plain.journal->get(execution::contract_storage_key(kGov, as_bytes(std::string_view("rules"))));
  ASSERT_TRUE(stored);
  const std::string text(stored->begin(), stored->end());
  EXPECT_EQ(text.find("grantAudit"), std::string::npos) << text;
  core::ChainParams p = tiered_params();
  p.governance_json = R"({"rules": {"grantAudit": {"tiers": [1, 2], "num": 2, "den": 3}}})";
  GovChain set(p);
  EXPECT_EQ(set.read("getRules").at("grantAudit").at("tiers"), (json::array{1, 2}));
  EXPECT_EQ(set.read("getRules").at("revokeAudit").at("tiers"), json::array{1});
}

TEST(Governance, AddValidatorIsScheduledAtTheEffectiveHeight) {
  GovChain c;
  c.height = 20;
  // Too soon: the margin is 10.
  auto r = c.propose(r1, "addValidator", {{"address", f1.to_string()}}, 25);
  EXPECT_NE(refusal(r).find("effective height 25 is too soon: at height 20 the earliest is 30"), std::string::npos) << refusal(r);
  EXPECT_NE(refusal(c.propose(r1, "addValidator", {{"address", stranger.to_string()}})).find("is not a member"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addValidator", {{"address", r2.to_string()}})).find("runs no node"), std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addValidator", {{"address", b1.to_string()}})).find("is a validator already"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "addValidator", {{"address", f1.to_string()}}, 9)).find("too soon"), std::string::npos);
  ASSERT_TRUE(c.propose(r1, "addValidator", {{"address", f1.to_string()}, {"weight", 2}}, 40).success);
  // Tiers 1–2: weight 3; more than 2/3 needs all 3.
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  EXPECT_EQ(c.status(1), "open");
  c.height = 22;
  auto done = c.vote(a1, 1, true);
  ASSERT_TRUE(done.success) << refusal(done);
  EXPECT_EQ(c.status(1), "executed");
  auto p = c.read("getProposal", json::object{{"id", 1}});
  EXPECT_EQ(p.at("effectiveAt").to_number<int64_t>(), 40);
  auto epochs = c.epochs();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].from_height, 40u);
  EXPECT_EQ(epochs[1].set.size(), 5u);
  EXPECT_EQ(epochs[1].set.total_weight(), 6u);
  // Reads of the set at heights before and after.
  auto before = c.read("getValidators", json::object{{"height", 39}});
  auto after = c.read("getValidators", json::object{{"height", 40}});
  EXPECT_EQ(before.at("validators").as_array().size(), 4u);
  EXPECT_EQ(before.at("scheduled").as_array().size(), 1u);
  EXPECT_EQ(after.at("validators").as_array().size(), 5u);
  EXPECT_EQ(after.at("from").to_number<int64_t>(), 40);
  EXPECT_EQ(c.read("getMember", json::object{{"address", f1.to_string()}}).at("roles"), (json::array{"validator", "follower"}));
  // A later change must come after the scheduled one.
  r = c.propose(r1, "removeValidator", {{"address", b2.to_string()}}, 36);
  EXPECT_NE(refusal(r).find("too soon"), std::string::npos) << refusal(r);
}

TEST(Governance, WithoutAnEffectiveHeightTheFirstEpochBoundaryAfterTheMargin) {
  core::ChainParams p = tiered_params();
  p.governance_json = R"({"params": {"epochLength": 16}})";
  GovChain c(p);
  c.height = 7;
  EXPECT_NE(refusal(c.propose(r1, "removeValidator", {{"address", b2.to_string()}}, 24)).find("not an epoch boundary"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "removeValidator", {{"address", b2.to_string()}}).success);
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  ASSERT_TRUE(c.vote(a1, 1, true).success);
  auto epochs = c.epochs();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].from_height, 32u);  // ≥ 7 + 10, a multiple of 16
  EXPECT_FALSE(epochs[1].set.contains(b2));
  EXPECT_EQ(c.read("getMember", json::object{{"address", b2.to_string()}}).at("roles"), json::array{"follower"});
}

TEST(Governance, SetChangesThatWouldBreakTheSetAreRefused) {
  core::ChainParams p = tiered_params();
  p.validators = {r1, a1};
  GovChain c(p);
  // Weight 3 of 4 would be a quorum alone.
  auto r = c.propose(r1, "setValidatorWeight", {{"address", r1.to_string()}, {"weight", 3}});
  EXPECT_NE(refusal(r).find("one identity would hold a quorum alone"), std::string::npos) << refusal(r);
  EXPECT_NE(refusal(c.propose(r1, "setValidatorWeight", {{"address", r1.to_string()}, {"weight", 0}})).find("weight: expected"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "removeValidator", {{"address", a1.to_string()}}).success);
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  ASSERT_TRUE(c.vote(a1, 1, true).success);
  EXPECT_EQ(c.status(1), "executed");
  EXPECT_NE(refusal(c.propose(r1, "removeValidator", {{"address", r1.to_string()}})).find("the validator set would be empty"),
            std::string::npos);
}

TEST(Governance, AnApprovalThatComesTooLateFailsWithTheReason) {
  GovChain c;
  c.height = 5;
  ASSERT_TRUE(c.propose(r1, "addValidator", {{"address", f1.to_string()}}, 20).success);
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  c.height = 15;  // 15 + 10 > 20
  auto r = c.vote(a1, 1, true);
  ASSERT_TRUE(r.success);
  EXPECT_EQ(c.status(1), "failed");
  auto p = c.read("getProposal", json::object{{"id", 1}});
  EXPECT_NE(std::string(p.at("reason").get_string()).find("effective height 20 is too soon"), std::string::npos);
  EXPECT_EQ(c.epochs().size(), 1u);
}

TEST(Governance, ProposalsExpireAndCanBeCancelledByTheirProposer) {
  core::ChainParams p = tiered_params();
  p.governance_json = R"({"params": {"proposalLifetime": 5}})";
  GovChain c(p);
  ASSERT_TRUE(c.propose(r1, "suspendMember", {{"address", f1.to_string()}}).success);
  c.height = 7;
  EXPECT_EQ(c.status(1), "expired");
  EXPECT_NE(refusal(c.vote(r2, 1, true)).find("proposal 1 is expired, not open"), std::string::npos);
  ASSERT_TRUE(c.propose(r1, "suspendMember", {{"address", f1.to_string()}}).success);
  EXPECT_NE(refusal(c.send(r2, "cancel", json::object{{"id", 2}})).find("only the proposer"), std::string::npos);
  ASSERT_TRUE(c.send(r1, "cancel", json::object{{"id", 2}}).success);
  EXPECT_EQ(c.status(2), "cancelled");
  auto list = c.read("getProposals", json::object{{"limit", 10}});
  EXPECT_EQ(list.at("total").to_number<int64_t>(), 2);
  EXPECT_EQ(list.at("proposals").as_array()[0].at("id").to_number<int64_t>(), 2);  // newest first
}

TEST(Governance, RulesChangeOnlyByTierOneUnanimously) {
  GovChain c;
  json::object rule{{"tiers", json::array{1, 2, 3}}, {"num", 1}, {"den", 2}};
  EXPECT_NE(refusal(c.propose(a1, "setRule", {{"action", "suspendMember"}, {"rule", rule}})).find("wrong tier"), std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setRule", {{"action", "setRule"}, {"rule", rule}})).find("is fixed"), std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setRule", {{"action", "fly"}, {"rule", rule}})).find("unknown action 'fly'"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "setRule", {{"action", "suspendMember"}, {"rule", rule}}).success);
  EXPECT_EQ(c.status(1), "open");
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  EXPECT_EQ(c.status(1), "executed");
  EXPECT_EQ(c.read("getRules").at("suspendMember").at("tiers"), (json::array{1, 2, 3}));
  // Now a bank may propose a suspension.
  EXPECT_TRUE(c.propose(b1, "suspendMember", {{"address", r2.to_string()}}).success);
}

TEST(Governance, SetParamAndItsRefusals) {
  GovChain c;
  EXPECT_NE(refusal(c.propose(r1, "setParam", {{"name", "changeMargin"}, {"value", 20}})).find("fixed at genesis"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setParam", {{"name", "colour"}, {"value", 1}})).find("unknown parameter 'colour'"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setParam", {{"name", "epochLength"}, {"value", 0}})).find("epochLength: expected"),
            std::string::npos);
  EXPECT_NE(refusal(c.propose(r1, "setParam", {{"name", "epochLength"}, {"value", 4}}, 100)).find("only validator-set changes"),
            std::string::npos);
  ASSERT_TRUE(c.propose(r1, "setParam", {{"name", "epochLength"}, {"value", 4}}).success);
  ASSERT_TRUE(c.vote(r2, 1, true).success);
  ASSERT_TRUE(c.vote(a1, 1, true).success);
  EXPECT_EQ(c.read("getParams").at("epochLength").to_number<int64_t>(), 4);
}

TEST(Governance, BadInputIsRefusedWithAReason) {
  GovChain c;
  EXPECT_NE(refusal(c.propose(r1, "fly", {})).find("unknown action 'fly'"), std::string::npos);
  EXPECT_NE(refusal(c.send(r1, "propose", json::object{{"action", "addMember"}, {"args", "{not json"}})).find("args: expected"),
            std::string::npos);
  EXPECT_NE(refusal(c.send(r1, "propose", json::object{{"action", "addMember"}, {"args", std::string(5000, 'x')}}))
                .find("at most 4096 bytes"),
            std::string::npos);
  EXPECT_NE(refusal(c.vote(r1, 77, true)).find("no proposal 77"), std::string::npos);
  EXPECT_NE(refusal(c.send(r1, "vote", json::object{{"id", 1}, {"approve", "maybe"}})).find("approve: expected"),
            std::string::npos);
  contracts::CallRequest req;
  req.contract = kGov;
  req.method = "getMembers";
  req.params = json::object{{"limit", 1000}};
  auto r = execution::query(*c.journal, c.ctx(), req);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("limit: expected 1..100"), std::string::npos);
}

TEST(Governance, GenesisGovernanceIsCheckedWithTheField) {
  core::ChainParams p = tiered_params();
  p.governance_json = R"({"rules": {"addMember": {"tiers": [4], "num": 1, "den": 2}}})";
  EXPECT_NE(parse_genesis(p).message().find("governance.rules.addMember: tiers"), std::string::npos);
  p.governance_json = R"({"params": {"changeMargin": 2}})";
  EXPECT_NE(parse_genesis(p).message().find("governance.params.changeMargin"), std::string::npos);
  p.governance_json = R"({"rules": {"setRule": {"tiers": [1], "num": 1, "den": 2}}})";
  EXPECT_NE(parse_genesis(p).message().find("fixed"), std::string::npos);
  p.governance_json = R"({"votes": 1})";
  EXPECT_NE(parse_genesis(p).message().find("unknown field 'votes'"), std::string::npos);
}

}  // namespace
}  // namespace cx::governance
