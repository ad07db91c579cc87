#pragma once
// The governance contract's storage through the Host (model.hpp has the layout), and the refusals its
// methods return. A refusal fails the call with kRefused and a message that names the reason.
#include <optional>
#include <string>

#include "contracts/host.hpp"
#include "governance/model.hpp"

namespace cx::governance::store {

using contracts::CallResult;
using contracts::Host;
namespace json = boost::json;

inline constexpr core::FailureCode kRefused = core::user_failure(1);

inline CallResult refuse(std::string why) { return CallResult::fail(kRefused, std::move(why)); }
inline CallResult bad(std::string why) { return CallResult::fail(core::FailureCode::kInvalidParameter, std::move(why)); }

// Every helper returns the failure to pass on (nullopt: done). `out` receives what was read.
std::optional<CallResult> get(Host& h, std::string_view key, std::optional<json::value>& out);
std::optional<CallResult> put(Host& h, std::string_view key, const json::value& value);

std::optional<CallResult> load_params(Host& h, Params& out);
std::optional<CallResult> load_rules(Host& h, std::map<std::string, Rule>& out);
// nullopt in `out` when `a` is not a member.
std::optional<CallResult> load_member(Host& h, const core::Address& a, std::optional<Member>& out);
std::optional<CallResult> save_member(Host& h, const Member& m);
std::optional<CallResult> load_addresses(Host& h, std::vector<core::Address>& out);
std::optional<CallResult> load_epochs(Host& h, std::vector<core::ValidatorEpoch>& out);
std::optional<CallResult> append_epoch(Host& h, uint64_t index, const core::ValidatorEpoch& e);

}  // namespace cx::governance::store
