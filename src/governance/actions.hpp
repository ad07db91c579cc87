#pragma once
// The actions a governance proposal carries (docs/governance.md "Actions"). Every function returns the
// failure to pass on — a refusal naming its reason, or a host failure — or nullopt when it went through.
#include "governance/store.hpp"

namespace cx::governance::actions {

using store::CallResult;
using store::Host;
namespace json = boost::json;

// Checks `action` with `args` against the current state (as when proposed; again when approved).
std::optional<CallResult> check(Host& h, const std::string& action, const json::object& args);
// The height at which the action takes effect if approved now: member actions at once (no
// effectiveHeight allowed); set changes at `effective` if given — an epoch boundary at least
// changeMargin blocks ahead and after the last scheduled change — else the first such height.
std::optional<CallResult> check_effective(Host& h, const std::string& action, std::optional<uint64_t> effective,
                                          uint64_t& out);
// Executes an approved action (checked again first); a set change is scheduled from `effective`.
std::optional<CallResult> execute(Host& h, const std::string& action, const json::object& args, uint64_t effective);

}  // namespace cx::governance::actions
