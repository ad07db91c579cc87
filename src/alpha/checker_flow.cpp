// The structure pass (docs/alpha.md §4.2): defaults, reachability, structured fork/join, bounded loops.
#include <algorithm>
#include <deque>
#include <map>

#include "alpha/checker_impl.hpp"

namespace cx::alpha::detail {

std::string node_name(const Template& t, int v) {
  size_t i = static_cast<size_t>(v);
  return i < t.stages.size() ? t.stages[i].id : t.terminals[i - t.stages.size()];
}

Graph build_graph(const Template& t) {
  Graph g;
  g.stages = t.stages.size();
  g.out.resize(t.stages.size() + t.terminals.size());
  auto node = [&](const std::string& id) {
    int s = find_stage(t, id);
    if (s >= 0) return s;
    auto it = std::lower_bound(t.terminals.begin(), t.terminals.end(), id);
    return static_cast<int>(t.stages.size() + static_cast<size_t>(it - t.terminals.begin()));
  };
  for (size_t i = 0; i < t.stages.size(); ++i) {
    const Stage& s = t.stages[i];
    std::string p = stage_place(t, i);
    auto& out = g.out[i];
    if (!s.next.empty()) out.push_back({node(s.next), EdgeKind::kNext, p + ".next"});
    for (size_t k = 0; k < s.cases.size(); ++k)
      out.push_back({node(s.cases[k].target), EdgeKind::kCase, p + ".branch[" + std::to_string(k) + "]"});
    if (s.otherwise) out.push_back({node(*s.otherwise), EdgeKind::kDefault, p + ".branch[default]"});
    if (s.on_timeout)
      out.push_back({node(s.on_timeout->target), EdgeKind::kTimeout, p + ".on_timeout",
                     s.on_timeout->settle ? &*s.on_timeout->settle : nullptr});
    if (s.on_exhausted)
      out.push_back({node(s.on_exhausted->target), EdgeKind::kExhausted, p + ".on_exhausted",
                     s.on_exhausted->settle ? &*s.on_exhausted->settle : nullptr});
    for (size_t k = 0; k < s.branches.size(); ++k)
      out.push_back({node(s.branches[k]), EdgeKind::kForkBranch, p + ".fork.branches[" + std::to_string(k) + "]"});
    if (s.action == Action::kArbitrate && t.virtual_person) {
      const VirtualPerson& vp = *t.virtual_person;
      for (size_t k = 0; k < vp.rules.size(); ++k)
        out.push_back({node(vp.rules[k].target), EdgeKind::kVp, "virtual_person.rules[" + std::to_string(k) + "].goto"});
      if (vp.otherwise) out.push_back({node(vp.otherwise->target), EdgeKind::kVp, "virtual_person.default.goto"});
    }
  }
  auto settle_of = [](const Edge& e) { return e.settle ? &*e.settle : nullptr; };
  g.entries.push_back({node(t.on_fault.target), "on_fault", settle_of(t.on_fault)});
  if (t.dispute)
    for (const Outcome& o : t.dispute->outcomes)
      g.entries.push_back({node(o.edge.target), "dispute.outcomes." + o.id, settle_of(o.edge)});
  return g;
}

std::vector<bool> reach(const std::vector<std::vector<int>>& adj, const std::vector<int>& from, int blocked) {
  std::vector<bool> seen(adj.size(), false);
  std::deque<int> q;
  auto visit = [&](int w) {
    if (w != blocked && !seen[static_cast<size_t>(w)]) seen[static_cast<size_t>(w)] = true, q.push_back(w);
  };
  for (int v : from) visit(v);
  while (!q.empty()) {
    int v = q.front();
    q.pop_front();
    for (int w : adj[static_cast<size_t>(v)]) visit(w);
  }
  return seen;
}

namespace {

class FlowPass {
 public:
  explicit FlowPass(CheckCtx& c)
      : m_c(c), m_t(c.t), m_g(build_graph(c.t)), m_fwd(m_g.out.size()), m_in(m_g.out.size()) {
    for (size_t v = 0; v < m_g.out.size(); ++v)
      for (const GEdge& e : m_g.out[v]) {
        m_fwd[v].push_back(e.to);
        m_in[static_cast<size_t>(e.to)].push_back(static_cast<int>(v));
      }
  }

  void run() {
    for (size_t i = 0; i < m_t.stages.size(); ++i) check_defaults(i);
    check_forks();
    if (m_c.failures()) return;  // reachability through a broken fork would mislead
    check_reachable();
    check_reaches_terminal();
    check_exhausted_leaves();
    check_cycles([](const Stage& s) { return s.max_visits > 0; },
                 "form a loop with no max_visits: give one of them a bound and an on_exhausted");
    check_cycles([](const Stage& s) { return is_waiting(s.action); },
                 "form a loop in which no stage waits: one transition could run it to its bound, so its fee "
                 "has no useful static maximum");
  }

 private:
  void check_defaults(size_t i) {
    const Stage& s = m_t.stages[i];
    std::string p = stage_place(m_t, i), name = "stage '" + s.id + "'";
    bool needs_timeout = s.action == Action::kPay || s.action == Action::kAwait || s.action == Action::kDecide;
    if (needs_timeout || s.action == Action::kCollect) {
      if (!s.due) m_c.fail(Rule::kDefaultOutcome, p + ".due", name + " waits with no deadline");
      else if (needs_timeout && !s.on_timeout)
        m_c.fail(Rule::kDefaultOutcome, p + ".on_timeout", name + " has a deadline but no default outcome");
    } else if (s.due || s.on_timeout) {
      m_c.fail(Rule::kDefaultOutcome, p + (s.due ? ".due" : ".on_timeout"),
               name + (s.action == Action::kWait ? " is a timer itself; it has no other deadline"
                                                 : " does not wait; a deadline means nothing here"));
    }
    if (!s.cases.empty() && !s.otherwise)
      m_c.fail(Rule::kBranchDefault, p + ".branch", name + " branches with no default");
    if (s.action != Action::kFork && s.action != Action::kArbitrate && s.next.empty() && s.cases.empty() && !s.otherwise)
      m_c.fail(Rule::kReachesTerminal, p, name + " has no exit (next, goto or branch)");
    if (s.max_visits && !s.on_exhausted)
      m_c.fail(Rule::kBoundedLoops, p + ".on_exhausted", name + " has max_visits but no on_exhausted");
  }

  std::vector<bool> bfs(std::vector<int> from, bool forward, int blocked) const {
    return reach(forward ? m_fwd : m_in, from, blocked);
  }

  // Structured fork/join only: a fork names its join, the join names its fork, each branch reaches
  // the join, branches share no stage, nothing jumps into a branch and the join is entered only from
  // its branches. A branch may leave the block (a timeout to a dispute, say): that cancels its
  // siblings, like an error boundary; it never leaves a join waiting.
  void check_forks() {
    std::map<int, int> join_owner;
    for (size_t f = 0; f < m_t.stages.size(); ++f) {
      const Stage& s = m_t.stages[f];
      std::string p = stage_place(m_t, f);
      if (s.action == Action::kJoin) {
        const Stage& fork = m_t.stages[static_cast<size_t>(find_stage(m_t, s.ref))];
        if (fork.action != Action::kFork || fork.ref != s.id)
          m_c.fail(Rule::kForkJoin, p + ".join", "join '" + s.id + "' names '" + s.ref + "', which is not a fork joined here");
        continue;
      }
      if (s.action != Action::kFork) continue;
      int j = find_stage(m_t, s.ref);
      const Stage& join = m_t.stages[static_cast<size_t>(j)];
      if (join.action != Action::kJoin || join.ref != s.id) {
        m_c.fail(Rule::kForkJoin, p + ".fork.join", "stage '" + s.ref + "' is not a join of fork '" + s.id + "'");
        continue;
      }
      if (auto [it, fresh] = join_owner.emplace(j, static_cast<int>(f)); !fresh)
        m_c.fail(Rule::kForkJoin, p + ".fork.join", "join '" + s.ref + "' already closes another fork");
      check_fork_block(f, j);
    }
  }

  void check_fork_block(size_t f, int j) {
    const Stage& s = m_t.stages[f];
    std::string p = stage_place(m_t, f);
    auto reaches_join = bfs({j}, false, -1);
    std::vector<int> region_of(m_g.out.size(), -1);
    for (size_t b = 0; b < s.branches.size(); ++b) {
      int entry = find_stage(m_t, s.branches[b]);
      auto reach = bfs({entry}, true, j);
      if (entry == j || !reaches_join[static_cast<size_t>(entry)]) {
        m_c.fail(Rule::kForkJoin, p + ".fork.branches[" + std::to_string(b) + "]",
                 "branch '" + s.branches[b] + "' never reaches join '" + s.ref + "'");
        continue;
      }
      // A stage reachable from two branches goes to the first; the edge that crosses over from the
      // other branch is reported below, where it is written.
      for (size_t v = 0; v < m_g.stages; ++v) {
        if (!reach[v] || !reaches_join[v]) continue;
        if (v == f) {
          m_c.fail(Rule::kForkJoin, p, "fork '" + s.id + "' is entered again from its own branch");
          return;
        }
        if (region_of[v] < 0) region_of[v] = static_cast<int>(b);
      }
    }
    for (size_t b = 0; b < s.branches.size(); ++b) {
      int entry = find_stage(m_t, s.branches[b]);
      int owner = region_of[static_cast<size_t>(entry)];
      if (owner >= 0 && owner != static_cast<int>(b))
        m_c.fail(Rule::kForkJoin, p + ".fork.branches[" + std::to_string(b) + "]",
                 "branch '" + s.branches[b] + "' is also reached from branch '" + s.branches[static_cast<size_t>(owner)] + "'");
    }
    for (size_t v = 0; v < m_g.stages; ++v) {
      for (const GEdge& e : m_g.out[v]) {
        bool into_region = region_of[static_cast<size_t>(e.to)] >= 0;
        bool from_inside = region_of[v] >= 0 || v == f;
        if (e.to == j && region_of[v] < 0)
          m_c.fail(Rule::kForkJoin, e.place, "join '" + s.ref + "' is entered from outside fork '" + s.id + "'");
        else if (into_region && !from_inside)
          m_c.fail(Rule::kForkJoin, e.place, "jumps into a branch of fork '" + s.id + "'");
        else if (into_region && region_of[v] >= 0 && region_of[v] != region_of[static_cast<size_t>(e.to)])
          m_c.fail(Rule::kForkJoin, e.place, "jumps from one branch of fork '" + s.id + "' into another");
      }
    }
  }

  // A loop head, once exhausted, forwards every later entry to on_exhausted; if that path could come
  // back to the head, the loop would go on for ever through the exhausted edge.
  void check_exhausted_leaves() {
    for (size_t h = 0; h < m_g.stages; ++h) {
      const Stage& s = m_t.stages[h];
      if (!s.on_exhausted) continue;
      int target = find_stage(m_t, s.on_exhausted->target);
      if (target >= 0 && bfs({target}, true, -1)[h])
        m_c.fail(Rule::kBoundedLoops, stage_place(m_t, h) + ".on_exhausted",
                 "the exhausted path of '" + s.id + "' comes back to it; it must leave the loop");
    }
  }

  void check_reachable() {
    std::vector<int> roots{0};
    for (const auto& e : m_g.entries) roots.push_back(e.to);
    auto seen = bfs(roots, true, -1);
    for (size_t v = 0; v < m_g.stages; ++v)
      if (!seen[v]) m_c.fail(Rule::kReachable, stage_place(m_t, v), "stage '" + m_t.stages[v].id + "' is never reached");
  }

  void check_reaches_terminal() {
    std::vector<int> terminals;
    for (size_t v = m_g.stages; v < m_g.out.size(); ++v) terminals.push_back(static_cast<int>(v));
    // A fork goes on where its join goes on: add join -> fork to the reversed graph.
    for (size_t f = 0; f < m_g.stages; ++f)
      if (m_t.stages[f].action == Action::kFork)
        m_in[static_cast<size_t>(find_stage(m_t, m_t.stages[f].ref))].push_back(static_cast<int>(f));
    auto seen = bfs(terminals, false, -1);
    for (size_t v = 0; v < m_g.stages; ++v)
      if (!seen[v])
        m_c.fail(Rule::kReachesTerminal, stage_place(m_t, v), "stage '" + m_t.stages[v].id + "' cannot reach a terminal");
  }

  // Every cycle must pass a stage for which `breaks` holds: with those removed, the stage graph must
  // have no cycle (Kahn's algorithm); what is left over names a cycle.
  template <typename Pred>
  void check_cycles(Pred breaks, const char* what) {
    size_t n = m_g.stages;
    std::vector<bool> removed(n);
    std::vector<size_t> indegree(n, 0);
    for (size_t v = 0; v < n; ++v) removed[v] = breaks(m_t.stages[v]);
    for (size_t v = 0; v < n; ++v)
      if (!removed[v])
        for (const GEdge& e : m_g.out[v])
          if (!m_g.terminal(e.to) && !removed[static_cast<size_t>(e.to)]) ++indegree[static_cast<size_t>(e.to)];
    std::deque<size_t> q;
    for (size_t v = 0; v < n; ++v)
      if (!removed[v] && indegree[v] == 0) q.push_back(v);
    std::vector<bool> done(n, false);
    while (!q.empty()) {
      size_t v = q.front();
      q.pop_front();
      done[v] = true;
      for (const GEdge& e : m_g.out[v]) {
        if (m_g.terminal(e.to) || removed[static_cast<size_t>(e.to)]) continue;
        if (--indegree[static_cast<size_t>(e.to)] == 0) q.push_back(static_cast<size_t>(e.to));
      }
    }
    for (size_t v = 0; v < n; ++v) {
      if (removed[v] || done[v]) continue;
      m_c.fail(Rule::kBoundedLoops, stage_place(m_t, v), "stages " + cycle_from(v, removed, done) + " " + what);
      return;  // one report per rule: the rest are usually the same loop
    }
  }

  std::string cycle_from(size_t start, const std::vector<bool>& removed, const std::vector<bool>& done) const {
    // Every left-over stage has a left-over predecessor (that is why its in-degree never reached 0):
    // walk predecessors until a stage repeats; the repeated stretch, reversed, is a cycle.
    auto left = [&](size_t w) { return !removed[w] && !done[w]; };
    std::vector<int> order(m_g.stages, -1);
    std::vector<size_t> path;
    size_t v = start;
    while (order[v] < 0) {
      order[v] = static_cast<int>(path.size());
      path.push_back(v);
      for (size_t u = 0; u < m_g.stages; ++u) {
        bool pred = left(u) && std::any_of(m_g.out[u].begin(), m_g.out[u].end(),
                                           [&](const GEdge& e) { return e.to == static_cast<int>(v); });
        if (pred) {
          v = u;
          break;
        }
      }
    }
    std::string s = m_t.stages[v].id;
    for (size_t k = path.size(); k-- > static_cast<size_t>(order[v]);) s += " -> " + m_t.stages[path[k]].id;
    return s;
  }

  CheckCtx& m_c;
  const Template& m_t;
  Graph m_g;
  std::vector<std::vector<int>> m_fwd, m_in;  // successors, predecessors
};

}  // namespace

void check_structure(CheckCtx& c) { FlowPass(c).run(); }

}  // namespace cx::alpha::detail
