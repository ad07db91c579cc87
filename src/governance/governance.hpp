#pragma once
// Governance as state (issue 13 §1, docs/governance.md): a native system contract at the fixed
// address cx0000000000000000000000000000000000000a02 holding the channel's members (institution, tier,
// roles, governance votes, status), its validator sets by height, its parameters and the approval rule
// of each action. Changes are proposals (ordinary ICON call txs: propose, vote, cancel) approved by
// weight under the action's rule; a validator-set change is scheduled at an effective height at least
// `changeMargin` blocks after its approval, and the channel feeds it to consensus once the approving
// block is final (channel/core.cpp; the margin argument is in docs/governance.md).
//
// Methods: propose(action, args, effectiveHeight?) · vote(id, approve) · cancel(id) ·
// getMembers(offset?, limit?) · getMember(address) · getValidators(height?) · getProposal(id) ·
// getProposals(offset?, limit?) · getParams() · getRules().
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"
#include "core/chain_params.hpp"
#include "core/validator_set.hpp"

namespace cx::governance {

core::Address governance_contract_address();
std::shared_ptr<const contracts::Contract> make_governance_contract();

// ---- the model ----
inline constexpr size_t kMembersMax = 1000;
inline constexpr size_t kInstitutionMax = 128;
inline constexpr uint32_t kMemberVotesMax = 1000;
inline constexpr size_t kEpochsMax = 10'000;      // validator-set changes over a chain's life
inline constexpr size_t kOpenProposalsMax = 256;  // proposals open at once
inline constexpr size_t kPageMax = 100;           // entries per page of getMembers / getProposals
inline constexpr size_t kArgsBytesMax = 4096;     // a proposal's args, as JSON text

// Roles a member may hold (docs/governance.md): a subset of these.
enum Role : uint32_t {
  kRoleValidator = 1u << 0,
  kRoleRa = 1u << 1,
  kRoleAuditor = 1u << 2,
  kRoleAttester = 1u << 3,
  kRoleFollower = 1u << 4,
  kRoleClient = 1u << 5,
};
std::optional<uint32_t> parse_roles(const std::vector<std::string>& names);
std::vector<std::string> role_names(uint32_t roles);

struct Member {
  core::Address address;
  std::string institution;
  uint32_t tier = 3;  // 1 supervision, 2 adjustment, 3 business
  uint32_t roles = 0;
  uint32_t votes = 1;  // weight in governance votes
  bool suspended = false;
  // grantAudit's optional `until`: the auditor role ends at this final height (0: no end). The record
  // keeps the role; readers of final state drop it from that height (audit_ended).
  uint64_t audit_until = 0;
};

// The member `a` as the governance contract holds it now, read through its getMember method (a
// read-only call, charged to the caller's frame) — the one way other contracts ask who a member is.
// nullopt: not a member, or a chain without governance state.
std::optional<Member> member_now(contracts::Host& h, const core::Address& a);

// An approval rule: the members of `tiers` (a bit per tier: 1 << tier) vote; approved when the
// approving votes' weight A and the eligible members' total weight T give A·den > num·T, or, for
// num == den (unanimity), A == T. Rejected once the rest cannot reach that.
struct Rule {
  uint32_t tiers = 0;
  uint64_t num = 1;
  uint64_t den = 2;
  bool approves(uint64_t approving, uint64_t total) const;
  bool operator==(const Rule&) const = default;
};

// Channel parameters, a small typed set.
struct Params {
  uint64_t proposal_lifetime = 100'000;  // blocks a proposal stays open
  uint64_t epoch_length = 1;             // an effective height is a multiple of this
  uint64_t change_margin = 10;           // fixed at genesis: effective height ≥ approval height + this
  bool per_tx_pki = false;               // reserved for per-tx PKI (issue 13 §5)
};
inline constexpr uint64_t kChangeMarginMin = 4;  // see docs/governance.md "The margin"

// Actions a proposal may carry (names as in txs).
inline constexpr const char* kActions[] = {"addMember", "suspendMember", "reinstateMember", "setRoles",
                                           "addValidator", "removeValidator", "setValidatorWeight", "setParam",
                                           "setRule", "grantAudit", "revokeAudit"};
// Actions added after chains were created: their default rules are not written into a genesis's state
// (it keeps its root) unless the genesis overrides them, and a stored rule set without them gets the default.
inline constexpr const char* kLaterActions[] = {"grantAudit", "revokeAudit"};
bool is_action(std::string_view name);
// An auditor (docs/membership.md "Auditors") that holds no other role: it reads the channel, and takes no
// part in governance (neither proposes, votes nor counts in a rule's total).
inline bool auditor_only(const Member& m) { return m.roles == kRoleAuditor; }
// Whether `m`'s auditor role has ended in the state after block `height` (grantAudit's `until`).
inline bool audit_ended(const Member& m, uint64_t height) {
  return (m.roles & kRoleAuditor) && m.audit_until != 0 && height >= m.audit_until;
}
// Roles that run a node admitted at p2p.
inline constexpr uint32_t kNodeRoles = kRoleValidator | kRoleFollower | kRoleAuditor;
std::map<std::string, Rule> default_rules();

// What genesis seeds (also checks a genesis "governance" object): the genesis's members, tiers and
// validator set, the default rules and parameters, overridden by `governance_json`. The error names
// the bad field.
struct Genesis {
  std::vector<Member> members;
  std::map<std::string, Rule> rules;
  Params params;
};
Result<Genesis> parse_genesis(const core::ChainParams& params);

// The contract's storage at genesis: (key, value) pairs of its own storage (execution prefixes them
// with the contract's address).
std::vector<std::pair<std::string, std::string>> genesis_storage(const core::ChainParams& params);

// ---- reads for the channel (deterministic, from a state) ----
// Reads a key of the contract's storage in some state.
using StorageGetter = std::function<std::optional<Bytes>(std::string_view key)>;
// The validator sets scheduled in that state, in height order (the first from height 0). Empty when
// the state has no governance (a chain created before it): the genesis set holds.
std::vector<core::ValidatorEpoch> read_epochs(const StorageGetter& get);
std::optional<Params> read_params(const StorageGetter& get);
// Every member in order of admission (suspended ones too); empty without governance state.
std::vector<Member> read_members(const StorageGetter& get);
// One member as getMember answers it (one storage read); nullopt when `a` is no member or the state
// has no governance.
std::optional<Member> read_member(const StorageGetter& get, const core::Address& a);

}  // namespace cx::governance
