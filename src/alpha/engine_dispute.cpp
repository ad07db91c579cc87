// The dispute ladder (docs/alpha-engine.md "Disputes", COSSE §2.4, ALPHA.md N10). A dispute climbs
// the template's rungs — the Virtual Person, a referee, a panel — each climb paid for with the rung's
// bond by the party who climbs. A rung rules (the Virtual Person at once by its rows; a referee by a
// `rule` tx; a panel when `quorum` members agree) or, silent past its time, rules its default. A
// ruling can be appealed to the next rung within the appeal window; when the window passes, or the
// last rung has ruled, the ruling is final: every bond goes back to its payer if the outcome favours
// its side (or nobody), else to `bonds_to` (default: the favoured side), and the outcome's edge is
// taken. Bonds are held apart from the escrow, so an outcome's settlement never touches them.
#include <algorithm>

#include <boost/json.hpp>

#include "alpha/engine_impl.hpp"

namespace cx::alpha {

using detail::done;
using detail::refuse;
using detail::Run;
namespace json = boost::json;

namespace {

std::string role_of(const std::string& key) { return key.substr(0, key.find('#')); }

const Outcome* find_outcome(const Dispute& d, const std::string& id) {
  auto it = std::find_if(d.outcomes.begin(), d.outcomes.end(), [&](const Outcome& o) { return o.id == id; });
  return it == d.outcomes.end() ? nullptr : &*it;
}

// The actor's member key in the first open_by role it belongs to, or "".
std::string opener_key(const Dispute& d, const Instance& inst, const std::string& actor) {
  for (const std::string& role : d.open_by)
    if (std::string k = detail::member_key(inst, role, actor); !k.empty()) return k;
  return "";
}

// Takes the bond of rung k from `key`: exactly the rung's bond, in its asset; nothing if it has none.
std::optional<EngineError> post_bond(Run& r, size_t k, const std::string& key, const std::string& asset, const Uint256& amount) {
  const Expr* bond = r.t.dispute->rung_bond(k);
  Uint256 want;
  std::string want_asset = asset;
  if (bond) {
    auto v = detail::eval_amount(r, *bond, "dispute.ladder[" + std::to_string(k) + "].bond");
    if (!v) return refuse("the bond cannot be computed: " + r.fault);
    want = *v;
    want_asset = detail::amount_asset(r.t, *bond).value_or("?");
  }
  if (amount != want || (!want.is_zero() && asset != want_asset))
    return refuse("the bond of rung " + std::to_string(k) + " is exactly " + want.to_dec() + " " + want_asset + "; got " +
                  amount.to_dec() + " " + asset);
  if (want.is_zero()) return std::nullopt;
  Uint256& slot = r.inst.bonds[want_asset][key];
  slot = slot.checked_add(want).value_or(Uint256::max());
  r.fx.log.push_back("bond " + key + " " + want.to_dec() + " " + want_asset);
  return std::nullopt;
}

void drop_timers(Run& r, TimerKind kind) {
  std::erase_if(r.inst.timers, [&](const Timer& tm) { return tm.kind == kind; });
}

// The ruling is final: bonds back or forfeited, then the outcome's edge.
void finalize(Run& r) {
  const Dispute& d = *r.t.dispute;
  const Outcome& o = *find_outcome(d, r.inst.dispute.ruling);
  const std::string& sink = d.bonds_to.empty() ? o.favours : d.bonds_to;
  for (const auto& [asset, ledger] : r.inst.bonds)
    for (const auto& [key, amount] : ledger) {
      bool back = o.favours.empty() || role_of(key) == o.favours;
      std::string to = back ? detail::address_of(r.inst, key) : r.inst.parties.at(sink).at(0);
      r.fx.payouts.push_back({to, asset, amount, back ? "bond back " + key : "bond of " + key + " forfeited"});
    }
  r.inst.bonds.clear();
  r.inst.timers.clear();
  r.inst.status = Status::kActive;
  r.inst.dispute.open = false;
  r.inst.dispute.appeal_by = -1;
  r.fx.log.push_back("ruling final: " + o.id + " (rung " + std::to_string(r.inst.dispute.rung) + ", " + r.inst.dispute.rule + ")");
  detail::follow(r, o.edge, "dispute.outcomes." + o.id);
}

// Rung k rules `outcome` because of `why`; final at once on the last rung or without an appeal window.
void ruled(Run& r, const std::string& outcome, const std::string& why) {
  const Dispute& d = *r.t.dispute;
  DisputeState& ds = r.inst.dispute;
  drop_timers(r, TimerKind::kSilence);
  ds.ruling = outcome;
  ds.rule = why;
  ds.votes.clear();
  ds.trail.push_back("rung " + std::to_string(ds.rung) + " " + d.ladder[ds.rung].by + ": " + outcome + " (" + why + ")");
  r.fx.log.push_back("ruling " + outcome + " at rung " + std::to_string(ds.rung) + " by " + why);
  if (ds.rung + 1 >= d.ladder.size() || d.appeal_window == 0) return finalize(r);
  ds.appeal_by = r.now + static_cast<int64_t>(d.appeal_window);
  detail::arm(r, TimerKind::kAppeal, ds.appeal_by, "");
}

// The Virtual Person rules by its rows (first true), else the rung's default.
void virtual_person_rules(Run& r, size_t k) {
  const LadderStep& s = r.t.dispute->ladder[k];
  for (size_t i = 0; i < s.rows.size(); ++i) {
    std::string row = "rows[" + std::to_string(i) + "]";
    auto v = detail::eval(r, s.rows[i].when, "dispute.ladder[" + std::to_string(k) + "]." + row + ".when");
    if (!v) {
      r.fx.log.push_back("virtual_person " + row + " failed: " + r.fault);
      r.fault.clear();  // a row that cannot be evaluated does not hold; the default still rules
      continue;
    }
    if (v->flag) return ruled(r, s.rows[i].outcome, "virtual_person " + row);
  }
  ruled(r, r.t.dispute->rung_default(k), "virtual_person default");
}

void enter_rung(Run& r, size_t k) {
  const Dispute& d = *r.t.dispute;
  DisputeState& ds = r.inst.dispute;
  ds.rung = static_cast<uint32_t>(k);
  ds.ruling.clear();
  ds.rule.clear();
  ds.votes.clear();
  ds.appeal_by = -1;
  r.fx.log.push_back("dispute at rung " + std::to_string(k) + " (" + d.ladder[k].by + ")");
  if (d.ladder[k].by == "virtual_person") return virtual_person_rules(r, k);
  uint64_t within = d.ladder[k].within ? d.ladder[k].within : d.silence_after;
  detail::arm(r, TimerKind::kSilence, r.now + static_cast<int64_t>(within), "");
}

// The stage whose awaited event is still in its dispute window, or null.
const Stage* challenged_stage(const Template& t, const Instance& inst) {
  for (const Timer& tm : inst.timers)
    if (tm.kind == TimerKind::kChallenge) return &t.stages[static_cast<size_t>(find_stage(t, tm.stage))];
  return nullptr;
}

std::optional<EngineError> need_disputed(const Instance& inst) {
  if (inst.status == Status::kDisputed && inst.dispute.open) return std::nullopt;
  return refuse("instance " + std::to_string(inst.id) + " is not in dispute");
}

}  // namespace

std::optional<Uint256> dispute_bond(const Template& t, const Instance& inst, uint32_t rung) {
  if (!t.dispute || rung >= t.dispute->ladder.size()) return std::nullopt;
  const Expr* bond = t.dispute->rung_bond(rung);
  if (!bond) return Uint256();
  Run r{t, inst, 0, {}, {}};
  return detail::eval_amount(r, *bond, "dispute bond");
}

Result open_dispute(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount) {
  if (auto e = detail::need_active(inst)) return *e;
  if (!t.dispute) return refuse("the template has no dispute path");
  const Dispute& d = *t.dispute;
  std::string key = opener_key(d, inst, act.actor);
  if (key.empty()) return refuse(act.actor + " may not open a dispute");
  const Stage* challenged = challenged_stage(t, inst);
  bool open = challenged || d.during.empty() || std::any_of(inst.tokens.begin(), inst.tokens.end(), [&](const std::string& s) {
                return std::find(d.during.begin(), d.during.end(), s) != d.during.end();
              });
  if (!open) return refuse("no dispute can open in stage '" + inst.stage + "'");
  Run r{t, inst, act.now, {}, {}};
  if (auto e = post_bond(r, 0, key, asset, amount)) return *e;
  for (const std::string& id : inst.tokens) detail::leave(r, t.stages[static_cast<size_t>(find_stage(t, id))]);
  r.inst.joined.clear();
  r.inst.timers.clear();
  r.inst.status = Status::kDisputed;
  r.inst.dispute_opened_by = act.actor;
  r.inst.dispute = DisputeState{};
  r.inst.dispute.open = true;
  if (challenged) r.inst.dispute.challenged = challenged->ref;
  r.fx.log.push_back("dispute opened by " + act.actor + (challenged ? " against the attestation of '" + challenged->ref + "'" : ""));
  enter_rung(r, 0);
  return done(r);
}

Result appeal(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount) {
  if (auto e = need_disputed(inst)) return *e;
  const Dispute& d = *t.dispute;
  const DisputeState& ds = inst.dispute;
  if (ds.ruling.empty()) return refuse("rung " + std::to_string(ds.rung) + " has not ruled yet; there is nothing to appeal");
  if (act.now >= ds.appeal_by) return refuse("the appeal window closed at " + std::to_string(ds.appeal_by));
  std::string key = opener_key(d, inst, act.actor);
  if (key.empty()) return refuse(act.actor + " is not a party to the dispute and may not appeal");
  Run r{t, inst, act.now, {}, {}};
  if (auto e = post_bond(r, ds.rung + 1, key, asset, amount)) return *e;
  drop_timers(r, TimerKind::kAppeal);
  r.fx.log.push_back("appeal by " + act.actor + " against " + ds.ruling);
  enter_rung(r, ds.rung + 1);
  return done(r);
}

Result rule(const Template& t, const Instance& inst, const Act& act, const std::string& outcome) {
  if (auto e = need_disputed(inst)) return *e;
  const Dispute& d = *t.dispute;
  const DisputeState& ds = inst.dispute;
  const LadderStep& rung = d.ladder[ds.rung];
  if (!ds.ruling.empty()) return refuse("rung " + std::to_string(ds.rung) + " has ruled " + ds.ruling + "; appeal or wait for the window");
  if (rung.by == "virtual_person" || !detail::is_member(inst, rung.by, act.actor))
    return refuse(act.actor + " is not an arbiter of rung " + std::to_string(ds.rung) + " ('" + rung.by + "')");
  if (!find_outcome(d, outcome)) return refuse("the dispute has no outcome '" + outcome + "'");
  for (const Timer& tm : inst.timers)
    if (tm.kind == TimerKind::kSilence && tm.deadline <= act.now)
      return refuse("rung " + std::to_string(ds.rung) + "'s time to rule passed at " + std::to_string(tm.deadline));
  for (const auto& [_, voters] : ds.votes)
    if (std::find(voters.begin(), voters.end(), act.actor) != voters.end()) return refuse(act.actor + " has already voted");
  Run r{t, inst, act.now, {}, {}};
  auto& voters = r.inst.dispute.votes[outcome];
  voters.push_back(act.actor);
  r.fx.log.push_back("vote " + outcome + " by " + act.actor + " (" + std::to_string(voters.size()) + "/" + std::to_string(rung.quorum) + ")");
  if (voters.size() >= rung.quorum) {
    size_t n = inst.parties.at(rung.by).size();
    ruled(r, outcome, rung.quorum > 1 ? "panel " + std::to_string(rung.quorum) + " of " + std::to_string(n) : "referee " + act.actor);
  }
  return done(r);
}

namespace detail {

void dispute_timer(Run& r, const Timer& tm) {
  if (!r.t.dispute || !r.inst.dispute.open) return;
  if (tm.kind == TimerKind::kSilence) {
    r.fx.log.push_back("rung " + std::to_string(r.inst.dispute.rung) + " silent");
    return ruled(r, r.t.dispute->rung_default(r.inst.dispute.rung), "silence default");
  }
  finalize(r);  // kAppeal: nobody appealed in time
}

}  // namespace detail

json::object dispute_state_json(const DisputeState& d) {
  json::object votes;
  for (const auto& [k, v] : d.votes) votes[k] = json::value_from(v);
  return {{"open", d.open},           {"rung", d.rung},         {"challenged", d.challenged},
          {"ruling", d.ruling},       {"rule", d.rule},         {"appeal_by", d.appeal_by},
          {"votes", std::move(votes)}, {"trail", json::value_from(d.trail)}};
}

bool dispute_state_from_json(const json::value& v, DisputeState& d) {
  const json::object* o = v.if_object();
  if (!o) return false;
  auto str = [&](const char* k) {
    const json::value* x = o->if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto strings = [](const json::value& a) {
    std::vector<std::string> out;
    if (a.is_array())
      for (const auto& x : a.get_array()) out.push_back(x.is_string() ? std::string(x.get_string()) : "");
    return out;
  };
  auto integer = [&](const char* k) -> std::optional<int64_t> {  // no throwing conversions in the core
    const json::value* x = o->if_contains(k);
    if (x && x->is_int64()) return x->get_int64();
    if (x && x->is_uint64() && x->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(x->get_uint64());
    return std::nullopt;
  };
  const json::value* open = o->if_contains("open");
  const json::value* votes = o->if_contains("votes");
  const json::value* trail = o->if_contains("trail");
  auto rung = integer("rung"), by = integer("appeal_by");
  if (!open || !open->is_bool() || !rung || *rung < 0 || *rung >= static_cast<int64_t>(kLadderMax) || !by || !votes ||
      !votes->is_object() || !trail)
    return false;
  d.open = open->get_bool();
  d.rung = static_cast<uint32_t>(*rung);
  d.appeal_by = *by;
  d.challenged = str("challenged");
  d.ruling = str("ruling");
  d.rule = str("rule");
  for (const auto& [k, x] : votes->get_object()) d.votes[k] = strings(x);
  d.trail = strings(*trail);
  return true;
}

}  // namespace cx::alpha
