// The governance actions (actions.hpp): each checked when proposed and again when approved, then
// executed. Member actions take effect in the approving block; validator-set changes are scheduled at
// their effective height (docs/governance.md).
#include "governance/actions.hpp"

#include <algorithm>

namespace cx::governance::actions {
namespace {

using store::bad;
using store::refuse;

std::optional<core::Address> address_arg(const json::object& a, std::string_view key = "address") {
  const auto* v = a.if_contains(key);
  auto addr = v && v->is_string() ? core::Address::parse(v->get_string()) : std::nullopt;
  if (!addr || addr->is_contract) return std::nullopt;
  return addr;
}

std::optional<uint32_t> roles_arg(const json::object& a) {
  const auto* v = a.if_contains("roles");
  if (!v || !v->is_array() || v->get_array().size() > 6) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& r : v->get_array()) {
    if (!r.is_string()) return std::nullopt;
    names.emplace_back(r.get_string());
  }
  return parse_roles(names);
}

const char* kAuditorHelp = "the auditor role is granted with grantAudit and taken with revokeAudit (decided by tier 1)";
const char* kRolesHelp = "roles: expected a list of distinct roles among validator, ra, auditor, attester, follower, client";

// The member `a` names, which must exist.
std::optional<CallResult> existing_member(Host& h, const json::object& args, std::optional<Member>& m) {
  auto a = address_arg(args);
  if (!a) return bad("address: expected an hx address");
  if (auto f = store::load_member(h, *a, m)) return f;
  if (!m) return refuse(a->to_string() + " is not a member");
  return std::nullopt;
}

// The set the change would make, from the latest scheduled set.
std::optional<CallResult> next_set(Host& h, const std::string& action, const json::object& args,
                                   const core::ValidatorSet& latest, core::ValidatorSet& out) {
  auto a = address_arg(args);
  if (!a) return bad("address: expected an hx address");
  std::vector<core::Validator> list = latest.validators();
  auto it = std::find_if(list.begin(), list.end(), [&](const core::Validator& v) { return v.address == *a; });
  std::optional<uint64_t> weight;
  if (args.contains("weight")) {
    weight = model::u64_of(args.if_contains("weight"));
    if (!weight || *weight < 1 || *weight > core::kValidatorWeightMax)
      return bad("weight: expected an integer 1.." + std::to_string(core::kValidatorWeightMax));
  }
  const auto* group = args.if_contains("group");
  if (group && (!group->is_string() || group->get_string().size() > core::kGroupNameMax))
    return bad("group: expected a name of at most " + std::to_string(core::kGroupNameMax) + " characters");
  if (action == "addValidator") {
    if (it != list.end()) return refuse(a->to_string() + " is a validator already");
    std::optional<Member> m;
    if (auto f = store::load_member(h, *a, m)) return f;
    if (!m) return refuse(a->to_string() + " is not a member (admit it with addMember first)");
    if (m->suspended) return refuse(a->to_string() + " is suspended");
    if (!(m->roles & (kRoleFollower | kRoleValidator)))
      return refuse(a->to_string() + " runs no node (a validator must be a member with the follower role)");
    list.push_back(core::Validator{*a, weight.value_or(1), group ? std::string(group->get_string()) : std::string()});
  } else {
    if (it == list.end()) return refuse(a->to_string() + " is not a validator");
    if (action == "removeValidator") {
      list.erase(it);
      if (list.empty()) return refuse("the validator set would be empty");
    } else {
      if (!weight) return bad("weight: expected an integer 1.." + std::to_string(core::kValidatorWeightMax));
      it->weight = *weight;
      if (group) it->group = std::string(group->get_string());
    }
  }
  auto set = core::ValidatorSet::make(std::move(list));
  if (!set) return refuse("the new validator set is not valid: " + set.message());
  // Quorum safety: no single identity may certify alone while there are others (its fault alone
  // would then break safety, and the others could not stop it).
  if (set->identity_count() > 1)
    for (size_t i = 0; i < set->identity_count(); ++i)
      if (set->identity_weight(i) >= set->quorum())
        return refuse("one identity would hold a quorum alone (weight " + std::to_string(set->identity_weight(i)) +
                      " of " + std::to_string(set->total_weight()) + ", quorum " + std::to_string(set->quorum()) + ")");
  out = std::move(*set);
  return std::nullopt;
}

bool is_set_change(const std::string& action) {
  return action == "addValidator" || action == "removeValidator" || action == "setValidatorWeight";
}

std::optional<CallResult> check_member_action(Host& h, const std::string& action, const json::object& args,
                                              const core::ValidatorSet& latest) {
  if (action == "addMember") {
    auto a = address_arg(args);
    if (!a) return bad("address: expected an hx address");
    auto tier = model::u64_of(args.if_contains("tier"));
    if (!tier || *tier < 1 || *tier > 3) return bad("tier: expected 1 (supervision), 2 (adjustment) or 3 (business)");
    auto roles = roles_arg(args);
    if (!roles) return bad(kRolesHelp);
    if (*roles & kRoleValidator) return refuse("a member becomes a validator with addValidator, not with its roles");
    if (*roles & kRoleAuditor) return refuse(kAuditorHelp);
    const auto* inst = args.if_contains("institution");
    if (inst && (!inst->is_string() || inst->get_string().size() > kInstitutionMax))
      return bad("institution: expected a name of at most " + std::to_string(kInstitutionMax) + " characters");
    if (args.contains("votes")) {
      auto votes = model::u64_of(args.if_contains("votes"));
      if (!votes || *votes < 1 || *votes > kMemberVotesMax) return bad("votes: expected 1.." + std::to_string(kMemberVotesMax));
    }
    std::optional<Member> m;
    if (auto f = store::load_member(h, *a, m)) return f;
    if (m) return refuse(a->to_string() + " is a member already");
    std::vector<core::Address> all;
    if (auto f = store::load_addresses(h, all)) return f;
    if (all.size() >= kMembersMax) return refuse("the channel has " + std::to_string(kMembersMax) + " members, the most it may");
    return std::nullopt;
  }
  std::optional<Member> m;
  if (auto f = existing_member(h, args, m)) return f;
  if (action == "suspendMember") {
    if (m->suspended) return refuse(m->address.to_string() + " is suspended already");
    if (latest.contains(m->address))
      return refuse(m->address.to_string() + " is a validator (now or scheduled): remove it from the validator set first");
  } else if (action == "reinstateMember") {
    if (!m->suspended) return refuse(m->address.to_string() + " is not suspended");
  } else if (action == "setRoles") {
    auto roles = roles_arg(args);
    if (!roles) return bad(kRolesHelp);
    if (bool(*roles & kRoleValidator) != latest.contains(m->address))
      return refuse("the validator role follows the validator set: change it with addValidator/removeValidator");
    if (bool(*roles & kRoleAuditor) != bool(m->roles & kRoleAuditor)) return refuse(kAuditorHelp);
  } else if (action == "revokeAudit") {
    if (!(m->roles & kRoleAuditor)) return refuse(m->address.to_string() + " is not an auditor");
  }
  return std::nullopt;
}

// grantAudit's optional `until`: a height after the current block, at most 10,000,000 ahead; 0 = none.
std::optional<CallResult> audit_until_arg(Host& h, const json::object& args, uint64_t& out) {
  out = 0;
  const auto* until = args.if_contains("until");
  if (!until) return std::nullopt;
  const uint64_t height = h.block().height;
  auto v = model::u64_of(until);
  if (!v) return bad("until: expected a block height");
  if (*v <= height)
    return refuse("until: height " + std::to_string(*v) + " has been reached (the block is " + std::to_string(height) + ")");
  if (*v > height + 10'000'000) return refuse("until: height " + std::to_string(*v) + " is too far ahead");
  out = *v;
  return std::nullopt;
}

// grantAudit {address, institution?, until?}: a stranger becomes an auditor-only member (tier 3, no
// vote); a member gains the auditor role (again, once an earlier grant's `until` has passed).
std::optional<CallResult> check_grant_audit(Host& h, const json::object& args) {
  auto a = address_arg(args);
  if (!a) return bad("address: expected an hx address");
  const auto* inst = args.if_contains("institution");
  if (inst && (!inst->is_string() || inst->get_string().size() > kInstitutionMax))
    return bad("institution: expected a name of at most " + std::to_string(kInstitutionMax) + " characters");
  uint64_t until = 0;
  if (auto f = audit_until_arg(h, args, until)) return f;
  std::optional<Member> m;
  if (auto f = store::load_member(h, *a, m)) return f;
  if (m) {
    if ((m->roles & kRoleAuditor) && !audit_ended(*m, h.block().height)) return refuse(a->to_string() + " is an auditor already");
    if (m->suspended) return refuse(a->to_string() + " is suspended");
    return std::nullopt;
  }
  std::vector<core::Address> all;
  if (auto f = store::load_addresses(h, all)) return f;
  if (all.size() >= kMembersMax) return refuse("the channel has " + std::to_string(kMembersMax) + " members, the most it may");
  return std::nullopt;
}

std::optional<CallResult> check_param(const json::object& args) {
  const auto* name = args.if_contains("name");
  const auto* value = args.if_contains("value");
  if (!name || !name->is_string() || !value) return bad("setParam: expected {name, value}");
  const std::string n(name->get_string());
  if (n == "changeMargin") return refuse("changeMargin is fixed at genesis (the schedule's horizon depends on it)");
  if (n == "perTxPki") return value->is_bool() ? std::nullopt : std::optional(bad("perTxPki: expected true or false"));
  auto v = model::u64_of(value);
  if (n == "proposalLifetime") {
    if (!v || *v < 1 || *v > 10'000'000) return bad("proposalLifetime: expected 1..10000000 blocks");
  } else if (n == "epochLength") {
    if (!v || *v < 1 || *v > 1'000'000) return bad("epochLength: expected 1..1000000 blocks");
  } else {
    return refuse("unknown parameter '" + n + "' (proposalLifetime, epochLength, perTxPki)");
  }
  return std::nullopt;
}

std::optional<CallResult> check_rule(const json::object& args) {
  const auto* action = args.if_contains("action");
  const auto* rule = args.if_contains("rule");
  if (!action || !action->is_string() || !rule) return bad("setRule: expected {action, rule}");
  if (!is_action(action->get_string())) return refuse("unknown action '" + std::string(action->get_string()) + "'");
  if (action->get_string() == "setRule") return refuse("the rule of setRule is fixed (tier 1, unanimously)");
  auto r = model::rule_from(*rule);
  if (!r) return bad("rule: " + r.message());
  return std::nullopt;
}

}  // namespace

std::optional<CallResult> check(Host& h, const std::string& action, const json::object& args) {
  if (!is_action(action)) return refuse("unknown action '" + action + "'");
  std::vector<core::ValidatorEpoch> epochs;
  if (auto f = store::load_epochs(h, epochs)) return f;
  const core::ValidatorSet& latest = epochs.back().set;
  if (is_set_change(action)) {
    core::ValidatorSet set;
    return next_set(h, action, args, latest, set);
  }
  if (action == "setParam") return check_param(args);
  if (action == "setRule") return check_rule(args);
  if (action == "grantAudit") return check_grant_audit(h, args);
  return check_member_action(h, action, args, latest);
}

std::optional<CallResult> check_effective(Host& h, const std::string& action, std::optional<uint64_t> effective,
                                          uint64_t& out) {
  const uint64_t height = h.block().height;
  Params params;
  if (auto f = store::load_params(h, params)) return f;
  if (!is_set_change(action)) {
    if (effective) return bad("effectiveHeight: only validator-set changes take one (the others take effect when approved)");
    out = height;
    return std::nullopt;
  }
  std::vector<core::ValidatorEpoch> epochs;
  if (auto f = store::load_epochs(h, epochs)) return f;
  const uint64_t earliest = std::max(height + params.change_margin, epochs.back().from_height + 1);
  const uint64_t e = params.epoch_length;
  if (!effective) {
    out = (earliest + e - 1) / e * e;
    return std::nullopt;
  }
  if (*effective % e != 0)
    return refuse("effective height " + std::to_string(*effective) + " is not an epoch boundary (a multiple of " +
                  std::to_string(e) + ")");
  if (*effective < earliest)
    return refuse("effective height " + std::to_string(*effective) + " is too soon: at height " + std::to_string(height) +
                  " the earliest is " + std::to_string(earliest) + " (changeMargin " + std::to_string(params.change_margin) +
                  ", after the last scheduled change at " + std::to_string(epochs.back().from_height) + ")");
  if (*effective > height + 10'000'000) return refuse("effective height " + std::to_string(*effective) + " is too far ahead");
  out = *effective;
  return std::nullopt;
}

namespace {

// addMember, grantAudit (checked): a new member, or (grantAudit) the auditor role for a member.
std::optional<CallResult> admit(Host& h, const std::string& action, const json::object& args) {
  uint64_t audit_until = 0;
  if (action == "grantAudit") {
    if (auto f = audit_until_arg(h, args, audit_until)) return f;
    std::optional<Member> existing;
    if (auto f = store::load_member(h, *address_arg(args), existing)) return f;
    if (existing) {
      existing->roles |= kRoleAuditor;
      existing->audit_until = audit_until;
      return store::save_member(h, *existing);
    }
  }
  Member m;
  m.address = *address_arg(args);
  const bool audit = action == "grantAudit";
  m.tier = audit ? 3 : static_cast<uint32_t>(*model::u64_of(args.if_contains("tier")));
  m.roles = audit ? kRoleAuditor : *roles_arg(args);
  m.votes = args.contains("votes") && !audit ? static_cast<uint32_t>(*model::u64_of(args.if_contains("votes"))) : 1;
  m.audit_until = audit_until;
  if (const auto* inst = args.if_contains("institution")) m.institution = std::string(inst->get_string());
  std::vector<core::Address> all;
  if (auto f = store::load_addresses(h, all)) return f;
  json::array list;
  for (const auto& a : all) list.push_back(json::value(a.to_string()));
  list.push_back(json::value(m.address.to_string()));
  if (auto f = store::put(h, "members", list)) return f;
  return store::save_member(h, m);
}

}  // namespace

std::optional<CallResult> execute(Host& h, const std::string& action, const json::object& args, uint64_t effective) {
  if (auto f = check(h, action, args)) return f;
  std::vector<core::ValidatorEpoch> epochs;
  if (auto f = store::load_epochs(h, epochs)) return f;
  if (is_set_change(action)) {
    core::ValidatorSet set;
    if (auto f = next_set(h, action, args, epochs.back().set, set)) return f;
    if (epochs.size() >= kEpochsMax) return refuse("the channel has made " + std::to_string(kEpochsMax) + " set changes, the most it may");
    if (auto f = store::append_epoch(h, epochs.size(), {effective, set})) return f;
    // The member's validator role follows the set.
    std::optional<Member> m;
    if (auto f = store::load_member(h, *address_arg(args), m)) return f;
    if (m && action != "setValidatorWeight") {
      if (action == "addValidator") m->roles |= kRoleValidator;
      else m->roles = (m->roles & ~kRoleValidator) | kRoleFollower;
      if (auto f = store::save_member(h, *m)) return f;
    }
    return std::nullopt;
  }
  if (action == "setParam") {
    Params p;
    if (auto f = store::load_params(h, p)) return f;
    const std::string name(args.at("name").get_string());
    const json::value& v = args.at("value");
    if (name == "perTxPki") p.per_tx_pki = v.get_bool();
    else if (name == "proposalLifetime") p.proposal_lifetime = *model::u64_of(&v);
    else p.epoch_length = *model::u64_of(&v);
    return store::put(h, "params", model::params_json(p));
  }
  if (action == "setRule") {
    std::map<std::string, Rule> rules;
    if (auto f = store::load_rules(h, rules)) return f;
    rules[std::string(args.at("action").get_string())] = *model::rule_from(args.at("rule"));
    return store::put(h, "rules", model::rules_json(rules));
  }
  if (action == "addMember" || action == "grantAudit") return admit(h, action, args);
  std::optional<Member> m;
  if (auto f = existing_member(h, args, m)) return f;
  if (action == "suspendMember") m->suspended = true;
  else if (action == "reinstateMember") m->suspended = false;
  else if (action == "revokeAudit") {
    m->roles &= ~kRoleAuditor;
    m->audit_until = 0;
  }
  else m->roles = *roles_arg(args);  // setRoles
  return store::save_member(h, *m);
}

}  // namespace cx::governance::actions
