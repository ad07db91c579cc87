// Inputs from parties other than payments (docs/alpha-engine.md "The instance engine"): attestations of
// outside events (only by the attesters bound to the event's roles, replay-protected by (attester,
// nonce), k-of-n agreeing on the same payload), decisions and their hand-over (a consuming right),
// and the dispute window of an event (its effect waits for the window; engine_dispute.cpp).
#include <algorithm>

#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/engine_impl.hpp"
#include "crypto/address.hpp"

namespace cx::alpha {

using detail::done;
using detail::need_active;
using detail::refuse;
using detail::Run;
namespace json = boost::json;

namespace {

// The canonical payload of an attestation of `e`: the result (if the event has one) and exactly
// its declared fields, each in canonical form.
std::variant<std::string, EngineError> canon_payload(const Event& e, const json::object& payload) {
  json::object out;
  for (const auto& [k, _] : payload)
    if (k != "result" && k != "fields") return refuse("attestation: unknown key '" + std::string(k) + "'");
  if (!e.result.empty()) {
    const json::value* r = payload.if_contains("result");
    if (!r || !r->is_string() || std::find(e.result.begin(), e.result.end(), r->get_string()) == e.result.end())
      return refuse("attestation of '" + e.id + "': result must be one of the event's results");
    out["result"] = *r;
  } else if (payload.contains("result")) {
    return refuse("attestation of '" + e.id + "': the event has no result");
  }
  const json::value* f = payload.if_contains("fields");
  const json::object* fo = f ? f->if_object() : nullptr;
  if (f && !fo) return refuse("attestation of '" + e.id + "': fields must be an object");
  json::object fields;
  if (fo)
    for (const auto& entry : *fo) {
      const std::string_view k = entry.key();
      if (std::none_of(e.fields.begin(), e.fields.end(), [&](const Decl& d) { return d.id == k; }))
        return refuse("attestation of '" + e.id + "': unknown field '" + std::string(k) + "'");
    }
  for (const Decl& d : e.fields) {
    const json::value* v = fo ? fo->if_contains(d.id) : nullptr;
    if (!v) return refuse("attestation of '" + e.id + "': field '" + d.id + "' is missing");
    auto c = detail::canon_value(d, *v);
    if (auto* why = std::get_if<std::string>(&c)) return refuse("attestation of '" + e.id + "'." + d.id + ": " + *why);
    fields[d.id] = std::get<json::value>(c);
  }
  if (!e.fields.empty()) out["fields"] = std::move(fields);
  std::string text = canonical_text(out);
  if (text.size() > kPayloadMax) return refuse("attestation payload above " + std::to_string(kPayloadMax) + " bytes");
  return text;
}

bool is_attester(const Instance& inst, const Event& e, const std::string& who) {
  return std::any_of(e.attesters.begin(), e.attesters.end(), [&](const std::string& role) { return detail::is_member(inst, role, who); });
}

}  // namespace

Result attest(const Template& t, const Instance& inst, const Act& act, const std::string& event, const std::string& nonce,
              const json::object& payload) {
  if (auto e = need_active(inst)) return *e;
  const Event* ev = find_event(t, event);
  if (!ev) return refuse("the template has no event '" + event + "'");
  if (!is_attester(inst, *ev, act.actor)) return refuse(act.actor + " is not an attester of '" + event + "'");
  if (nonce.empty() || nonce.size() > kNonceMax) return refuse("nonce: 1 to " + std::to_string(kNonceMax) + " bytes");
  std::string seen = act.actor + "/" + nonce;
  auto pos = std::lower_bound(inst.nonces.begin(), inst.nonces.end(), seen);
  if (pos != inst.nonces.end() && *pos == seen) return refuse("replayed attestation: nonce '" + nonce + "' of " + act.actor + " was used");
  if (inst.nonces.size() >= kNoncesMax) return refuse("instance has recorded the maximum of attestations");
  Run r{t, inst, act.now, {}, {}};
  auto w = detail::waiting_stage(r, {Action::kAwait}, event, "this attestation");
  if (auto* e = std::get_if<EngineError>(&w)) return *e;
  for (const Timer& tm : inst.timers)
    if (tm.kind == TimerKind::kChallenge && tm.stage == std::get<const Stage*>(w)->id)
      return refuse("'" + event + "' happened; its dispute window runs until " + std::to_string(tm.deadline));
  auto text = canon_payload(*ev, payload);
  if (auto* e = std::get_if<EngineError>(&text)) return *e;
  EventState& es = r.inst.events[event];
  for (const auto& [_, voters] : es.votes)
    if (std::find(voters.begin(), voters.end(), act.actor) != voters.end())
      return refuse(act.actor + " has already attested '" + event + "'");
  r.inst.nonces.insert(r.inst.nonces.begin() + (pos - inst.nonces.begin()), seen);
  auto& voters = es.votes[std::get<std::string>(text)];
  voters.push_back(act.actor);
  r.fx.log.push_back("attest " + event + " by " + act.actor + " (" + std::to_string(voters.size()) + "/" + std::to_string(ev->quorum) + ")");
  if (voters.size() >= ev->quorum) {
    es.time = act.now;
    es.payload = std::get<std::string>(text);
    const Stage& s = *std::get<const Stage*>(w);
    if (ev->dispute_window == 0) {
      detail::exit_stage(r, s);
    } else {  // the effect waits for the window, in which a party can challenge it (open_dispute)
      std::erase_if(r.inst.timers, [&](const Timer& tm) { return tm.stage == s.id; });
      detail::arm(r, TimerKind::kChallenge, act.now + static_cast<int64_t>(ev->dispute_window), s.id);
      r.fx.log.push_back("'" + event + "' in its dispute window until " + std::to_string(act.now + static_cast<int64_t>(ev->dispute_window)));
    }
  }
  return done(r);
}

Result decide(const Template& t, const Instance& inst, const Act& act, const std::string& decision, const std::string& choice) {
  if (auto e = need_active(inst)) return *e;
  const Decision* d = find_decision(t, decision);
  if (!d) return refuse("the template has no decision '" + decision + "'");
  const DecisionState& ds = inst.decisions.at(decision);
  if (ds.exercised) return refuse("the right '" + decision + "' was already exercised");
  if (ds.delegated_by == act.actor)
    return refuse(act.actor + " handed the right '" + decision + "' to " + ds.holder + " and can no longer decide");
  if (ds.holder != act.actor) return refuse(act.actor + " does not hold the right '" + decision + "'");
  Run r{t, inst, act.now, {}, {}};
  auto w = detail::waiting_stage(r, {Action::kDecide}, decision, "this decision");
  if (auto* e = std::get_if<EngineError>(&w)) return *e;
  std::string value = choice;
  if (!d->member_of.empty()) {
    auto a = crypto::Address::parse(choice);
    value = a ? detail::member_key(inst, d->member_of, a->to_string()) : "";
    if (value.empty()) return refuse("choice '" + choice + "' is not a member of '" + d->member_of + "'");
  } else if (std::find(d->choices.begin(), d->choices.end(), choice) == d->choices.end()) {
    return refuse("choice '" + choice + "' is not one of the decision's choices");
  }
  DecisionState& s = r.inst.decisions[decision];
  s.exercised = d->single_use;
  s.holder = d->single_use ? "" : s.holder;
  s.choice = value;
  s.time = act.now;
  r.fx.log.push_back("decide " + decision + " = " + value + " by " + act.actor);
  detail::exit_stage(r, *std::get<const Stage*>(w));
  return done(r);
}

Result delegate(const Template& t, const Instance& inst, const Act& act, const std::string& decision, const std::string& to) {
  if (auto e = need_active(inst)) return *e;
  const Decision* d = find_decision(t, decision);
  if (!d) return refuse("the template has no decision '" + decision + "'");
  const DecisionState& ds = inst.decisions.at(decision);
  if (ds.exercised) return refuse("the right '" + decision + "' was already exercised");
  if (!ds.delegated_by.empty()) return refuse("the right '" + decision + "' was already handed over by " + ds.delegated_by);
  if (ds.holder != act.actor) return refuse(act.actor + " does not hold the right '" + decision + "'");
  auto a = crypto::Address::parse(to);
  bool allowed = a && std::any_of(d->delegable_to.begin(), d->delegable_to.end(),
                                  [&](const std::string& role) { return detail::is_member(inst, role, a->to_string()); });
  if (!allowed) return refuse("'" + to + "' is not a member of a role the right '" + decision + "' may be handed to");
  Run r{t, inst, act.now, {}, {}};
  DecisionState& s = r.inst.decisions[decision];
  s.delegated_by = act.actor;
  s.holder = a->to_string();
  r.fx.log.push_back("delegate " + decision + " " + act.actor + " -> " + s.holder);
  return done(r);
}

Result revoke(const Template& t, const Instance& inst, const Act& act, const std::string& decision) {
  if (auto e = need_active(inst)) return *e;
  const Decision* d = find_decision(t, decision);
  if (!d) return refuse("the template has no decision '" + decision + "'");
  const DecisionState& ds = inst.decisions.at(decision);
  if (ds.exercised) return refuse("the right '" + decision + "' was already exercised");
  if (ds.delegated_by != act.actor) return refuse(act.actor + " did not hand over the right '" + decision + "'");
  if (!d->revocable_until) return refuse("the hand-over of '" + decision + "' cannot be taken back");
  Run r{t, inst, act.now, {}, {}};
  auto until = detail::eval_time(r, *d->revocable_until, "decisions." + decision + ".revocable_until");
  if (!until) return refuse("revocable_until cannot be computed: " + r.fault);
  if (act.now >= *until) return refuse("the hand-over of '" + decision + "' could be taken back until " + std::to_string(*until));
  DecisionState& s = r.inst.decisions[decision];
  r.fx.log.push_back("revoke " + decision + " " + s.holder + " -> " + act.actor);
  s.holder = act.actor;
  s.delegated_by.clear();
  return done(r);
}

}  // namespace cx::alpha
