// Stored forms of the governance contract (model.hpp), roles, rules and genesis seeding.
#include "governance/model.hpp"

#include <algorithm>

#include "base/uint256.hpp"

namespace cx::governance {
namespace json = boost::json;

namespace {
constexpr const char* kRoleNames[] = {"validator", "ra", "auditor", "attester", "follower", "client"};
}  // namespace

std::optional<uint32_t> parse_roles(const std::vector<std::string>& names) {
  uint32_t roles = 0;
  for (const auto& n : names) {
    auto it = std::find(std::begin(kRoleNames), std::end(kRoleNames), n);
    if (it == std::end(kRoleNames)) return std::nullopt;
    const uint32_t bit = 1u << static_cast<uint32_t>(it - std::begin(kRoleNames));
    if (roles & bit) return std::nullopt;
    roles |= bit;
  }
  return roles;
}

std::vector<std::string> role_names(uint32_t roles) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < std::size(kRoleNames); ++i)
    if (roles & (1u << i)) out.emplace_back(kRoleNames[i]);
  return out;
}

bool Rule::approves(uint64_t approving, uint64_t total) const {
  if (total == 0) return false;
  if (num == den) return approving == total;
  return approving * den > num * total;  // den ≤ 1000 and weights ≤ 1000 · 1000: no overflow
}

bool is_action(std::string_view name) {
  return std::any_of(std::begin(kActions), std::end(kActions), [&](const char* a) { return name == a; });
}

// Defaults (docs/governance.md "Rules"): tier 1 alone suspends and reinstates; tiers 1–2 by more than
// half admit members and set roles, and by more than two thirds change the validator set and the
// parameters; the rules themselves only tier 1 unanimously.
std::map<std::string, Rule> default_rules() {
  constexpr uint32_t t1 = 1u << 1, t12 = (1u << 1) | (1u << 2);
  return {{"addMember", {t12, 1, 2}},         {"suspendMember", {t1, 1, 2}},   {"reinstateMember", {t1, 1, 2}},
          {"setRoles", {t12, 1, 2}},          {"addValidator", {t12, 2, 3}},   {"removeValidator", {t12, 2, 3}},
          {"setValidatorWeight", {t12, 2, 3}}, {"setParam", {t12, 2, 3}},      {"setRule", {t1, 1, 1}},
          {"grantAudit", {t1, 1, 2}},         {"revokeAudit", {t1, 1, 2}}};
}

namespace model {

std::optional<uint64_t> u64_of(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (v->is_string() && v->get_string().size() <= 24) {
    std::string_view s = v->get_string();
    auto u = s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
    if (u && u->fits_u64()) return u->low_u64();
  }
  return std::nullopt;
}

std::optional<json::value> parse(const std::optional<Bytes>& stored) {
  if (!stored) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(reinterpret_cast<const char*>(stored->data()), stored->size()), ec);
  if (ec) return std::nullopt;
  return v;
}

json::object params_json(const Params& p) {
  return json::object{{"proposalLifetime", p.proposal_lifetime},
                      {"epochLength", p.epoch_length},
                      {"changeMargin", p.change_margin},
                      {"perTxPki", p.per_tx_pki}};
}

std::optional<Params> params_from(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return std::nullopt;
  Params p;
  auto life = u64_of(o->if_contains("proposalLifetime"));
  auto epoch = u64_of(o->if_contains("epochLength"));
  auto margin = u64_of(o->if_contains("changeMargin"));
  const auto* pki = o->if_contains("perTxPki");
  if (!life || !epoch || !margin || !pki || !pki->is_bool()) return std::nullopt;
  p.proposal_lifetime = *life;
  p.epoch_length = *epoch;
  p.change_margin = *margin;
  p.per_tx_pki = pki->get_bool();
  return p;
}

json::object rule_json(const Rule& r) {
  json::array tiers;
  for (uint32_t t = 1; t <= 3; ++t)
    if (r.tiers & (1u << t)) tiers.push_back(t);
  return json::object{{"tiers", std::move(tiers)}, {"num", r.num}, {"den", r.den}};
}

Result<Rule> rule_from(const json::value& v) {
  const auto* o = v.if_object();
  if (!o || o->size() != 3 || !o->contains("tiers") || !o->contains("num") || !o->contains("den"))
    return Result<Rule>::error("a rule is {\"tiers\": [1..3, ...], \"num\": n, \"den\": d}");
  Rule r;
  const auto* tiers = o->at("tiers").if_array();
  if (!tiers || tiers->empty() || tiers->size() > 3) return Result<Rule>::error("tiers: expected a list of 1 to 3 tiers");
  for (const auto& t : *tiers) {
    auto n = u64_of(&t);
    if (!n || *n < 1 || *n > 3 || (r.tiers & (1u << *n))) return Result<Rule>::error("tiers: each of 1, 2, 3 at most once");
    r.tiers |= 1u << *n;
  }
  auto num = u64_of(o->if_contains("num"));
  auto den = u64_of(o->if_contains("den"));
  if (!num || !den || *num < 1 || *den > 1000 || *num > *den)
    return Result<Rule>::error("num, den: expected 1 ≤ num ≤ den ≤ 1000 (num = den: unanimity)");
  r.num = *num;
  r.den = *den;
  return r;
}

json::object rules_json(const std::map<std::string, Rule>& rules) {
  json::object o;
  for (const auto& [name, r] : rules) o[name] = rule_json(r);
  return o;
}

json::object member_json(const Member& m) {
  json::array roles;
  for (auto& n : role_names(m.roles)) roles.push_back(json::value(n));
  json::object o{{"address", m.address.to_string()}, {"institution", m.institution}, {"tier", m.tier},
                 {"roles", std::move(roles)},        {"votes", m.votes},             {"status", m.suspended ? "suspended" : "active"}};
  if (m.audit_until != 0) o["auditUntil"] = m.audit_until;  // absent without one: older records keep their bytes
  return o;
}

std::optional<Member> member_from(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return std::nullopt;
  Member m;
  const auto* addr = o->if_contains("address");
  const auto* inst = o->if_contains("institution");
  const auto* roles = o->if_contains("roles");
  const auto* status = o->if_contains("status");
  auto tier = u64_of(o->if_contains("tier"));
  auto votes = u64_of(o->if_contains("votes"));
  if (!addr || !addr->is_string() || !inst || !inst->is_string() || !roles || !roles->is_array() || !status ||
      !status->is_string() || !tier || !votes)
    return std::nullopt;
  auto a = core::Address::parse(addr->get_string());
  if (!a) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& r : roles->get_array())
    if (r.is_string()) names.emplace_back(r.get_string());
  auto bits = parse_roles(names);
  if (!bits) return std::nullopt;
  m.address = *a;
  m.institution = std::string(inst->get_string());
  m.tier = static_cast<uint32_t>(*tier);
  m.roles = *bits;
  m.votes = static_cast<uint32_t>(*votes);
  m.suspended = status->get_string() == "suspended";
  if (const auto* until = o->if_contains("auditUntil")) {
    auto h = u64_of(until);
    if (!h || *h == 0) return std::nullopt;
    m.audit_until = *h;
  }
  return m;
}

json::array validators_json(const core::ValidatorSet& set) {
  json::array vals;
  for (const auto& v : set.validators()) {
    json::object e{{"address", v.address.to_string()}, {"weight", v.weight}};
    if (!v.group.empty()) e["group"] = v.group;
    vals.push_back(std::move(e));
  }
  return vals;
}

json::object epoch_json(const core::ValidatorEpoch& e) {
  return json::object{{"from", e.from_height}, {"validators", validators_json(e.set)}};
}

std::optional<core::ValidatorEpoch> epoch_from(const json::value& v) {
  const auto* o = v.if_object();
  auto from = o ? u64_of(o->if_contains("from")) : std::nullopt;
  const auto* vals = o ? o->if_contains("validators") : nullptr;
  if (!from || !vals || !vals->is_array()) return std::nullopt;
  std::vector<core::Validator> list;
  for (const auto& e : vals->get_array()) {
    const auto* eo = e.if_object();
    const auto* addr = eo ? eo->if_contains("address") : nullptr;
    auto weight = eo ? u64_of(eo->if_contains("weight")) : std::nullopt;
    auto a = addr && addr->is_string() ? core::Address::parse(addr->get_string()) : std::nullopt;
    if (!a || !weight) return std::nullopt;
    core::Validator val{*a, *weight, {}};
    if (const auto* g = eo->if_contains("group"); g && g->is_string()) val.group = std::string(g->get_string());
    list.push_back(std::move(val));
  }
  auto set = core::ValidatorSet::make(std::move(list));
  if (!set) return std::nullopt;
  return core::ValidatorEpoch{*from, std::move(*set)};
}

std::string member_key(const core::Address& a) { return "member/" + a.to_string(); }
std::string epoch_key(uint64_t index) { return "epoch/" + std::to_string(index); }
std::string proposal_key(uint64_t id) { return "proposal/" + std::to_string(id); }

}  // namespace model

// ---- genesis ----

namespace {

Status apply_genesis_object(const std::string& text, Genesis& g) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Status::error("governance: expected an object {\"rules\"?, \"params\"?}");
  for (const auto& kv : doc.get_object()) {
    if (kv.key() == "rules") {
      const auto* rules = kv.value().if_object();
      if (!rules) return Status::error("governance.rules: expected an object {action: rule}");
      for (const auto& r : *rules) {
        if (!is_action(r.key())) return Status::error("governance.rules: unknown action '" + std::string(r.key()) + "'");
        if (r.key() == "setRule") return Status::error("governance.rules.setRule: fixed (tier 1, unanimously)");
        auto rule = model::rule_from(r.value());
        if (!rule) return Status::error("governance.rules." + std::string(r.key()) + ": " + rule.message());
        g.rules[std::string(r.key())] = *rule;
      }
    } else if (kv.key() == "params") {
      const auto* ps = kv.value().if_object();
      if (!ps) return Status::error("governance.params: expected an object");
      for (const auto& p : *ps) {
        auto n = model::u64_of(&p.value());
        const std::string name(p.key());
        if (name == "perTxPki" && p.value().is_bool()) g.params.per_tx_pki = p.value().get_bool();
        else if (name == "proposalLifetime" && n && *n >= 1 && *n <= 10'000'000) g.params.proposal_lifetime = *n;
        else if (name == "epochLength" && n && *n >= 1 && *n <= 1'000'000) g.params.epoch_length = *n;
        else if (name == "changeMargin" && n && *n >= kChangeMarginMin && *n <= 100'000) g.params.change_margin = *n;
        else
          return Status::error("governance.params." + name + ": unknown, or out of range (proposalLifetime 1..10000000, "
                               "epochLength 1..1000000, changeMargin " + std::to_string(kChangeMarginMin) +
                               "..100000, perTxPki true|false)");
      }
    } else {
      return Status::error("governance: unknown field '" + std::string(kv.key()) + "'");
    }
  }
  return Status::ok();
}

uint32_t genesis_role(core::MemberRole r) {
  switch (r) {
    case core::MemberRole::kValidator: return kRoleValidator;
    case core::MemberRole::kFollower: return kRoleFollower;
    case core::MemberRole::kClient: return kRoleClient;
  }
  return 0;
}

}  // namespace

// Members: the validators first (in genesis order), then the other `members`. A member without a
// tier is tier 3 (business), except that when no member of the genesis names a tier, the validators
// are tier 1: a genesis from before tiers is governed by its validators (as Alpha's calendars were).
Result<Genesis> parse_genesis(const core::ChainParams& p) {
  Genesis g;
  g.rules = default_rules();
  if (!p.governance_json.empty())
    if (auto s = apply_genesis_object(p.governance_json, g); !s) return s;
  const bool tiers_named = std::any_of(p.members.begin(), p.members.end(), [](const core::Member& m) { return m.tier != 0; });
  auto described = [&](const core::Address& a) -> const core::Member* {
    for (const auto& m : p.members)
      if (m.address == a) return &m;
    return nullptr;
  };
  auto fill = [&](Member& m, const core::Member* d, uint32_t fallback_tier) -> Status {
    m.tier = d && d->tier ? d->tier : fallback_tier;
    m.votes = d && d->votes ? d->votes : 1;
    if (d) m.institution = d->institution;
    if (m.tier < 1 || m.tier > 3) return Status::error("member " + m.address.to_string() + ": tier must be 1, 2 or 3");
    if (m.votes > kMemberVotesMax)
      return Status::error("member " + m.address.to_string() + ": votes must be 1.." + std::to_string(kMemberVotesMax));
    if (m.institution.size() > kInstitutionMax)
      return Status::error("member " + m.address.to_string() + ": institution longer than " + std::to_string(kInstitutionMax));
    return Status::ok();
  };
  for (const auto& v : p.validators) {
    Member m{v, {}, 0, kRoleValidator, 1, false};
    if (auto s = fill(m, described(v), tiers_named ? 3 : 1); !s) return s;
    g.members.push_back(std::move(m));
  }
  for (const auto& d : p.members) {
    if (std::find(p.validators.begin(), p.validators.end(), d.address) != p.validators.end()) continue;
    Member m{d.address, {}, 0, genesis_role(d.role), 1, false};
    if (auto s = fill(m, &d, 3); !s) return s;
    g.members.push_back(std::move(m));
  }
  if (g.members.size() > kMembersMax) return Status::error("governance: more than " + std::to_string(kMembersMax) + " members");
  return g;
}

std::vector<std::pair<std::string, std::string>> genesis_storage(const core::ChainParams& p) {
  auto g = parse_genesis(p);
  CX_ASSERT_MSG(g.is_ok(), "the genesis governance was checked by node/ (parse_genesis)");
  std::vector<std::pair<std::string, std::string>> out;
  json::array addresses;
  for (const auto& m : g->members) {
    out.emplace_back(model::member_key(m.address), json::serialize(model::member_json(m)));
    addresses.push_back(json::value(m.address.to_string()));
  }
  out.emplace_back("members", json::serialize(addresses));
  out.emplace_back("params", json::serialize(model::params_json(g->params)));
  // Later actions' rules are stored only when the genesis overrides them (store::load_rules adds the
  // defaults), so a genesis written before them keeps its state root.
  const auto defaults = default_rules();
  for (const char* a : kLaterActions)
    if (g->rules.at(a) == defaults.at(a)) g->rules.erase(a);
  out.emplace_back("rules", json::serialize(model::rules_json(g->rules)));
  // (Parameters without validators exist only in tests of execution alone: no set to schedule.)
  if (!p.validators.empty()) {
    out.emplace_back("epochs", "1");
    out.emplace_back(model::epoch_key(0), json::serialize(model::epoch_json({0, p.validator_set()})));
  }
  out.emplace_back("proposals", "1");
  out.emplace_back("open", "[]");
  return out;
}

// ---- reads for the channel ----

std::vector<core::ValidatorEpoch> read_epochs(const StorageGetter& get) {
  std::vector<core::ValidatorEpoch> out;
  auto count = model::parse(get("epochs"));
  auto n = count ? model::u64_of(&*count) : std::nullopt;
  if (!n) return out;
  for (uint64_t i = 0; i < *n && i < kEpochsMax; ++i) {
    auto e = model::parse(get(model::epoch_key(i)));
    auto epoch = e ? model::epoch_from(*e) : std::nullopt;
    CX_ASSERT_MSG(epoch.has_value(), "a stored validator epoch does not decode");
    out.push_back(std::move(*epoch));
  }
  return out;
}

std::vector<Member> read_members(const StorageGetter& get) {
  std::vector<Member> out;
  auto list = model::parse(get("members"));
  if (!list || !list->is_array()) return out;
  for (const auto& e : list->get_array()) {
    auto a = e.is_string() ? core::Address::parse(e.get_string()) : std::nullopt;
    CX_ASSERT_MSG(a.has_value(), "a stored member address does not parse");
    auto m = read_member(get, *a);
    CX_ASSERT_MSG(m.has_value(), "a listed member has no record");
    out.push_back(std::move(*m));
    if (out.size() >= kMembersMax) break;
  }
  return out;
}

std::optional<Member> read_member(const StorageGetter& get, const core::Address& a) {
  auto v = model::parse(get(model::member_key(a)));
  if (!v) return std::nullopt;
  auto m = model::member_from(*v);
  CX_ASSERT_MSG(m.has_value(), "a stored member does not decode");
  return m;
}

std::optional<Params> read_params(const StorageGetter& get) {
  auto v = model::parse(get("params"));
  return v ? model::params_from(*v) : std::nullopt;
}

}  // namespace cx::governance
