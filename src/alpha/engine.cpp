// The transitions of an Alpha instance (docs/alpha-engine.md "The instance engine"): each checks its input
// against the instance, works on a copy and returns the next instance with its effects, or refuses
// with a reason and changes nothing.
#include <algorithm>

#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/engine_impl.hpp"
#include "crypto/address.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {

using detail::Run;
namespace json = boost::json;

const char* status_name(Status s) {
  switch (s) {
    case Status::kProposed: return "proposed";
    case Status::kActive: return "active";
    case Status::kDisputed: return "disputed";
    case Status::kClosed: return "closed";
    case Status::kExpired: return "expired";
  }
  return "?";
}

namespace detail {

EngineError refuse(std::string m) { return EngineError{std::move(m)}; }

Result done(Run& r) {
  ++r.inst.seq;
  return Transition{std::move(r.inst), std::move(r.fx)};
}

std::optional<EngineError> need_active(const Instance& inst) {
  if (inst.status == Status::kActive) return std::nullopt;
  return refuse("instance " + std::to_string(inst.id) + " is " + status_name(inst.status) + ", not active");
}

std::variant<const Stage*, EngineError> waiting_stage(const Run& r, std::initializer_list<Action> actions,
                                                      const std::string& ref, const char* what, const std::string& payer) {
  const Stage* s = token_stage(r, actions, ref, payer);
  if (!s) {
    std::string at;
    for (const std::string& id : r.inst.tokens) at += (at.empty() ? "'" : ", '") + id + "'";
    return refuse("no stage takes " + std::string(what) + " now (waiting: " + (at.empty() ? "none" : at) + ")");
  }
  if (auto d = detail::passed_deadline(r, *s))
    return refuse("the deadline of stage '" + s->id + "' passed at " + std::to_string(*d) + " (block time " +
                  std::to_string(r.now) + ")");
  return s;
}

}  // namespace detail

namespace {

using detail::done;
using detail::need_active;
using detail::refuse;
using detail::waiting_stage;

std::optional<EngineError> bind_parties(const Template& t, const json::object& parties, Instance& inst) {
  for (const auto& [role, _] : parties)
    if (!find_role(t, role)) return refuse("parties: unknown role '" + std::string(role) + "'");
  for (const Role& role : t.roles) {
    const json::value* v = parties.if_contains(role.id);
    std::vector<std::string> members;
    if (v && v->is_string()) members.push_back(std::string(v->get_string()));
    else if (v && v->is_array())
      for (const auto& m : v->get_array()) members.push_back(m.is_string() ? std::string(m.get_string()) : "");
    if (members.empty() || members.size() > role.members_max)
      return refuse("parties." + role.id + ": bind 1 to " + std::to_string(role.members_max) + " addresses");
    for (std::string& m : members) {
      auto a = crypto::Address::parse(m);
      if (!a) return refuse("parties." + role.id + ": '" + m + "' is not an address");
      m = a->to_string();
    }
    auto sorted = members;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      return refuse("parties." + role.id + ": an address is bound twice");
    inst.parties[role.id] = std::move(members);
  }
  return std::nullopt;
}

std::optional<EngineError> bind_params(const Template& t, const json::object& params, Instance& inst) {
  for (const auto& [id, _] : params)
    if (!find_param(t, id)) return refuse("params: unknown param '" + std::string(id) + "'");
  for (const Decl& d : t.params) {
    const json::value* v = params.if_contains(d.id);
    if (!v) return refuse("params." + d.id + ": missing");
    auto c = detail::canon_value(d, *v);
    if (auto* why = std::get_if<std::string>(&c)) return refuse("params." + d.id + ": " + *why);
    inst.params[d.id] = std::get<json::value>(c);
  }
  return std::nullopt;
}

void activate(Run& r) {
  r.inst.status = Status::kActive;
  r.inst.signed_at = r.now;
  r.inst.timers.clear();  // the signing deadline
  for (const Decision& d : r.t.decisions) r.inst.decisions[d.id].holder = r.inst.parties.at(d.holder).at(0);
  r.fx.log.push_back("signed");
  detail::go(r, r.t.stages.front().id);
}

}  // namespace

Hash32 instance_hash(const Instance& inst) {
  json::object o;
  o["template_hash"] = inst.template_hash.hex();
  o["params"] = inst.params;
  json::object parties;
  for (const auto& [role, members] : inst.parties) parties[role] = json::value_from(members);
  o["parties"] = std::move(parties);
  o["prose_digest"] = inst.prose_digest.hex();
  o["simulation_digest"] = inst.simulation_digest.hex();
  if (!inst.calendar.id.empty()) o["calendar"] = inst.calendar.id;  // the pinned version is signed too
  std::string text = "cx.alpha.instance.v1:" + canonical_text(o);
  return crypto::sha3_256(BytesView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::variant<Instance, EngineError> propose(const Template& t, const Hash32& template_hash, uint64_t id,
                                            const json::object& params, const json::object& parties, int64_t now,
                                            std::optional<int64_t> sign_by, const Calendar* calendar) {
  Instance inst;
  if (!t.calendar.empty() && !calendar) return refuse("the template's calendar " + t.calendar + " is not registered");
  if (calendar) inst.calendar = *calendar;
  inst.id = id;
  inst.template_hash = template_hash;
  if (auto e = bind_params(t, params, inst)) return *e;
  if (auto e = bind_parties(t, parties, inst)) return *e;
  if (t.dispute)
    for (const LadderStep& rung : t.dispute->ladder)
      if (auto it = inst.parties.find(rung.by); it != inst.parties.end() && it->second.size() < rung.quorum)
        return refuse("parties." + rung.by + ": the dispute panel needs at least " + std::to_string(rung.quorum) + " members");
  std::string prose;
  for (const Prose& p : t.prose) prose += p.lang + ":" + p.hash.hex() + ";";
  inst.prose_digest = crypto::sha3_256(BytesView(reinterpret_cast<const uint8_t*>(prose.data()), prose.size()));
  inst.proposed_at = now;
  inst.sign_by = sign_by.value_or(now + kSignWindowDefault);
  if (inst.sign_by <= now || inst.sign_by > now + kSignWindowMax)
    return refuse("signBy must be after the block time and at most 90 days later");
  inst.stage = t.stages.front().id;
  inst.hash = instance_hash(inst);
  Run r{t, std::move(inst), now, {}, {}};
  detail::arm(r, TimerKind::kSign, r.inst.sign_by, "");
  return std::move(r.inst);
}

Result sign(const Template& t, const Instance& inst, const Act& act, const Hash32& hash) {
  if (inst.status != Status::kProposed)
    return refuse("instance " + std::to_string(inst.id) + " is " + status_name(inst.status) + "; only a proposed instance is signed");
  if (act.now >= inst.sign_by) return refuse("the signing deadline passed at " + std::to_string(inst.sign_by));
  if (hash != inst.hash) return refuse("wrong instance hash 0x" + hash.hex() + "; the instance's hash is 0x" + inst.hash.hex());
  bool signatory = false;
  for (const Role& role : t.roles) signatory |= role.signatory && detail::is_member(inst, role.id, act.actor);
  if (!signatory) return refuse(act.actor + " is not a signatory of instance " + std::to_string(inst.id));
  if (std::find(inst.signed_by.begin(), inst.signed_by.end(), act.actor) != inst.signed_by.end())
    return refuse(act.actor + " has already signed");
  Run r{t, inst, act.now, {}, {}};
  r.inst.signed_by.push_back(act.actor);
  r.fx.log.push_back("sign " + act.actor);
  bool all = true;
  for (const Role& role : t.roles)
    if (role.signatory)
      for (const std::string& m : inst.parties.at(role.id))
        all &= std::find(r.inst.signed_by.begin(), r.inst.signed_by.end(), m) != r.inst.signed_by.end();
  if (all) activate(r);
  return done(r);
}

Result fund(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount) {
  if (auto e = need_active(inst)) return *e;
  Run r{t, inst, act.now, {}, {}};
  auto w = waiting_stage(r, {Action::kPay, Action::kCollect}, "", "a payment");
  if (auto* e = std::get_if<EngineError>(&w)) return *e;
  if (auto mine = waiting_stage(r, {Action::kPay, Action::kCollect}, "", "a payment", act.actor); std::holds_alternative<const Stage*>(mine))
    w = mine;  // inside a fork, the pay stage of the sender's role
  const Stage& s = *std::get<const Stage*>(w);
  std::string key = detail::member_key(inst, s.from, act.actor);
  if (key.empty()) return refuse("stage '" + s.id + "' takes payments from '" + s.from + "'; " + act.actor + " is not one");
  auto want_asset = detail::amount_asset(t, s.amount);
  if (!want_asset || *want_asset != asset) return refuse("stage '" + s.id + "' takes " + want_asset.value_or("?") + ", not " + asset);
  auto want = detail::eval_amount(r, s.amount, "stage " + s.id + " amount");
  if (!want) return refuse("the amount of stage '" + s.id + "' cannot be computed: " + r.fault);
  if (s.action == Action::kPay ? amount != *want : amount < *want)
    return refuse("stage '" + s.id + "' takes " + (s.action == Action::kPay ? "exactly " : "at least ") + want->to_dec() +
                  " " + asset + "; got " + amount.to_dec());
  r.fx.log.push_back("fund " + key + " " + amount.to_dec() + " " + asset);
  if (s.to == "escrow" || s.action == Action::kCollect) {
    detail::pay_in(r, asset, key, amount);
  } else {
    r.inst.paid[asset][key] = r.inst.paid[asset][key].checked_add(amount).value_or(Uint256::max());
    r.fx.payouts.push_back({inst.parties.at(s.to).at(0), asset, amount, "pay " + s.id});
  }
  if (s.action == Action::kPay) detail::exit_stage(r, s);
  return done(r);
}

Result reserve(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount) {
  if (inst.status != Status::kProposed && inst.status != Status::kActive)
    return refuse("instance " + std::to_string(inst.id) + " is " + status_name(inst.status) + "; nothing can be reserved");
  if (amount.is_zero()) return refuse("reserve a positive amount");
  auto first = std::find_if(t.stages.begin(), t.stages.end(), [&](const Stage& s) {
    return s.action == Action::kPay && detail::is_member(inst, s.from, act.actor) && detail::amount_asset(t, s.amount) == asset;
  });
  if (first == t.stages.end()) return refuse(act.actor + " pays no stage in " + asset + "; there is nothing to reserve for");
  Run r{t, inst, act.now, {}, {}};
  const std::string key = detail::member_key(inst, first->from, act.actor);
  Uint256& slot = r.inst.reserved[asset][key];
  slot = slot.checked_add(amount).value_or(Uint256::max());
  r.fx.log.push_back("reserve " + key + " " + amount.to_dec() + " " + asset);
  // A pay stage of this payer that waits now is paid at once if the reservation covers it.
  if (const Stage* s = detail::token_stage(r, {Action::kPay}, "", act.actor); s && inst.status == Status::kActive) {
    auto want = detail::eval_amount(r, s->amount, "stage " + s->id + " amount");
    r.fault.clear();
    if (want && !detail::passed_deadline(r, *s) && detail::pay_from_reserve(r, *s, asset, *want)) detail::exit_stage(r, *s);
  }
  return done(r);
}

Result fire_timer(const Template& t, const Instance& inst, int64_t now, uint32_t timer_id) {
  auto it = std::find_if(inst.timers.begin(), inst.timers.end(), [&](const Timer& tm) { return tm.id == timer_id; });
  if (it == inst.timers.end()) return refuse("instance " + std::to_string(inst.id) + " has no timer " + std::to_string(timer_id));
  if (it->deadline > now) return refuse("timer " + std::to_string(timer_id) + " is not due");
  Timer tm = *it;
  Run r{t, inst, now, {}, {}};
  std::erase_if(r.inst.timers, [&](const Timer& x) { return x.id == timer_id; });
  int si = tm.stage.empty() ? -1 : find_stage(t, tm.stage);
  const Stage* s = si < 0 ? nullptr : &t.stages[static_cast<size_t>(si)];
  if ((tm.kind == TimerKind::kWait || tm.kind == TimerKind::kDue || tm.kind == TimerKind::kChallenge) && !s) return refuse("timer of an unknown stage");
  switch (tm.kind) {
    case TimerKind::kSign:
      r.inst.status = Status::kExpired;
      r.inst.timers.clear();
      detail::refund_reserved(r);
      r.fx.log.push_back("expired unsigned");
      break;
    case TimerKind::kSilence: case TimerKind::kAppeal: detail::dispute_timer(r, tm); break;
    case TimerKind::kChallenge:
      r.fx.log.push_back("dispute window of '" + s->ref + "' over");
      detail::exit_stage(r, *s);
      break;
    case TimerKind::kWait:
      r.fx.log.push_back("wait over " + tm.stage);
      detail::exit_stage(r, *s);
      break;
    case TimerKind::kDue:
      r.fx.log.push_back("timeout " + tm.stage);
      if (s->action == Action::kCollect || !s->on_timeout) {
        detail::exit_stage(r, *s);
      } else {
        detail::leave(r, *s);
        detail::follow(r, *s->on_timeout, "stages[" + std::to_string(find_stage(t, s->id)) + "].on_timeout");
      }
      break;
  }
  return done(r);
}

}  // namespace cx::alpha
