// The governance contract's methods (governance.hpp): proposals, votes and reads. Actions are in
// actions.cpp, stored forms in model.cpp.
#include <algorithm>

#include "contracts/native.hpp"
#include "governance/actions.hpp"
#include "governance/model.hpp"

namespace cx::governance {
namespace {

using contracts::CallResult;
using contracts::Host;
using store::bad;
using store::refuse;
namespace json = boost::json;

const json::value* param(const json::value& p, std::string_view k) {
  const json::object* o = p.if_object();
  return o ? o->if_contains(k) : nullptr;
}

std::optional<core::Address> address_param(const json::value& p, std::string_view k) {
  const auto* v = param(p, k);
  return v && v->is_string() ? core::Address::parse(v->get_string()) : std::nullopt;
}

// ICON tools send booleans as "0x1"/"0x0".
std::optional<bool> bool_param(const json::value& p, std::string_view k) {
  const auto* v = param(p, k);
  if (v && v->is_bool()) return v->get_bool();
  auto n = model::u64_of(v);
  if (n && *n <= 1) return *n == 1;
  return std::nullopt;
}

std::string tiers_text(uint32_t tiers) {
  std::string s;
  for (uint32_t t = 1; t <= 3; ++t)
    if (tiers & (1u << t)) s += (s.empty() ? "" : ", ") + std::to_string(t);
  return s;
}

CallResult fail_or(std::optional<CallResult> f) { return f ? std::move(*f) : CallResult::success(); }

// The sender, who must be an active member of a tier the rule lets decide.
std::optional<CallResult> eligible_sender(Host& h, const std::string& action, const Rule& rule, Member& out) {
  const core::Address who = h.frame().caller;
  if (who.is_contract || h.frame().depth != 0) return refuse("governance txs come from members' accounts, not from contracts");
  std::optional<Member> m;
  if (auto f = store::load_member(h, who, m)) return f;
  if (!m) return refuse(who.to_string() + " is not a member");
  if (m->suspended) return refuse(who.to_string() + " is suspended");
  if (auditor_only(*m)) return refuse(who.to_string() + " is an auditor: it takes no part in governance");
  if (!(rule.tiers & (1u << m->tier)))
    return refuse("wrong tier: " + action + " is decided by tier(s) " + tiers_text(rule.tiers) + "; " + who.to_string() +
                  " is tier " + std::to_string(m->tier));
  out = *m;
  return std::nullopt;
}

std::optional<CallResult> load_proposal(Host& h, const json::value& p, json::object& out) {
  auto id = model::u64_of(param(p, "id"));
  if (!id) return bad("id: expected a proposal id");
  std::optional<json::value> v;
  if (auto f = store::get(h, model::proposal_key(*id), v)) return f;
  if (!v || !v->is_object()) return refuse("no proposal " + std::to_string(*id));
  out = std::move(v->get_object());
  return std::nullopt;
}

// Open proposals past their last height read as expired.
json::object shown(json::object p, uint64_t height) {
  if (p["status"] == "open" && height > *model::u64_of(p.if_contains("expires"))) p["status"] = "expired";
  return p;
}

std::optional<CallResult> set_open(Host& h, uint64_t id, bool open) {
  std::optional<json::value> v;
  if (auto f = store::get(h, "open", v)) return f;
  json::array ids;
  if (v && v->is_array())
    for (const auto& x : v->get_array())
      if (model::u64_of(&x) != id) ids.push_back(x);
  if (open) ids.push_back(id);
  return store::put(h, "open", ids);
}

std::optional<CallResult> emit(Host& h, std::vector<std::string> indexed, std::vector<std::string> data) {
  auto r = h.emit(core::EventLog{{}, std::move(indexed), std::move(data)});
  if (!r) return CallResult::fail(r.failure());
  return std::nullopt;
}

std::string hex(uint64_t n) { return Uint256(n).to_icon_hex(); }

// Weighs the votes under the action's rule now and decides the proposal if it can be: approved (then
// executed or scheduled), rejected, or failed (approved but refused at execution, with the reason).
std::optional<CallResult> decide(Host& h, json::object& p) {
  const std::string action(p["action"].get_string());
  std::map<std::string, Rule> rules;
  if (auto f = store::load_rules(h, rules)) return f;
  const Rule& rule = rules[action];
  std::vector<core::Address> all;
  if (auto f = store::load_addresses(h, all)) return f;
  const json::object& votes = p["votes"].get_object();
  uint64_t total = 0, yes = 0, no = 0;
  for (const auto& a : all) {
    std::optional<Member> m;
    if (auto f = store::load_member(h, a, m)) return f;
    if (!m || m->suspended || auditor_only(*m) || !(rule.tiers & (1u << m->tier))) continue;
    total += m->votes;
    const auto* v = votes.if_contains(a.to_string());
    if (v && v->is_bool()) (v->get_bool() ? yes : no) += m->votes;
  }
  const uint64_t id = *model::u64_of(p.if_contains("id"));
  const uint64_t height = h.block().height;
  if (!rule.approves(yes, total)) {
    if (rule.approves(total - no, total)) return std::nullopt;  // still open
    p["status"] = "rejected";
    p["decidedAt"] = height;
    return emit(h, {"Rejected(int)", hex(id)}, {});
  }
  p["decidedAt"] = height;
  if (auto f = emit(h, {"Approved(int)", hex(id)}, {})) return f;
  uint64_t effective = 0;
  auto requested = model::u64_of(p.if_contains("effectiveHeight"));
  auto refusal = actions::check_effective(h, action, requested, effective);
  if (!refusal) refusal = actions::execute(h, action, p["args"].get_object(), effective);
  if (refusal) {
    if (refusal->code != store::kRefused) return refusal;  // a host failure fails the tx
    p["status"] = "failed";
    p["reason"] = refusal->message;
    return std::nullopt;
  }
  p["status"] = "executed";
  p["effectiveAt"] = effective;
  return emit(h, {"Executed(int,int)", hex(id)}, {hex(effective)});
}

std::optional<CallResult> save_proposal(Host& h, const json::object& p) {
  const uint64_t id = *model::u64_of(p.if_contains("id"));
  if (auto f = store::put(h, model::proposal_key(id), p)) return f;
  return set_open(h, id, p.at("status") == "open");
}

CallResult propose(Host& h, const json::value& params) {
  const auto* action_v = param(params, "action");
  if (!action_v || !action_v->is_string() || action_v->get_string().size() > 64) return bad("action: expected an action name");
  const std::string action(action_v->get_string());
  if (!is_action(action)) return refuse("unknown action '" + action + "'");
  // args: an object, or its JSON text (ICON tools send strings).
  json::object args;
  if (const auto* a = param(params, "args")) {
    if (a->is_object()) {
      args = a->get_object();
    } else if (a->is_string() && a->get_string().size() <= kArgsBytesMax) {
      boost::system::error_code ec;
      auto parsed = json::parse(a->get_string(), ec);
      if (ec || !parsed.is_object()) return bad("args: expected a JSON object");
      args = std::move(parsed.get_object());
    } else {
      return bad("args: expected a JSON object of at most " + std::to_string(kArgsBytesMax) + " bytes");
    }
  }
  if (json::serialize(args).size() > kArgsBytesMax) return bad("args: larger than " + std::to_string(kArgsBytesMax) + " bytes");
  std::optional<uint64_t> requested;
  if (param(params, "effectiveHeight")) {
    requested = model::u64_of(param(params, "effectiveHeight"));
    if (!requested) return bad("effectiveHeight: expected a height");
  }
  std::map<std::string, Rule> rules;
  if (auto f = store::load_rules(h, rules)) return *f;
  Member sender;
  if (auto f = eligible_sender(h, action, rules[action], sender)) return *f;
  if (auto f = actions::check(h, action, args)) return *f;
  uint64_t effective = 0;
  if (auto f = actions::check_effective(h, action, requested, effective)) return *f;
  Params prm;
  if (auto f = store::load_params(h, prm)) return *f;
  const uint64_t height = h.block().height;
  // Proposals that expired leave the open list; a full list refuses new ones.
  std::optional<json::value> open;
  if (auto f = store::get(h, "open", open)) return *f;
  json::array still;
  for (const auto& x : open && open->is_array() ? open->get_array() : json::array()) {
    std::optional<json::value> pv;
    if (auto f = store::get(h, model::proposal_key(*model::u64_of(&x)), pv)) return *f;
    if (pv && pv->is_object() && height <= *model::u64_of(pv->get_object().if_contains("expires"))) still.push_back(x);
  }
  if (still.size() >= kOpenProposalsMax) return refuse(std::to_string(kOpenProposalsMax) + " proposals are open, the most at once");
  if (auto f = store::put(h, "open", still)) return *f;
  std::optional<json::value> next;
  if (auto f = store::get(h, "proposals", next)) return *f;
  const uint64_t id = next ? model::u64_of(&*next).value_or(1) : 1;
  if (auto f = store::put(h, "proposals", json::value(id + 1))) return *f;
  json::object p{{"id", id},           {"action", action},    {"args", args},
                 {"proposer", sender.address.to_string()}, {"created", height}, {"expires", height + prm.proposal_lifetime},
                 {"status", "open"},   {"votes", json::object{{sender.address.to_string(), true}}}};
  if (requested) p["effectiveHeight"] = *requested;
  if (auto f = emit(h, {"ProposalCreated(int,str,Address)", hex(id)}, {action, sender.address.to_string()})) return *f;
  if (auto f = emit(h, {"Voted(int,Address,bool)", hex(id)}, {sender.address.to_string(), "0x1"})) return *f;
  if (auto f = decide(h, p)) return *f;
  if (auto f = save_proposal(h, p)) return *f;
  return CallResult::success(json::object{{"id", hex(id)}, {"status", p["status"]}});
}

CallResult vote(Host& h, const json::value& params) {
  auto approve = bool_param(params, "approve");
  if (!approve) return bad("approve: expected true or false (0x1 / 0x0)");
  json::object p;
  if (auto f = load_proposal(h, params, p)) return *f;
  const uint64_t id = *model::u64_of(p.if_contains("id"));
  const std::string status(shown(p, h.block().height)["status"].get_string());
  if (status != "open") return refuse("proposal " + std::to_string(id) + " is " + status + ", not open");
  const std::string action(p["action"].get_string());
  std::map<std::string, Rule> rules;
  if (auto f = store::load_rules(h, rules)) return *f;
  Member voter;
  if (auto f = eligible_sender(h, action, rules[action], voter)) return *f;
  auto& votes = p["votes"].get_object();
  if (votes.contains(voter.address.to_string()))
    return refuse(voter.address.to_string() + " has voted on proposal " + std::to_string(id) + " already");
  votes[voter.address.to_string()] = *approve;
  if (auto f = emit(h, {"Voted(int,Address,bool)", hex(id)}, {voter.address.to_string(), *approve ? "0x1" : "0x0"})) return *f;
  if (auto f = decide(h, p)) return *f;
  if (auto f = save_proposal(h, p)) return *f;
  json::object out{{"id", hex(id)}, {"status", p["status"]}};
  if (p.contains("reason")) out["reason"] = p["reason"];
  if (p.contains("effectiveAt")) out["effectiveAt"] = p["effectiveAt"];
  return CallResult::success(std::move(out));
}

CallResult cancel(Host& h, const json::value& params) {
  json::object p;
  if (auto f = load_proposal(h, params, p)) return *f;
  const uint64_t id = *model::u64_of(p.if_contains("id"));
  if (h.frame().caller.to_string() != p["proposer"].get_string())
    return refuse("only the proposer (" + std::string(p["proposer"].get_string()) + ") may cancel proposal " + std::to_string(id));
  const std::string status(shown(p, h.block().height)["status"].get_string());
  if (status != "open") return refuse("proposal " + std::to_string(id) + " is " + status + ", not open");
  p["status"] = "cancelled";
  p["decidedAt"] = h.block().height;
  if (auto f = emit(h, {"Cancelled(int)", hex(id)}, {})) return *f;
  return fail_or(save_proposal(h, p));
}

// ---- reads ----

std::optional<CallResult> page_params(const json::value& params, uint64_t& offset, uint64_t& limit) {
  offset = 0;
  limit = kPageMax;
  if (param(params, "offset")) {
    auto o = model::u64_of(param(params, "offset"));
    if (!o) return bad("offset: expected a number");
    offset = *o;
  }
  if (param(params, "limit")) {
    auto l = model::u64_of(param(params, "limit"));
    if (!l || *l < 1 || *l > kPageMax) return bad("limit: expected 1.." + std::to_string(kPageMax));
    limit = *l;
  }
  return std::nullopt;
}

CallResult get_members(Host& h, const json::value& params) {
  uint64_t offset, limit;
  if (auto f = page_params(params, offset, limit)) return *f;
  std::vector<core::Address> all;
  if (auto f = store::load_addresses(h, all)) return *f;
  json::array out;
  for (uint64_t i = offset; i < all.size() && out.size() < limit; ++i) {
    std::optional<Member> m;
    if (auto f = store::load_member(h, all[i], m)) return *f;
    if (m) out.push_back(model::member_json(*m));
  }
  return CallResult::success(json::object{{"total", all.size()}, {"members", std::move(out)}});
}

CallResult get_member(Host& h, const json::value& params) {
  auto a = address_param(params, "address");
  if (!a) return bad("address: expected an address");
  std::optional<Member> m;
  if (auto f = store::load_member(h, *a, m)) return *f;
  if (!m) return refuse(a->to_string() + " is not a member");
  return CallResult::success(model::member_json(*m));
}

// The set in force at `height` (default: the height of the state read) and the changes scheduled after.
CallResult get_validators(Host& h, const json::value& params) {
  uint64_t height = h.block().height;
  if (param(params, "height")) {
    auto v = model::u64_of(param(params, "height"));
    if (!v) return bad("height: expected a height");
    height = *v;
  }
  std::vector<core::ValidatorEpoch> epochs;
  if (auto f = store::load_epochs(h, epochs)) return *f;
  size_t i = 0;
  while (i + 1 < epochs.size() && epochs[i + 1].from_height <= height) ++i;
  const auto& set = epochs[i].set;
  json::array scheduled;
  for (size_t k = i + 1; k < epochs.size(); ++k) scheduled.push_back(model::epoch_json(epochs[k]));
  return CallResult::success(json::object{{"height", height},
                                          {"from", epochs[i].from_height},
                                          {"validators", model::validators_json(set)},
                                          {"totalWeight", set.total_weight()},
                                          {"quorum", set.quorum()},
                                          {"hash", "0x" + set.hash().hex()},
                                          {"scheduled", std::move(scheduled)}});
}

CallResult get_proposal(Host& h, const json::value& params) {
  json::object p;
  if (auto f = load_proposal(h, params, p)) return *f;
  return CallResult::success(shown(std::move(p), h.block().height));
}

// Newest first.
CallResult get_proposals(Host& h, const json::value& params) {
  uint64_t offset, limit;
  if (auto f = page_params(params, offset, limit)) return *f;
  std::optional<json::value> next;
  if (auto f = store::get(h, "proposals", next)) return *f;
  const uint64_t total = (next ? model::u64_of(&*next).value_or(1) : 1) - 1;
  json::array out;
  for (uint64_t k = offset; k < total && out.size() < limit; ++k) {
    std::optional<json::value> v;
    if (auto f = store::get(h, model::proposal_key(total - k), v)) return *f;
    if (v && v->is_object()) out.push_back(shown(std::move(v->get_object()), h.block().height));
  }
  return CallResult::success(json::object{{"total", total}, {"proposals", std::move(out)}});
}

CallResult get_params(Host& h, const json::value&) {
  Params p;
  if (auto f = store::load_params(h, p)) return *f;
  return CallResult::success(model::params_json(p));
}

CallResult get_rules(Host& h, const json::value&) {
  std::map<std::string, Rule> rules;
  if (auto f = store::load_rules(h, rules)) return *f;
  return CallResult::success(model::rules_json(rules));
}

using contracts::Payable;
constexpr auto kW = contracts::Access::kWrite;
constexpr auto kR = contracts::Access::kReadOnly;

constexpr contracts::NativeMethod kMethods[] = {
    {{"propose", kW, Payable::kNo, 50'000, "action:str,args:dict,effectiveHeight:int", "dict"}, propose},
    {{"vote", kW, Payable::kNo, 20'000, "id:int,approve:bool", "dict"}, vote},
    {{"cancel", kW, Payable::kNo, 20'000, "id:int", ""}, cancel},
    {{"getMembers", kR, Payable::kNo, 0, "offset:int,limit:int", "dict"}, get_members},
    {{"getMember", kR, Payable::kNo, 0, "address:Address", "dict"}, get_member},
    {{"getValidators", kR, Payable::kNo, 0, "height:int", "dict"}, get_validators},
    {{"getProposal", kR, Payable::kNo, 0, "id:int", "dict"}, get_proposal},
    {{"getProposals", kR, Payable::kNo, 0, "offset:int,limit:int", "dict"}, get_proposals},
    {{"getParams", kR, Payable::kNo, 0, "", "dict"}, get_params},
    {{"getRules", kR, Payable::kNo, 0, "", "dict"}, get_rules},
};

}  // namespace

core::Address governance_contract_address() {
  FixedBytes<20> id{};
  id.bytes[18] = 0x0a;
  id.bytes[19] = 0x02;
  return core::Address::contract(id);
}

std::optional<Member> member_now(contracts::Host& h, const core::Address& a) {
  contracts::CallArgs args;
  args.contract = governance_contract_address();
  args.method = "getMember";
  args.params = boost::json::object{{"address", a.to_string()}};
  args.access = contracts::Access::kReadOnly;
  const contracts::CallResult r = h.call(args);
  return r.ok ? model::member_from(r.output) : std::nullopt;
}

std::shared_ptr<const contracts::Contract> make_governance_contract() {
  return std::make_shared<const contracts::NativeContract>("governance", kMethods);
}

}  // namespace cx::governance
