#pragma once
// Simulation of an instance before signing (N2; docs/alpha.md "Simulate"). An instance is a template
// bound to param values and parties; simulate() runs every branch of it on a private copy of the
// state with synthetic block times and reports, for each path, the terminal it reaches, the payments
// per party and per asset, what is left in the escrow and the most steps the path's transitions can
// cost (the checker's static quotes, N5). The digest of that report is what the signatories sign as
// part of the instance hash: two nodes given the same template and instance print the same digest.
//
// Synthetic time (deterministic, no clock): the instance is signed at `signed_at`; everything a stage
// waits for happens one hour after the stage is entered (or one second before its deadline, if that
// is sooner); a deadline fires at the deadline; a wait ends at its time. Event fields come from the
// instance's samples (each sample is a branch of its own), or from defaults (0 and 100 % for rates,
// every value of an enum, 0 for amounts); `<event>.time` samples move when it is attested. The branches
// of a fork block run one after the other from the fork's time.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "alpha/expr.hpp"
#include "alpha/template.hpp"
#include "base/bytes.hpp"

namespace cx::alpha {

constexpr size_t kInstanceBytesMax = 64 * 1024;
constexpr size_t kSamplesPerFieldMax = 8;
constexpr size_t kSimPathsMax = 20'000;
constexpr uint64_t kSimCombosMax = 256;       // results x samples of one attestation
constexpr uint32_t kSimDepthMax = 512;        // waiting stages on one path (a long bounded loop)
constexpr uint32_t kGroupDefaultMembers = 2;  // bound members of a group role the instance leaves unbound
constexpr int64_t kSimActAfterSeconds = 3'600;

// An instance's inputs: the template's params, the parties and, for simulation, samples of event
// fields. Params are checked against their declaration (type, asset, min/max, enum values).
struct InstanceInput {
  int64_t signed_at = 0;
  std::map<std::string, Value> params;                      // every declared param
  std::map<std::string, std::string> param_text;            // canonical spelling, for reports and prose
  std::map<std::string, std::vector<std::string>> parties;  // role -> member addresses, in order
  std::map<std::string, std::vector<Value>> samples;        // "event.field" -> values to try
  std::optional<Calendar> calendar;                         // the pinned calendar's table, if given
};

// {"signed_at": 1767225600 | "2026-01-01", "params": {...}, "parties": {"buyer": "hx..", "bidder": [..]},
//  "samples": {"inspected.defect_rate": ["0ppm", "2%"]}, "calendar": {"utc_offset": "PT9H",
//  "weekend": [5, 6], "holidays": ["2026-12-25"]}}
std::variant<InstanceInput, ParseError> parse_instance_input(const Template& t, std::string_view json_text);

struct SimPath {
  std::vector<std::string> steps;  // "2026-01-01T01:00:00Z deposit_payment: paid 100"
  std::string terminal;
  std::map<std::string, std::map<std::string, Int>> payments;  // party ("buyer", "bidder#2") -> asset -> net
  std::map<std::string, Uint256> escrow_end;                   // asset -> what is left (0 when closed)
  uint64_t max_steps = 0;                                      // sum of the quotes of its transitions
  std::string fault;                                           // the failed expression, on the fault path
};

struct SimResult {
  std::vector<SimPath> paths;
  std::vector<std::string> notes;  // assumptions the run made ("calendar X: weekends only")
  uint64_t max_steps = 0;          // over every path
  bool truncated = false;          // more than kSimPathsMax paths: the report is incomplete
  Hash32 digest;                   // SHA3-256 of canonical_text(sim_report(...)) without "digest"
};

// The template must pass check_template(); the error names what cannot be simulated. The walk stops
// (truncated) after `paths_max` paths (at most kSimPathsMax).
std::variant<SimResult, std::string> simulate(const Template& t, const InstanceInput& in, size_t paths_max = kSimPathsMax);
// The report as JSON (canonical when printed with canonical_text), digest included.
boost::json::value sim_report(const Template& t, const InstanceInput& in, const SimResult& r);

// "2026-01-01T01:00:00Z"
std::string format_time(int64_t time);

}  // namespace cx::alpha
