// Fork blocks for the simulator (sim_state.hpp). The checker has made every fork structured; the
// simulator runs its branches one after the other from the fork's time, and needs to know which stages
// lie inside a block to see a branch leave it (a timeout to a dispute, say), which cancels the others.
#include "alpha/checker_impl.hpp"
#include "alpha/sim_state.hpp"

namespace cx::alpha::detail {

std::vector<std::vector<bool>> fork_regions(const Template& t) {
  Graph g = build_graph(t);
  size_t n = t.stages.size();
  std::vector<std::vector<int>> fwd(n), back(n);  // stage-to-stage edges only
  for (size_t v = 0; v < n; ++v)
    for (const GEdge& e : g.out[v])
      if (!g.terminal(e.to)) fwd[v].push_back(e.to), back[static_cast<size_t>(e.to)].push_back(static_cast<int>(v));
  std::vector<std::vector<bool>> regions(n);
  for (size_t f = 0; f < n; ++f) {
    const Stage& s = t.stages[f];
    if (s.action != Action::kFork) continue;
    int j = find_stage(t, s.ref);
    std::vector<int> entries;
    for (const std::string& b : s.branches) entries.push_back(find_stage(t, b));
    auto from_branches = reach(fwd, entries, j);
    auto to_join = reach(back, {j}, -1);
    regions[f].assign(n, false);
    for (size_t v = 0; v < n; ++v) regions[f][v] = v != f && from_branches[v] && to_join[v];
  }
  return regions;
}

}  // namespace cx::alpha::detail
