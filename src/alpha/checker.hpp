#pragma once
// The registration checker (N1; docs/alpha.md §4): a template that fails a rule cannot be published,
// and the refusal names the rule and the place ("[escrow_closed] stages[7].next: ..."). It also quotes
// the static maximum of steps for every transition an instance of the template can make (N5).
#include <cstdint>
#include <string>
#include <vector>

#include "alpha/template.hpp"

namespace cx::alpha {

enum class Rule : uint8_t {
  kReference,        // every name resolves: stages, terminals, roles, events, decisions, params, assets
  kType,             // expressions have the type their place needs; amounts and times are whole
  kRoles,            // attesters, holders, delegates, payers, payees and referees are roles of the right kind
  kQuorum,           // 1 <= k <= the attester members of the event
  kReachable,        // every stage can be reached from the start
  kReachesTerminal,  // every stage can reach a terminal (without a dispute)
  kDefaultOutcome,   // every deadline and every awaited event has its default outcome (N4)
  kBranchDefault,    // every exclusive branch has a default
  kForkJoin,         // fork/join is structured: each join matches one fork, branches meet only there
  kEscrowClosed,     // money is conserved: the escrow is empty, per asset, at every terminal
  kBoundedLoops,     // every cycle passes a stage with max_visits and a stage that waits
  kStaticFee,        // every transition has a static maximum of steps, under the cap
  kVirtualPerson,    // a default row, distinct priorities, every row sets every output
  kDispute,          // ladder rungs exist, the silence outcome is an outcome
};
const char* rule_name(Rule r);

struct Failure {
  Rule rule;
  std::string place;    // "stages[3].due.at", "events.shipped.attesters"
  std::string message;
  std::string to_string() const;  // "[default_outcome] stages[3]: ..."
};

// Step costs of the engine's operations (the fee of a transition is steps x stepPrice, as ICON's).
// They are part of the protocol: changing one changes every quoted maximum.
struct StepCosts {
  static constexpr uint64_t kTransition = 20'000;      // a tx or a timer that moves an instance
  static constexpr uint64_t kStage = 5'000;            // entering a stage (one state write)
  static constexpr uint64_t kTerminal = 10'000;        // closing an instance
  static constexpr uint64_t kExprNode = 200;           // one expression node evaluated
  static constexpr uint64_t kTimer = 4'000;            // arming or cancelling a timer
  static constexpr uint64_t kTransferNative = 10'000;  // one transfer of the native coin
  static constexpr uint64_t kTransferToken = 40'000;   // one IRC2 transfer (a contract call)
  static constexpr uint64_t kAttestation = 30'000;     // verifying and recording an attestation
  static constexpr uint64_t kVpRow = 1'000;            // one Virtual Person row considered
  static constexpr uint64_t kDecision = 10'000;        // exercising or handing over a decision right
  static constexpr uint64_t kTransitionMax = 10'000'000;  // the cap: a template above it is refused
};

struct TransitionFee {
  std::string transition;  // "deposit.paid", "shipment.timeout", "start", "dispute.ruling"
  uint64_t max_steps = 0;
};

struct CheckReport {
  std::vector<Failure> failures;
  std::vector<TransitionFee> fees;  // filled when the structure checks pass
  bool ok() const { return failures.empty(); }
};

CheckReport check_template(const Template& t);

}  // namespace cx::alpha
