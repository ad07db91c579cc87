#include "alpha/checker.hpp"

#include "alpha/checker_impl.hpp"

namespace cx::alpha {

const char* rule_name(Rule r) {
  switch (r) {
    case Rule::kReference: return "reference";
    case Rule::kType: return "type";
    case Rule::kRoles: return "roles";
    case Rule::kQuorum: return "quorum";
    case Rule::kReachable: return "reachable";
    case Rule::kReachesTerminal: return "reaches_terminal";
    case Rule::kDefaultOutcome: return "default_outcome";
    case Rule::kBranchDefault: return "branch_default";
    case Rule::kForkJoin: return "structured_fork_join";
    case Rule::kEscrowClosed: return "escrow_closed";
    case Rule::kBoundedLoops: return "bounded_loops";
    case Rule::kStaticFee: return "static_fee";
    case Rule::kVirtualPerson: return "virtual_person";
    case Rule::kDispute: return "dispute";
  }
  return "?";
}

std::string Failure::to_string() const { return std::string("[") + rule_name(rule) + "] " + place + ": " + message; }

std::string detail::stage_place(const Template& t, size_t i) { return "stages[" + std::to_string(i) + "]"; }

// The passes run in order and each later pass assumes the earlier ones passed: the graph passes need
// resolved names, the money and fee passes need a structured, bounded graph.
CheckReport check_template(const Template& t) {
  CheckReport report;
  detail::CheckCtx c{t, report, {}, {}};
  detail::check_references(c);
  if (!report.ok()) return report;
  detail::check_structure(c);
  if (!report.ok()) return report;
  detail::check_money(c);
  detail::quote_fees(c);
  return report;
}

}  // namespace cx::alpha
