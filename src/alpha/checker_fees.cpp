// Static maximum fee per transition (N5; docs/alpha.md §4.4). A transition is what one tx or one timer
// does to an instance: the waiting stage it ends, then every stage that runs at once after it, until
// each token waits again or the instance ends. The structure pass has made sure that stages which do
// not wait form no cycle, so the most expensive continuation is a longest path in a DAG. Costs come
// from StepCosts; expressions cost per node; a refund costs one transfer per possible depositor.
#include <algorithm>
#include <map>
#include <set>

#include "alpha/checker_impl.hpp"
#include "base/assert.hpp"

namespace cx::alpha::detail {
namespace {

uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

class FeePass {
 public:
  explicit FeePass(CheckCtx& c) : m_c(c), m_t(c.t), m_g(build_graph(c.t)), m_memo(m_g.out.size(), kUnknown) {
    std::set<std::string> payers;  // a refund pays each member of each role that may have paid in
    for (const Stage& s : m_t.stages)
      if ((s.action == Action::kPay || s.action == Action::kCollect) && s.to == "escrow" && payers.insert(s.from).second)
        if (const Role* r = find_role(m_t, s.from)) m_depositors += r->members_max;
    for (const Asset& a : m_t.assets) m_transfer_max = std::max(m_transfer_max, transfer(a.id));
  }

  void run() {
    quote("start", "stages[0]", sat_add(StepCosts::kTransition, cont(0)));
    for (size_t i = 0; i < m_t.stages.size(); ++i) waiting(i);
    quote("fault", "on_fault", sat_add(StepCosts::kTransition, edge_cost(m_t.on_fault)));
    if (m_t.dispute) dispute();
  }

 private:
  static constexpr uint64_t kUnknown = UINT64_MAX;

  uint64_t transfer(const std::string& asset) const {
    const Asset* a = find_asset(m_t, asset);
    return a && a->kind == AssetKind::kIrc2 ? StepCosts::kTransferToken : StepCosts::kTransferNative;
  }
  // An expression's nodes, with every let it names evaluated again (the engine does not cache them).
  uint64_t nodes(const Expr& e, size_t depth = 0) const {
    uint64_t cost = e.nodes.size() * StepCosts::kExprNode;
    if (depth > kLetsMax) return cost;  // unreachable: the reference pass refused let cycles
    for (const Node& n : e.nodes) {
      if (n.op != Op::kName) continue;
      const Binding* b = find_let(m_t, n.name);
      if (!b) continue;
      auto it = m_let_cost.find(b->id);
      if (it == m_let_cost.end()) it = m_let_cost.emplace(b->id, nodes(b->value, depth + 1)).first;
      cost = sat_add(cost, it->second);
    }
    return cost;
  }

  uint64_t settle_cost(const Settle& s, const std::vector<std::string>* claim_assets) const {
    uint64_t cost = 0;
    for (size_t k = 0; k < s.claims.size(); ++k) {
      const Claim& cl = s.claims[k];
      uint64_t t = claim_assets && k < claim_assets->size() ? transfer((*claim_assets)[k]) : m_transfer_max;
      cost += nodes(cl.amount) + (cl.from ? nodes(*cl.from) : 0) + t;
    }
    uint64_t per_asset = 0;
    for (const Asset& a : m_t.assets) per_asset += transfer(a.id);
    if (s.rest == Rest::kRole) cost += per_asset;
    if (s.rest == Rest::kRefund) cost += per_asset * std::max<uint64_t>(m_depositors, 1);
    return cost;
  }
  uint64_t edge_cost(const Edge& e) {
    return sat_add(e.settle ? settle_cost(*e.settle, nullptr) : 0, cont(node(e.target)));
  }
  int node(const std::string& id) const {
    int s = find_stage(m_t, id);
    if (s >= 0) return s;
    auto it = std::lower_bound(m_t.terminals.begin(), m_t.terminals.end(), id);
    return static_cast<int>(m_t.stages.size() + static_cast<size_t>(it - m_t.terminals.begin()));
  }
  uint64_t fee_charges(const Stage& s) const {
    uint64_t cost = 0;
    for (const Fee& f : m_t.fees)
      if (std::binary_search(f.on.begin(), f.on.end(), s.id)) cost += 4 * StepCosts::kExprNode + m_transfer_max;
    return cost;
  }
  uint64_t vp_cost() const {
    const VirtualPerson& vp = *m_t.virtual_person;
    uint64_t cost = 0;
    for (const Binding& b : vp.inputs) cost += nodes(b.value);
    auto row = [&](const VpRule& r) {
      uint64_t c = StepCosts::kVpRow + (r.when ? nodes(*r.when) : 0);
      for (const Binding& b : r.set) c += nodes(b.value);
      return c;
    };
    for (const VpRule& r : vp.rules) cost += row(r);
    if (vp.otherwise) cost += row(*vp.otherwise);
    return cost;
  }
  // Leaving a stage by its exit: evaluate the branch conditions, then the dearest target.
  uint64_t exit_cost(const Stage& s) {
    uint64_t conds = 0, best = 0;
    if (!s.next.empty()) best = cont(node(s.next));
    for (const Case& c : s.cases) {
      conds += nodes(c.when);
      best = std::max(best, cont(node(c.target)));
    }
    if (s.otherwise) best = std::max(best, cont(node(*s.otherwise)));
    return sat_add(conds, best);
  }

  // Entering node v and running until every token waits or the instance ends.
  uint64_t cont(int v) {
    size_t i = static_cast<size_t>(v);
    if (m_g.terminal(v)) return StepCosts::kTerminal;
    if (m_memo[i] != kUnknown) return m_memo[i];
    CX_ASSERT(!m_visiting.contains(v));  // the structure pass refused cycles without a waiting stage
    m_visiting.insert(v);
    const Stage& s = m_t.stages[i];
    uint64_t cost = StepCosts::kStage;
    if (is_waiting(s.action)) {
      cost += StepCosts::kTimer + (s.due ? nodes(*s.due) : 0) + nodes(s.amount) + nodes(s.until);
    } else if (s.action == Action::kFork) {
      for (const std::string& b : s.branches) cost = sat_add(cost, cont(node(b)));
    } else if (s.action == Action::kArbitrate) {
      uint64_t best = 0;
      for (const GEdge& e : m_g.out[i]) best = std::max(best, cont(e.to));
      cost = sat_add(cost + vp_cost(), best);
    } else {
      if (s.action == Action::kSettle) cost += settle_cost(s.settle, &m_c.claim_assets[i]) + fee_charges(s);
      cost = sat_add(cost, exit_cost(s));
    }
    if (s.on_exhausted) cost = std::max(cost, sat_add(StepCosts::kStage, edge_cost(*s.on_exhausted)));
    m_visiting.erase(v);
    m_memo[i] = cost;
    return cost;
  }

  void quote(const std::string& transition, const std::string& place, uint64_t steps) {
    m_c.report.fees.push_back({transition, steps});
    if (steps > StepCosts::kTransitionMax)
      m_c.fail(Rule::kStaticFee, place,
               "transition '" + transition + "' may cost " + std::to_string(steps) + " steps, above the cap of " +
                   std::to_string(StepCosts::kTransitionMax));
  }

  void waiting(size_t i) {
    const Stage& s = m_t.stages[i];
    if (!is_waiting(s.action)) return;
    std::string p = stage_place(m_t, i);
    const uint64_t base = StepCosts::kTransition + StepCosts::kTimer;  // the tx or timer, and the timer's end
    uint64_t pay = transfer(m_c.pay_asset[i]);
    switch (s.action) {
      case Action::kPay:
        quote(s.id + ".paid", p, sat_add(base + pay + (s.to == "escrow" ? 0 : pay) + fee_charges(s), exit_cost(s)));
        break;
      case Action::kCollect:
        quote(s.id + ".paid", p, StepCosts::kTransition + pay + nodes(s.amount));
        quote(s.id + ".closed", p, sat_add(base, exit_cost(s)));
        break;
      case Action::kAwait: quote(s.id + ".attested", p, sat_add(base + StepCosts::kAttestation, exit_cost(s))); break;
      case Action::kDecide:
        quote(s.id + ".decided", p, sat_add(base + StepCosts::kDecision, exit_cost(s)));
        quote(s.id + ".delegated", p, StepCosts::kTransition + StepCosts::kDecision);
        break;
      case Action::kWait: quote(s.id + ".elapsed", p, sat_add(base, exit_cost(s))); break;
      default: break;
    }
    if (s.on_timeout) quote(s.id + ".timeout", p, sat_add(base, edge_cost(*s.on_timeout)));
  }

  // Opening, each appeal and each ruling (by a rung or its silence) are transitions of their own.
  void dispute() {
    const Dispute& d = *m_t.dispute;
    uint64_t ruling = 0;
    for (const Outcome& o : d.outcomes) ruling = std::max(ruling, edge_cost(o.edge));
    // A final ruling pays back or forfeits every bond posted: one per rung at most.
    uint64_t bonds = sat_add(ruling, m_transfer_max * d.ladder.size());
    uint64_t appeal = 0, rule = 0;
    for (size_t k = 0; k < d.ladder.size(); ++k) {
      const LadderStep& s = d.ladder[k];
      const Expr* bond = d.rung_bond(k);
      uint64_t rows = 0;
      for (const RungRow& r : s.rows) rows = sat_add(rows, nodes(r.when));
      // The Virtual Person rules in the same transition as the climb to its rung.
      uint64_t climb = sat_add(StepCosts::kTransition + (bond ? nodes(*bond) : 0) + rows, s.by == "virtual_person" ? bonds : 0);
      if (k == 0) quote("dispute.open", "dispute", climb);
      else appeal = std::max(appeal, climb);
      rule = std::max(rule, sat_add(StepCosts::kTransition + rows, bonds));
    }
    if (d.ladder.size() > 1) quote("dispute.appeal", "dispute", appeal);
    quote("dispute.ruling", "dispute", rule);
  }

  CheckCtx& m_c;
  const Template& m_t;
  Graph m_g;
  std::vector<uint64_t> m_memo;
  std::set<int> m_visiting;
  mutable std::map<std::string, uint64_t> m_let_cost;
  uint64_t m_depositors = 0;
  uint64_t m_transfer_max = StepCosts::kTransferNative;
};

}  // namespace

void quote_fees(CheckCtx& c) { FeePass(c).run(); }

}  // namespace cx::alpha::detail
