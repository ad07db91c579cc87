// Moving an instance through its stages (docs/alpha-engine.md "The instance engine"). One token walks the
// stage graph: stages that act at once (gateways, settlements, the Virtual Person) are passed in the
// same transition; a stage that waits (pay, collect, await, decide, wait) arms its deadline and stops.
// A failed expression never leaves a half-moved instance: the run takes the template's on_fault edge.
#include <algorithm>

#include "alpha/engine_impl.hpp"

namespace cx::alpha::detail {
namespace {

std::string place_of(const Template& t, const Stage& s) {
  return "stages[" + std::to_string(find_stage(t, s.id)) + "]";
}

void close(Run& r, const std::string& terminal) {
  if (!r.inst.escrow.empty()) refund_all(r, "close " + terminal);  // the checker makes this unreachable
  refund_reserved(r);
  r.inst.timers.clear();
  r.inst.tokens.clear();
  r.inst.joined.clear();
  r.inst.status = Status::kClosed;
  r.inst.stage = terminal;
  r.fx.log.push_back("close " + terminal);
}

// The fault path: the template's on_fault settlement and target; if that fails too, every payer is
// refunded and the instance closes at on_fault's target.
void take_fault(Run& r) {
  std::string why = std::move(r.fault);
  r.fault.clear();
  r.inst.fault = why;
  r.inst.timers.clear();
  r.fx.log.push_back("fault " + why);
  const Edge& e = r.t.on_fault;
  if (!e.settle || settle(r, *e.settle, "on_fault", "")) {
    if (r.fault.empty() && is_terminal(r.t, e.target)) return close(r, e.target);
  }
  r.fault.clear();
  refund_all(r, "on_fault");
  close(r, e.target);
}

// Which row of the Virtual Person fires, by its hit policy; nullopt on a fault.
std::optional<const VpRule*> vp_row(Run& r, const VirtualPerson& vp, std::string* row) {
  const VpRule* best = nullptr;
  size_t hits = 0;
  for (size_t i = 0; i < vp.rules.size(); ++i) {
    const VpRule& rule = vp.rules[i];
    auto v = eval(r, *rule.when, "virtual_person.rules[" + std::to_string(i) + "].when");
    if (!v) return std::nullopt;
    if (!v->flag) continue;
    ++hits;
    if (!best || (vp.hit_policy == HitPolicy::kPriority && rule.priority > best->priority)) {
      best = &rule;
      *row = "rules[" + std::to_string(i) + "]";
    }
    if (vp.hit_policy == HitPolicy::kFirst) break;
  }
  if (vp.hit_policy == HitPolicy::kUnique && hits > 1) {
    r.fault = "virtual_person: " + std::to_string(hits) + " rows match under hit policy UNIQUE";
    return std::nullopt;
  }
  if (!best && vp.otherwise) {
    best = &*vp.otherwise;
    *row = "default";
  }
  return best;
}

// The Virtual Person decides: its row's outputs are sealed into the instance and its target taken.
std::optional<std::string> arbitrate(Run& r) {
  const VirtualPerson& vp = *r.t.virtual_person;
  std::string row;
  auto best = vp_row(r, vp, &row);
  if (!best) return std::nullopt;
  if (!*best) {
    r.fault = "virtual_person: no row matches and there is no default";
    return std::nullopt;
  }
  for (const Binding& b : (*best)->set) {
    auto v = eval(r, b.value, "virtual_person." + row + ".set." + b.id);
    if (!v) return std::nullopt;
    r.inst.vp[b.id] = value_to_json(*v);
  }
  r.inst.vp_row = row;
  r.fx.log.push_back("virtual_person " + row + " -> " + (*best)->target);
  return (*best)->target;
}

// Where a stage goes when it is done: the first branch case that holds, else the default, else next.
std::optional<std::string> exit_target(Run& r, const Stage& s) {
  std::string p = place_of(r.t, s);
  for (size_t i = 0; i < s.cases.size(); ++i) {
    auto v = eval(r, s.cases[i].when, p + ".branch[" + std::to_string(i) + "].when");
    if (!v) return std::nullopt;
    if (v->flag) return s.cases[i].target;
  }
  if (s.otherwise) return *s.otherwise;
  if (s.next.empty()) {
    r.fault = p + ": no exit";
    return std::nullopt;
  }
  return s.next;
}

// Arms the stage's deadline, if it has one.
bool arm_due(Run& r, const Stage& s) {
  if (!s.due) return true;
  auto at = eval_time(r, *s.due, place_of(r.t, s) + ".due");
  if (!at) return false;
  arm(r, TimerKind::kDue, *at, s.id);
  return true;
}

// A token waits in s.
std::optional<std::string> wait_in(Run& r, const Stage& s) {
  auto pos = std::lower_bound(r.inst.tokens.begin(), r.inst.tokens.end(), s.id);
  if (pos == r.inst.tokens.end() || *pos != s.id) r.inst.tokens.insert(pos, s.id);
  r.inst.stage = s.id;
  return "";
}

// A fork starts one token per branch (in declared order); the fork itself does not wait.
std::optional<std::string> fork(Run& r, const Stage& s) {
  r.inst.left[s.id] = r.now;
  r.inst.joined.erase(s.ref);
  for (const std::string& b : s.branches) {
    go(r, b);
    if (r.inst.status == Status::kClosed) break;  // a branch closed the instance (or faulted)
  }
  return "";
}

// A join passes when the last branch of its fork arrives; earlier tokens end here.
std::optional<std::string> join(Run& r, const Stage& s) {
  const Stage& f = r.t.stages[static_cast<size_t>(find_stage(r.t, s.ref))];
  if (++r.inst.joined[s.id] < f.branches.size()) return "";
  r.inst.joined.erase(s.id);
  r.inst.left[s.id] = r.now;
  return exit_target(r, s);
}

// Enters stage s. Returns the next target when the stage acts at once, "" when this token stops
// (the stage waits, or a fork or join took it over), nullopt on a fault.
std::optional<std::string> enter(Run& r, const Stage& s) {
  std::string p = place_of(r.t, s);
  r.inst.entered[s.id] = r.now;
  ++r.inst.visits[s.id];
  r.fx.log.push_back("enter " + s.id);
  switch (s.action) {
    case Action::kNone: break;
    case Action::kSettle:
      if (!settle(r, s.settle, p + ".settle", s.id)) return std::nullopt;
      break;
    case Action::kArbitrate: {
      auto target = arbitrate(r);
      if (target) r.inst.left[s.id] = r.now;
      return target;
    }
    case Action::kPay: {
      auto amount = eval_amount(r, s.amount, p + ".pay.amount");
      if (!amount) return std::nullopt;
      auto asset = amount_asset(r.t, s.amount);
      if (amount->is_zero() || (asset && pay_from_reserve(r, s, *asset, *amount))) break;  // paid: go on
      return arm_due(r, s) ? wait_in(r, s) : std::nullopt;
    }
    case Action::kCollect: case Action::kAwait: case Action::kDecide:
      return arm_due(r, s) ? wait_in(r, s) : std::nullopt;
    case Action::kWait: {
      auto until = eval_time(r, s.until, p + ".wait.until");
      if (!until) return std::nullopt;
      if (*until > r.now) {
        arm(r, TimerKind::kWait, *until, s.id);
        return wait_in(r, s);
      }
      break;
    }
    case Action::kFork: return fork(r, s);
    case Action::kJoin: return join(r, s);
  }
  r.inst.left[s.id] = r.now;
  return exit_target(r, s);
}

}  // namespace

const Stage* token_stage(const Run& r, std::initializer_list<Action> actions, const std::string& ref,
                         const std::string& payer) {
  for (const std::string& id : r.inst.tokens) {
    const Stage& s = r.t.stages[static_cast<size_t>(find_stage(r.t, id))];
    if (std::find(actions.begin(), actions.end(), s.action) == actions.end()) continue;
    if (!ref.empty() && s.ref != ref) continue;
    if (!payer.empty() && !is_member(r.inst, s.from, payer)) continue;
    return &s;
  }
  return nullptr;
}

void arm(Run& r, TimerKind kind, int64_t deadline, const std::string& stage) {
  Timer tm{deadline, r.inst.next_timer++, kind, stage};
  auto pos = std::upper_bound(r.inst.timers.begin(), r.inst.timers.end(), tm, [](const Timer& a, const Timer& b) {
    return std::tie(a.deadline, a.id) < std::tie(b.deadline, b.id);
  });
  r.inst.timers.insert(pos, std::move(tm));
}

void leave(Run& r, const Stage& s) {
  r.inst.left[s.id] = r.now;
  std::erase(r.inst.tokens, s.id);
  std::erase_if(r.inst.timers, [&](const Timer& tm) { return tm.stage == s.id; });
}

std::optional<int64_t> passed_deadline(const Run& r, const Stage& s) {
  for (const Timer& tm : r.inst.timers)
    if (tm.stage == s.id && tm.kind == TimerKind::kDue && tm.deadline <= r.now) return tm.deadline;
  return std::nullopt;
}

void go(Run& r, std::string target) {
  while (r.fault.empty() && r.inst.status != Status::kClosed) {
    if (is_terminal(r.t, target)) return close(r, target);
    int i = find_stage(r.t, target);
    if (i < 0 || ++r.entries > kStageEntriesPerRunMax) {
      r.fault = i < 0 ? "unknown target '" + target + "'" : "more than " + std::to_string(kStageEntriesPerRunMax) + " stages in one transition";
      break;
    }
    const Stage& s = r.t.stages[static_cast<size_t>(i)];
    if (s.max_visits && r.inst.visits[s.id] >= s.max_visits) {
      if (!s.on_exhausted) {
        r.fault = place_of(r.t, s) + ": entered more than max_visits times";
        break;
      }
      if (s.on_exhausted->settle && !settle(r, *s.on_exhausted->settle, place_of(r.t, s) + ".on_exhausted", "")) break;
      target = s.on_exhausted->target;
      continue;
    }
    auto next = enter(r, s);
    if (!next) break;
    if (next->empty()) return;  // this token stops here
    target = *next;
  }
  if (!r.fault.empty()) take_fault(r);
}

void exit_stage(Run& r, const Stage& s) {
  leave(r, s);
  auto target = exit_target(r, s);
  if (!target) return take_fault(r);
  go(r, *target);
}

void follow(Run& r, const Edge& e, const std::string& place) {
  if (e.settle && !settle(r, *e.settle, place, "")) return take_fault(r);
  go(r, e.target);
}

}  // namespace cx::alpha::detail
