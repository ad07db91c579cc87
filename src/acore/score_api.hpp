#pragma once
// What icx_getScoreApi and icx_getScoreStatus report about the contract at an address, read from
// one state (one height) through the registry that execution uses.
#include <optional>
#include <variant>
#include <vector>

#include "acore/code_store.hpp"
#include "contracts/contract.hpp"

namespace cx::acore {

// The API of the contract at `address`: a native contract's methods, or the current version of a
// deployed one (compiled through the registry's acore::Resolver). nullopt if there is no contract,
// or only a first version still waiting for audit.
std::optional<std::vector<AbiEntry>> score_api(const state::StateReader& state, const contracts::Registry& registry,
                                               const Address& address);

// A native contract's methods as icx_getScoreApi entries ("name:type" inputs, one output type).
std::vector<AbiEntry> native_api(const contracts::Contract& contract);

}  // namespace cx::acore
