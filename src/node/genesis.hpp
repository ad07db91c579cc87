#pragma once
// genesis.json -> ChainParams. Config loading lives at the edge (node/); errors name the field.
#include <string_view>

#include "base/result.hpp"
#include "core/chain_params.hpp"

namespace cx::node {

Result<core::ChainParams> parse_genesis(std::string_view json);

}  // namespace cx::node
