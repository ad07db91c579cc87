// The simulator (N2; docs/alpha.md "Simulate"): a depth-first walk over every branch an instance can
// take. A branch point is a waiting stage: each way it can end (paid, attested with each result and
// each sample of its fields, decided with each choice, timed out, disputed with each outcome) is one
// child. Between branch points the stages run at once, as one transition, with the engine's rules:
// exclusive branches take the first true case, settlements pay claims in order capped by what is
// left, `rest` sweeps, fees move from payer to payee. An expression that fails takes the fault path
// from the state the transition started with. The graph facts (structure, bounded loops, quotes)
// come from the registration checker, which the template must pass first.
#include <algorithm>

#include "alpha/checker_impl.hpp"
#include "alpha/sim_state.hpp"

namespace cx::alpha {
namespace {

using detail::SimState;

class Simulator {
 public:
  Simulator(const Template& t, const InstanceInput& in, const CheckReport& report, std::vector<std::string> pay_asset,
            std::vector<std::vector<std::string>> claim_assets, size_t paths_max)
      : m_t(t), m_in(in), m_pay_asset(std::move(pay_asset)), m_claim_assets(std::move(claim_assets)),
        m_paths_max(paths_max) {
    for (const auto& f : report.fees) m_quotes[f.transition] = f.max_steps;
    if (in.calendar) {
      m_cal = *in.calendar;
    } else if (!t.calendar.empty()) {
      m_cal.id = t.calendar;
      m_r.notes.push_back("calendar " + t.calendar + ": no table given; weekends (Saturday, Sunday, UTC) only");
    }
  }

  SimResult run() {
    SimState s;
    s.now = m_in.signed_at;
    for (const Asset& a : m_t.assets) s.escrow[a.id] = Uint256();
    charge(s, "start");
    transition(std::move(s), m_t.stages[0].id);
    for (const SimPath& p : m_r.paths) m_r.max_steps = std::max(m_r.max_steps, p.max_steps);
    return std::move(m_r);
  }

 private:
  // ---- bookkeeping ----
  void charge(SimState& s, const std::string& transition) {
    auto it = m_quotes.find(transition);
    uint64_t q = it == m_quotes.end() ? 0 : it->second;
    s.max_steps = s.max_steps > UINT64_MAX - q ? UINT64_MAX : s.max_steps + q;
  }
  void note(SimState& s, const std::string& stage, const std::string& what) {
    s.steps.push_back(format_time(s.now) + " " + stage + ": " + what);
  }
  bool fail(const std::string& why) {
    m_fault = why;
    return false;
  }
  bool add(SimState& s, const std::string& party, const std::string& asset, const Uint256& amount, bool credit) {
    Int& v = s.net[party][asset];
    auto r = credit ? v.add(Int::of(amount, false)) : v.sub(Int::of(amount, false));
    if (!r) return fail("a party's total overflows");
    v = *r;
    return true;
  }
  const Calendar* calendar() const { return m_cal.id.empty() ? nullptr : &m_cal; }

  std::optional<Value> eval(const SimState& s, const Expr& e) {
    EvalResult r = eval_expr(e, detail::SimEnv(m_t, m_in, calendar(), s));
    if (!r.value) fail(std::string(failure_name(r.failure)) + " in " + r.detail);
    return r.value;
  }
  // A whole, non-negative amount or time.
  std::optional<Uint256> eval_whole(const SimState& s, const Expr& e) {
    auto v = eval(s, e);
    if (!v) return std::nullopt;
    if (!v->num.is_integer() || v->num.num().negative()) {
      fail("'" + to_text(e) + "' is " + v->num.to_string() + ", not a whole non-negative number");
      return std::nullopt;
    }
    return v->num.num().magnitude();
  }
  std::optional<int64_t> eval_time(const SimState& s, const Expr& e) {
    auto u = eval_whole(s, e);
    if (!u) return std::nullopt;
    if (!u->fits_u64() || u->low_u64() > static_cast<uint64_t>(kTimeMax)) {
      fail("'" + to_text(e) + "' is not a time");
      return std::nullopt;
    }
    return static_cast<int64_t>(u->low_u64());
  }

  // ---- money ----
  // Takes `amount` of `asset` out of the escrow, from the deposits of `from` (or any, oldest first).
  void draw(SimState& s, const std::string& asset, Uint256 amount, const std::string& from) {
    for (auto& d : s.deposits) {
      if (amount.is_zero()) break;
      if (d.asset != asset || (!from.empty() && !detail::belongs(d.payer, from))) continue;
      Uint256 take = std::min(amount, d.amount);
      d.amount = *d.amount.checked_sub(take);
      amount = *amount.checked_sub(take);
    }
    std::erase_if(s.deposits, [](const detail::Deposit& d) { return d.amount.is_zero(); });
  }
  Uint256 deposited(const SimState& s, const std::string& asset, const std::string& from) const {
    Uint256 sum;
    for (const auto& d : s.deposits)
      if (d.asset == asset && detail::belongs(d.payer, from)) sum = sum.checked_add(d.amount).value_or(Uint256::max());
    return sum;
  }
  bool pay_out(SimState& s, const std::string& to, const std::string& asset, const Uint256& amount,
               const std::string& from, std::map<std::string, Uint256>& moved) {
    draw(s, asset, amount, from);
    s.escrow[asset] = *s.escrow[asset].checked_sub(amount);
    moved[asset] = moved[asset].checked_add(amount).value_or(Uint256::max());
    return add(s, to, asset, amount, /*credit=*/true);
  }

  bool claim(SimState& s, const Claim& cl, const std::string& asset, std::map<std::string, Uint256>& moved) {
    auto amount = eval_whole(s, cl.amount);
    if (!amount) return false;
    std::string from;
    if (cl.from) {
      auto who = eval(s, *cl.from);
      if (!who) return false;
      from = who->sym;
    }
    Uint256 cap = from.empty() ? s.escrow[asset] : std::min(s.escrow[asset], deposited(s, asset, from));
    Uint256 pay = std::min(*amount, cap);
    note(s, "  claim", cl.to + " gets " + pay.to_dec() + " " + asset + (pay < *amount ? " (capped)" : ""));
    return pay_out(s, cl.to, asset, pay, from, moved);
  }

  bool settle(SimState& s, const Settle& st, const std::vector<std::string>* assets,
              std::map<std::string, Uint256>& moved) {
    for (size_t k = 0; k < st.claims.size(); ++k) {
      std::string asset = assets && k < assets->size() ? (*assets)[k] : m_t.assets.size() == 1 ? m_t.assets[0].id : "";
      if (asset.empty()) return fail("the asset of a claim on an edge is not known");
      if (!claim(s, st.claims[k], asset, moved)) return false;
    }
    if (st.rest == Rest::kRefund) {
      auto deposits = s.deposits;
      for (const auto& d : deposits) {
        note(s, "  refund", d.payer + " gets " + d.amount.to_dec() + " " + d.asset + " back");
        if (!pay_out(s, d.payer, d.asset, d.amount, d.payer, moved)) return false;
      }
    } else if (st.rest == Rest::kRole) {
      for (auto& [asset, balance] : s.escrow) {
        Uint256 all = balance;
        if (all.is_zero()) continue;
        note(s, "  release", st.rest_to + " gets " + all.to_dec() + " " + asset);
        if (!pay_out(s, st.rest_to, asset, all, "", moved)) return false;
      }
    }
    return true;
  }

  // Fees of a stage (fees.on): bps of what it moved, per asset, from payer to payee.
  bool charge_fees(SimState& s, const Stage& st, const std::map<std::string, Uint256>& moved) {
    for (const Fee& f : m_t.fees) {
      if (!std::binary_search(f.on.begin(), f.on.end(), st.id)) continue;
      for (const auto& [asset, amount] : moved) {
        auto num = amount.checked_mul(Uint256(f.bps));
        if (!num) return fail("fee '" + f.id + "' overflows");
        Uint256 fee = num->div(Uint256(10'000));
        if (f.rounding == Rounding::kCeil && !(fee.checked_mul(Uint256(10'000)) == num))
          fee = *fee.checked_add(Uint256(1));
        if (fee.is_zero()) continue;
        note(s, "  fee " + f.id, f.payer + " pays " + fee.to_dec() + " " + asset + " to " + f.to);
        if (!add(s, f.payer, asset, fee, /*credit=*/false) || !add(s, f.to, asset, fee, /*credit=*/true)) return false;
      }
    }
    return true;
  }

  bool apply_edge(SimState& s, const Edge& e) {
    if (!e.settle) return true;
    std::map<std::string, Uint256> moved;
    return settle(s, *e.settle, nullptr, moved);
  }

  // ---- stages that run at once ----
  bool exit_of(const SimState& s, const Stage& st, std::string& next) {
    for (const Case& c : st.cases) {
      auto v = eval(s, c.when);
      if (!v) return false;
      if (v->flag) {
        next = c.target;
        return true;
      }
    }
    next = st.otherwise ? *st.otherwise : st.next;
    return true;
  }

  bool virtual_person(SimState& s, std::string& next) {
    const VirtualPerson& vp = *m_t.virtual_person;
    for (const Binding& b : vp.inputs) {
      auto v = eval(s, b.value);
      if (!v) return false;
      s.vp[b.id] = *v;
    }
    const VpRule* fired = nullptr;
    size_t row = 0;
    for (size_t k = 0; k < vp.rules.size(); ++k) {
      auto v = eval(s, *vp.rules[k].when);
      if (!v) return false;
      bool better = !fired || (vp.hit_policy == HitPolicy::kPriority && vp.rules[k].priority > fired->priority);
      if (v->flag && better) fired = &vp.rules[k], row = k;
    }
    std::string which = fired ? "row " + std::to_string(row) : "default row";
    if (!fired) fired = &*vp.otherwise;
    for (const Binding& b : fired->set) {
      auto v = eval(s, b.value);
      if (!v) return false;
      s.vp[b.id] = *v;
    }
    note(s, "  virtual_person", which + " fires");
    next = fired->target;
    return true;
  }

  bool immediate(SimState& s, size_t i, std::string& next) {
    const Stage& st = m_t.stages[i];
    if (st.action == Action::kArbitrate) return virtual_person(s, next);
    if (st.action == Action::kFork) {
      note(s, st.id, "fork: branches run one after the other from " + format_time(s.now));
      s.forks.push_back({i, 1, s.now, s.now});
      next = st.branches[0];
      return true;
    }
    if (st.action == Action::kSettle) {
      std::map<std::string, Uint256> moved;
      note(s, st.id, "settle");
      if (!settle(s, st.settle, &m_claim_assets[i], moved) || !charge_fees(s, st, moved)) return false;
    }
    return exit_of(s, st, next);
  }

  // From `target` on, run stages until one waits (then branch) or the instance ends.
  void transition(SimState s, std::string target) {
    const SimState base = s;
    for (size_t guard = 0; guard <= m_t.stages.size() * (kVisitsMax + 1); ++guard) {
      if (m_r.truncated) return;
      if (is_terminal(m_t, target)) return finish(std::move(s), target);
      size_t i = static_cast<size_t>(find_stage(m_t, target));
      const Stage& st = m_t.stages[i];
      if (fork_step(s, i, target)) continue;
      if (st.max_visits && s.visits[st.id] >= st.max_visits) {
        note(s, st.id, "visited " + std::to_string(st.max_visits) + " times: exhausted");
        if (!apply_edge(s, *st.on_exhausted)) return fault(base);
        target = st.on_exhausted->target;
        continue;
      }
      ++s.visits[st.id];
      s.entered[st.id] = s.now;
      if (is_waiting(st.action)) return branch(std::move(s), i, base);
      std::string next;
      if (!immediate(s, i, next)) return fault(base);
      s.left[st.id] = s.now;
      target = next;
    }
    fault(base);  // unreachable for a template that passed bounded_loops
  }

  // Fork blocks: a jump out of the block cancels its other branches; a branch reaching the join
  // starts the next one. True when `target` was changed instead of entering stage i.
  bool fork_step(SimState& s, size_t i, std::string& target) {
    while (!s.forks.empty()) {
      const Stage& fork = m_t.stages[s.forks.back().fork];
      if (m_regions[s.forks.back().fork][i] || m_t.stages[i].id == fork.ref) break;
      note(s, fork.id, "a branch left the block: the other branches are cancelled");
      s.forks.pop_back();
    }
    if (m_t.stages[i].action != Action::kJoin || s.forks.empty()) return false;
    detail::ForkFrame& top = s.forks.back();
    const Stage& fork = m_t.stages[top.fork];
    top.end = std::max(top.end, s.now);
    if (top.next < fork.branches.size()) {
      s.now = top.start;
      target = fork.branches[top.next++];
      return true;
    }
    s.now = top.end;
    s.forks.pop_back();
    return false;
  }

  void fault(SimState s) {
    note(s, "fault", m_fault);
    charge(s, "fault");
    if (++s.faults > 1 || !apply_edge(s, m_t.on_fault)) return finish(std::move(s), "(fault loop)", m_fault);
    std::string why = m_fault;
    if (is_terminal(m_t, m_t.on_fault.target)) return finish(std::move(s), m_t.on_fault.target, why);
    transition(std::move(s), m_t.on_fault.target);
  }

  void finish(SimState s, const std::string& terminal, const std::string& why = "") {
    if (m_r.paths.size() >= m_paths_max) {
      m_r.truncated = true;
      return;
    }
    SimPath p;
    p.steps = std::move(s.steps);
    p.terminal = terminal;
    p.escrow_end = s.escrow;
    p.max_steps = s.max_steps;
    p.fault = why.empty() && s.faults ? "fault" : why;
    for (auto& [party, by_asset] : s.net)
      for (auto& [asset, v] : by_asset)
        if (!v.is_zero()) p.payments[party][asset] = v;
    m_r.paths.push_back(std::move(p));
  }

  // ---- branch points ----
  void branch(SimState s, size_t i, const SimState& base);
  bool deposit(SimState& c, const std::string& payer, const std::string& asset, const Uint256& amount);
  void branch_pay(const SimState& s, size_t i, int64_t act, const SimState& base);
  void branch_collect(const SimState& s, size_t i, int64_t act, int64_t due, bool can_act, const SimState& base);
  void branch_await(const SimState& s, size_t i, int64_t act, std::optional<int64_t> due);
  void branch_choices(const SimState& s, size_t i, int64_t act);
  void branch_disputes(const SimState& s, size_t i, int64_t act);
  void leave(SimState c, size_t i, const std::string& transition, const std::string& what);
  std::vector<std::map<std::string, Value>> samples(const Event& e, int64_t act) const;

  const Template& m_t;
  const InstanceInput& m_in;
  std::vector<std::string> m_pay_asset;
  std::vector<std::vector<std::string>> m_claim_assets;
  size_t m_paths_max;
  std::map<std::string, uint64_t> m_quotes;
  std::vector<std::vector<bool>> m_regions = detail::fork_regions(m_t);
  Calendar m_cal;
  std::string m_fault;
  SimResult m_r;
};

// Ends waiting stage i in state c (its waiting part done) and goes on along its exit: one transition.
void Simulator::leave(SimState c, size_t i, const std::string& transition_name, const std::string& what) {
  const Stage& st = m_t.stages[i];
  charge(c, transition_name);
  note(c, st.id, what);
  c.left[st.id] = c.now;
  std::string next;
  if (!exit_of(c, st, next)) return fault(std::move(c));
  transition(std::move(c), next);
}

// The values an attestation of e may carry: every combination of its fields' samples (the
// instance's, or 0 / 100 % / every enum value), at most kSamplesPerFieldMax per field.
std::vector<std::map<std::string, Value>> Simulator::samples(const Event& e, int64_t act) const {
  std::vector<std::map<std::string, Value>> out{{}};
  for (const Decl& d : e.fields) {
    std::vector<Value> values;
    if (auto it = m_in.samples.find(e.id + "." + d.id); it != m_in.samples.end()) {
      values = it->second;
    } else {
      auto num = [](uint64_t v, Kind k) { return Value{k, Fraction(Int(v)), false, {}}; };
      switch (d.type) {
        case ValueType::kAmount:
          values = {num(0, Kind::kAmount)};
          break;
        case ValueType::kBps:
        case ValueType::kPpm:
          values = {num(0, Kind::kNum), num(1, Kind::kNum)};
          break;
        case ValueType::kTime:
          values = {num(static_cast<uint64_t>(act), Kind::kTime)};
          break;
        case ValueType::kDuration:
          values = {num(0, Kind::kDuration)};
          break;
        case ValueType::kBool:
          values = {Value{Kind::kBool, {}, false, {}}, Value{Kind::kBool, {}, true, {}}};
          break;
        case ValueType::kEnum:
          for (const auto& v : d.values) values.push_back(Value{Kind::kEnum, {}, false, v});
          break;
        case ValueType::kAddress:
          values = {Value{Kind::kAddress, {}, false, "hx" + std::string(40, '0')}};
          break;
        default:
          values = {num(0, Kind::kNum)};
          break;
      }
    }
    std::vector<std::map<std::string, Value>> next;
    for (const auto& combo : out)
      for (const Value& v : values) {
        auto c = combo;
        c[d.id] = v;
        next.push_back(std::move(c));
      }
    out = std::move(next);
  }
  return out;
}

std::string describe(const std::map<std::string, Value>& fields) {
  std::string s;
  for (const auto& [id, v] : fields)
    s += " " + id + "=" +
         (v.kind == Kind::kEnum || v.kind == Kind::kAddress ? v.sym
          : v.kind == Kind::kBool                           ? (v.flag ? "true" : "false")
                                                            : v.num.to_string());
  return s;
}

// Each result, each combination of field samples, at each sampled time (default: `act`). A sampled
// time before the stage was entered counts as the entry; one at or after the deadline is the timeout.
void Simulator::branch_await(const SimState& s, size_t i, int64_t act, std::optional<int64_t> due) {
  const Stage& st = m_t.stages[i];
  const Event& e = *find_event(m_t, st.ref);
  std::vector<int64_t> times{act};
  if (auto it = m_in.samples.find(e.id + ".time"); it != m_in.samples.end()) {
    times.clear();
    for (const Value& v : it->second) {
      int64_t t = std::max(s.now, static_cast<int64_t>(v.num.num().magnitude().low_u64()));
      if ((!due || t < *due) && std::find(times.begin(), times.end(), t) == times.end()) times.push_back(t);
    }
  }
  std::vector<std::string> results = e.result.empty() ? std::vector<std::string>{""} : e.result;
  for (int64_t at : times)
    for (const std::string& result : results)
      for (const auto& fields : samples(e, at)) {
        SimState c = s;
        c.now = at;
        c.events[e.id] = detail::EventRecord{at, result, fields};
        leave(std::move(c), i, st.id + ".attested",
              e.id + " attested" + (result.empty() ? "" : " " + result) + describe(fields));
      }
}

// A decision: each enum choice, or each bound member of member_of.
void Simulator::branch_choices(const SimState& s, size_t i, int64_t act) {
  const Stage& st = m_t.stages[i];
  const Decision& d = *find_decision(m_t, st.ref);
  std::vector<Value> choices;
  for (const auto& c : d.choices) choices.push_back(Value{Kind::kEnum, {}, false, c});
  if (!d.member_of.empty()) {
    const Role& r = *find_role(m_t, d.member_of);
    for (size_t k = 0; k < m_in.parties.at(r.id).size(); ++k)
      choices.push_back(Value{Kind::kRole, {}, false, detail::member_key(r, k)});
  }
  for (const Value& v : choices) {
    SimState c = s;
    c.now = act;
    c.decisions[d.id] = {act, v};
    leave(std::move(c), i, st.id + ".decided", d.holder + " decides " + v.sym);
  }
}

// A dispute opened while the stage waits, ruled with each outcome after the first rung's time.
void Simulator::branch_disputes(const SimState& s, size_t i, int64_t act) {
  const Stage& st = m_t.stages[i];
  if (!m_t.dispute) return;
  const Dispute& d = *m_t.dispute;
  if (!d.during.empty() && !std::binary_search(d.during.begin(), d.during.end(), st.id)) return;
  for (const Outcome& o : d.outcomes) {
    SimState c = s;
    c.now = act;
    charge(c, "dispute.open");
    note(c, st.id, "dispute opened by " + d.open_by[0]);
    c.now = std::min<int64_t>(kTimeMax, act + static_cast<int64_t>(d.ladder.empty() ? 0 : d.ladder[0].within));
    charge(c, "dispute.ruling");
    note(c, "dispute", "ruled " + o.id);
    c.left[st.id] = c.now;
    if (!apply_edge(c, o.edge)) {
      fault(std::move(c));
      continue;
    }
    transition(std::move(c), o.edge.target);
  }
}

// A payment into the escrow by `payer` (a role or a group member): a deposit it can be refunded.
bool Simulator::deposit(SimState& c, const std::string& payer, const std::string& asset, const Uint256& amount) {
  if (!add(c, payer, asset, amount, /*credit=*/false)) return false;
  auto in_escrow = c.escrow[asset].checked_add(amount);
  auto paid = c.paid[payer][asset].checked_add(amount);
  if (!in_escrow || !paid) return fail("the escrow overflows");
  c.escrow[asset] = *in_escrow;
  c.paid[payer][asset] = *paid;
  c.deposits.push_back({payer, asset, amount});
  return true;
}

void Simulator::branch_pay(const SimState& s, size_t i, int64_t act, const SimState& base) {
  const Stage& st = m_t.stages[i];
  auto amount = eval_whole(s, st.amount);
  if (!amount) return fault(base);
  SimState c = s;
  c.now = act;
  const std::string& asset = m_pay_asset[i];
  std::string payer = detail::member_key(*find_role(m_t, st.from), 0);
  bool ok = st.to == "escrow"
                ? deposit(c, payer, asset, *amount)
                : add(c, payer, asset, *amount, /*credit=*/false) && add(c, st.to, asset, *amount, /*credit=*/true);
  if (!ok || !charge_fees(c, st, {{asset, *amount}})) return fault(std::move(c));
  leave(std::move(c), i, st.id + ".paid", payer + " pays " + amount->to_dec() + " " + asset + " to " + st.to);
}

// No payment at all, or every bound member paying the least accepted amount; closed at the deadline.
void Simulator::branch_collect(const SimState& s, size_t i, int64_t act, int64_t due, bool can_act,
                               const SimState& base) {
  const Stage& st = m_t.stages[i];
  auto least = eval_whole(s, st.amount);
  if (!least) return fault(base);
  const std::string& asset = m_pay_asset[i];
  const Role& payer = *find_role(m_t, st.from);
  for (int everyone = 0; everyone < (can_act ? 2 : 1); ++everyone) {
    SimState c = s;
    c.now = act;
    bool ok = true;
    for (size_t k = 0; ok && everyone && k < m_in.parties.at(payer.id).size(); ++k) {
      std::string key = detail::member_key(payer, k);
      charge(c, st.id + ".paid");
      note(c, st.id, key + " pays " + least->to_dec() + " " + asset);
      ok = deposit(c, key, asset, *least);
    }
    if (!ok) {
      fault(std::move(c));
      continue;
    }
    c.now = std::max(c.now, due);
    leave(std::move(c), i, st.id + ".closed", "closed");
  }
}

void Simulator::branch(SimState s, size_t i, const SimState& base) {
  const Stage& st = m_t.stages[i];
  if (++s.depth > kSimDepthMax) {  // a long bounded loop: the report says it is incomplete
    m_r.truncated = true;
    return;
  }
  std::optional<int64_t> due;
  if (st.due && !(due = eval_time(s, *st.due))) return fault(base);
  if (st.action == Action::kWait) {
    auto until = eval_time(s, st.until);
    if (!until) return fault(base);
    s.now = std::max(s.now, *until);
    return leave(std::move(s), i, st.id + ".elapsed", "elapsed");
  }
  bool can_act = !due || *due > s.now;
  int64_t act = std::min<int64_t>(s.now + kSimActAfterSeconds, due ? *due - 1 : kTimeMax);
  if (st.action == Action::kCollect) return branch_collect(s, i, act, *due, can_act, base);
  if (can_act && st.action == Action::kPay) branch_pay(s, i, act, base);
  if (can_act && st.action == Action::kAwait) branch_await(s, i, act, due);
  if (can_act && st.action == Action::kDecide) branch_choices(s, i, act);
  if (can_act) branch_disputes(s, i, act);
  if (st.on_timeout) {
    SimState c = std::move(s);
    c.now = std::max(c.now, *due);
    charge(c, st.id + ".timeout");
    note(c, st.id, "deadline passed");
    c.left[st.id] = c.now;
    if (!apply_edge(c, *st.on_timeout)) return fault(std::move(c));
    transition(std::move(c), st.on_timeout->target);
  }
}

}  // namespace

std::variant<SimResult, std::string> simulate(const Template& t, const InstanceInput& in, size_t paths_max) {
  CheckReport report = check_template(t);
  if (!report.ok()) return "the template fails the registration checker: " + report.failures[0].to_string();
  for (const Event& e : t.events) {
    // Each attestation branches on every combination of its samples: bound it before walking.
    auto count = [&](const std::string& field, size_t dflt) {
      auto it = in.samples.find(e.id + "." + field);
      return it == in.samples.end() ? dflt : it->second.size();
    };
    uint64_t combos = count("time", 1) * std::max<size_t>(e.result.size(), 1);
    for (const Decl& d : e.fields) {
      bool two = d.type == ValueType::kBps || d.type == ValueType::kPpm || d.type == ValueType::kBool;
      combos *= count(d.id, d.type == ValueType::kEnum ? d.values.size() : two ? 2 : 1);
      if (combos > kSimCombosMax) break;
    }
    if (combos > kSimCombosMax)
      return "event '" + e.id + "': more than " + std::to_string(kSimCombosMax) +
             " combinations of results and samples per attestation; give fewer samples";
  }
  CheckReport scratch;
  detail::CheckCtx c{t, scratch, {}, {}};
  detail::check_references(c);  // fills the asset of every payment and claim
  SimResult r = Simulator(t, in, report, std::move(c.pay_asset), std::move(c.claim_assets),
                          std::min(paths_max, kSimPathsMax)).run();
  r.digest = detail::sim_digest(t, in, r);
  return r;
}

}  // namespace cx::alpha
