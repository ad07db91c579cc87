// Money conservation (docs/alpha.md §4.3). Every transfer an instance makes moves an amount from one
// account to another, so the total per asset is conserved by construction; what can go wrong is money
// left in the escrow when an instance ends. The method: escrow payouts are settlements whose last
// word, `rest`, sweeps the balance (to a role, or back to whoever paid it in), and a may-analysis over
// the stage graph tracks, per asset, whether the escrow may hold anything:
//   pay or collect into the escrow  -> may be non-empty
//   a sweeping settle (stage or edge) -> empty
//   join of paths, a fork's branches -> union (any branch, any interleaving)
//   fault path, dispute outcomes     -> entered with every asset possibly non-empty
// A terminal reached with any asset possibly non-empty is refused. The analysis is sound: it considers
// every path of the graph, including ones whose conditions can never hold, so it may refuse a template
// whose bad path is infeasible (write the sweep anyway: sweeping an empty escrow costs nothing).
#include "alpha/checker_impl.hpp"

namespace cx::alpha::detail {
namespace {

using Assets = uint32_t;  // bit k: t.assets[k] may be non-empty

class MoneyPass {
 public:
  explicit MoneyPass(CheckCtx& c) : m_c(c), m_t(c.t), m_g(build_graph(c.t)), m_in(m_g.out.size(), 0) {}

  void run() {
    Assets all = (Assets(1) << m_t.assets.size()) - 1;
    std::vector<bool> queued(m_g.out.size(), false), seen(m_g.out.size(), false);
    std::vector<int> work;
    auto reach = [&](int v, Assets s) {
      size_t i = static_cast<size_t>(v);
      if (seen[i] && (m_in[i] | s) == m_in[i]) return;
      seen[i] = true;
      m_in[i] |= s;
      if (!queued[i]) queued[i] = true, work.push_back(v);
    };
    reach(0, 0);
    for (const auto& e : m_g.entries) reach(e.to, after(e.settle, all));
    while (!work.empty()) {  // monotone over a finite lattice: terminates
      int v = work.back();
      work.pop_back();
      queued[static_cast<size_t>(v)] = false;
      if (m_g.terminal(v)) continue;
      for (const GEdge& e : m_g.out[static_cast<size_t>(v)]) reach(e.to, along(static_cast<size_t>(v), e));
    }
    report();
  }

 private:
  Assets bit(const std::string& asset) const {
    for (size_t k = 0; k < m_t.assets.size(); ++k)
      if (m_t.assets[k].id == asset) return Assets(1) << k;
    return 0;
  }
  static Assets after(const Settle* s, Assets state) { return s && s->sweeps() ? 0 : state; }

  // The escrow state when the stage at v is left along e.
  Assets along(size_t v, const GEdge& e) const {
    const Stage& s = m_t.stages[v];
    Assets state = m_in[v];
    if (e.kind == EdgeKind::kExhausted) return after(e.settle, state);  // taken instead of the stage
    bool paid_in = (s.action == Action::kPay && e.kind != EdgeKind::kTimeout) || s.action == Action::kCollect;
    if (paid_in && s.to == "escrow") state |= bit(m_c.pay_asset[v]);
    if (s.action == Action::kSettle && s.settle.sweeps()) state = 0;
    return after(e.settle, state);
  }

  std::string names(Assets a) const {
    std::string s;
    for (size_t k = 0; k < m_t.assets.size(); ++k)
      if (a & (Assets(1) << k)) s += (s.empty() ? "" : ", ") + m_t.assets[k].id;
    return s;
  }

  void report() {
    auto refuse = [&](const std::string& place, int terminal, Assets left, const std::string& from) {
      m_c.fail(Rule::kEscrowClosed, place,
               from + "reaches terminal '" + node_name(m_t, terminal) + "' with " + names(left) +
                   " possibly left in the escrow; close every path with a release or refund (rest: <role> | refund)");
    };
    for (size_t v = 0; v < m_g.stages; ++v) {
      for (const GEdge& e : m_g.out[v]) {
        if (!m_g.terminal(e.to)) continue;
        if (Assets left = along(v, e)) refuse(e.place, e.to, left, "");
      }
    }
    Assets all = (Assets(1) << m_t.assets.size()) - 1;
    for (const auto& e : m_g.entries)
      if (m_g.terminal(e.to) && after(e.settle, all))
        refuse(e.place, e.to, all, "entered with an unknown balance, it ");
  }

  CheckCtx& m_c;
  const Template& m_t;
  Graph m_g;
  std::vector<Assets> m_in;
};

}  // namespace

void check_money(CheckCtx& c) { MoneyPass(c).run(); }

}  // namespace cx::alpha::detail
