#pragma once
// Internal to the checker: what its passes share.
#include <optional>
#include <string>
#include <vector>

#include "alpha/checker.hpp"

namespace cx::alpha::detail {

struct CheckCtx {
  const Template& t;
  CheckReport& report;
  // Filled by the reference pass: the asset of each stage's pay/collect amount ("" otherwise) and
  // the assets of its settlement's claims, for the money and fee passes.
  std::vector<std::string> pay_asset;
  std::vector<std::vector<std::string>> claim_assets;

  void fail(Rule r, std::string place, std::string message) {
    report.failures.push_back({r, std::move(place), std::move(message)});
  }
  size_t failures() const { return report.failures.size(); }
};

std::string stage_place(const Template& t, size_t i);  // "stages[3]"

// The stage graph: nodes 0..n-1 are the stages, n.. the terminals (sorted as declared).
enum class EdgeKind : uint8_t { kNext, kCase, kDefault, kTimeout, kExhausted, kForkBranch, kVp };
struct GEdge {
  int to;
  EdgeKind kind;
  std::string place;              // where the edge is written ("stages[2].on_timeout")
  const Settle* settle = nullptr; // paid out on the way (edges only; a settle stage settles itself)
};
struct Graph {
  size_t stages = 0;
  std::vector<std::vector<GEdge>> out;  // per node
  // Entries besides stage 0, reached with an unknown escrow: the fault path and dispute outcomes.
  struct Entry {
    int to;
    std::string place;
    const Settle* settle;
  };
  std::vector<Entry> entries;
  bool terminal(int v) const { return static_cast<size_t>(v) >= stages; }
};
Graph build_graph(const Template& t);  // after the reference pass: every target resolves
// Nodes reachable from `from` along adj (never entering `blocked`; -1 for none).
std::vector<bool> reach(const std::vector<std::vector<int>>& adj, const std::vector<int>& from, int blocked);
std::string node_name(const Template& t, int v);

// The type of an expression of t (the engine asks it which asset an amount is in); nullopt if it
// does not type-check.
std::optional<Type> expr_type(const Template& t, const Expr& e);

void check_references(CheckCtx& c);  // checker_refs.cpp: names, roles, types, VP, dispute
void check_structure(CheckCtx& c);   // checker_flow.cpp: reachability, defaults, fork/join, loops
void check_money(CheckCtx& c);       // checker_money.cpp: escrow closed at every terminal
void quote_fees(CheckCtx& c);        // checker_fees.cpp: static maximum steps per transition

}  // namespace cx::alpha::detail
