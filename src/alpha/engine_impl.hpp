#pragma once
// Internal to the instance engine: the state of one transition (a Run) and the operations the
// public transitions (engine.cpp) compose. A Run works on a copy of the instance; when a transition
// is refused the copy is dropped, so a refusal changes nothing.
#include <initializer_list>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "alpha/expr.hpp"
#include "alpha/instance.hpp"

namespace cx::alpha::detail {

namespace json = boost::json;

struct Run {
  const Template& t;
  Instance inst;
  int64_t now = 0;
  Effects fx;
  std::string fault;  // set when an expression or a payout failed; go() then takes on_fault
  uint32_t entries = 0;  // stages entered in this transition (bounded by kStageEntriesPerRunMax)
};

// ---- values (instance_values.cpp) ----
// The canonical stored form of a param / event field of declaration d, or why it is refused.
std::variant<json::value, std::string> canon_value(const Decl& d, const json::value& v);
// The expression value of a canonical stored value.
Value value_of(const Decl& d, const json::value& v);
json::value value_to_json(const Value& v);
std::optional<Value> value_from_json(const json::value& v);
// The asset of an amount expression (the template's only asset, or what the type checker says).
std::optional<std::string> amount_asset(const Template& t, const Expr& e);

// Evaluates `e` for the instance as it is now; on failure sets r.fault (naming `place`) and returns
// nullopt.
std::optional<Value> eval(Run& r, const Expr& e, const std::string& place);
// A whole, non-negative amount, or nullopt (r.fault set).
std::optional<Uint256> eval_amount(Run& r, const Expr& e, const std::string& place);
std::optional<int64_t> eval_time(Run& r, const Expr& e, const std::string& place);

// ---- parties ----
// "role#i" of `address` in `role`, or "" if it is not a member.
std::string member_key(const Instance& inst, const std::string& role, const std::string& address);
std::string address_of(const Instance& inst, const std::string& key);  // "" if unknown
bool is_member(const Instance& inst, const std::string& role, const std::string& address);

// ---- money (engine_money.cpp) ----
void pay_in(Run& r, const std::string& asset, const std::string& key, const Uint256& amount);
// Runs a settlement; `stage` names the stage for fees ("" on an edge). False on a fault.
bool settle(Run& r, const Settle& s, const std::string& place, const std::string& stage);
// Gives every payer back what is left of its money, in every asset (the fault path's last resort).
void refund_all(Run& r, const std::string& why);
// Pays pay stage s (amount in asset) from a reservation of a member of its payer role, if one
// covers it. True if paid.
bool pay_from_reserve(Run& r, const Stage& s, const std::string& asset, const Uint256& amount);
// Gives back every reservation (at close or expiry).
void refund_reserved(Run& r);

// ---- flow (engine_run.cpp) ----
// The stage a token waits in that is one of `actions`, about `ref` (if not empty) and, if `payer` is
// not empty, paid by a role `payer` belongs to; the first in token order, or null.
const Stage* token_stage(const Run& r, std::initializer_list<Action> actions, const std::string& ref,
                         const std::string& payer = "");
void arm(Run& r, TimerKind kind, int64_t deadline, const std::string& stage);
// Leaves a stage: records the time, removes its token and cancels its timers.
void leave(Run& r, const Stage& s);
// Enters `target` (a stage or a terminal) and runs on until a stage waits or a terminal closes the
// instance. Faults are handled inside (on_fault), so it always leaves a consistent instance.
void go(Run& r, std::string target);
// Leaves `s` by its exit (branch, next) and goes on.
void exit_stage(Run& r, const Stage& s);
// Takes an edge: its settlement, then its target.
void follow(Run& r, const Edge& e, const std::string& place);
// The deadline of the current stage if it has passed (a tx in the block after it is too late even if
// the timer is still queued behind the per-block cap).
std::optional<int64_t> passed_deadline(const Run& r, const Stage& s);

// ---- disputes (engine_dispute.cpp) ----
// A dispute timer fired: a rung's silence (it rules its default) or the end of an appeal window
// (the ruling is final).
void dispute_timer(Run& r, const Timer& tm);

// ---- transitions (engine.cpp) ----
EngineError refuse(std::string m);
Result done(Run& r);  // bumps seq and hands the next instance out
std::optional<EngineError> need_active(const Instance& inst);
// The current stage, if it is one of `actions` (and, for await/decide, about `ref`) and its deadline
// has not passed; else why not.
std::variant<const Stage*, EngineError> waiting_stage(const Run& r, std::initializer_list<Action> actions,
                                                      const std::string& ref, const char* what,
                                                      const std::string& payer = "");

}  // namespace cx::alpha::detail
