#pragma once
// cx_getProof (docs/ca.md "Verifying from the chain alone"): a contract storage entry after block
// `height`, with what a client needs to check it without trusting this node — the Merkle proof of the
// entry under the state root, the headers of blocks height and height+1 (height+1 carries that state
// root), and the quorum certificate of block height+1 (carried in block height+2).
#include <string>

#include <boost/json.hpp>

#include "rpc/dispatcher.hpp"

namespace cx::rpc::proof {

// params: {address: cx.., key: the contract storage key as text (at most 256 bytes), height?: T_INT,
// default the latest height that has a certified successor, latest - 2}.
std::string get_proof(const RequestContext& ctx, const boost::json::value* params);

// cx_getValidatorChanges (docs/ca.md "Across validator-set changes"): the validator-set changes that
// took effect at heights >= `height` (default 1) and are certified already, oldest first, at most
// kChangesPageMax: for a change at H, block H-1's header (it names the next set's hash), the QC that
// certifies it (carried in block H, signed by the set before) and the new set. `next` is the height to
// ask from for the next page (absent on the last). The node is not trusted: a client checks each header
// and QC against the set it already holds and the new set against the header's hash (cli/set_chain.hpp).
inline constexpr size_t kChangesPageMax = 16;
std::string get_validator_changes(const RequestContext& ctx, const boost::json::value* params);

// cx_getHeader {height} (docs/ca.md "A trust anchor"): block `height`'s header in the canonical encoding
// (its hash is the block hash) and the validators of the set it names as the next one, which certifies
// block height+1. A client that trusts the block hash checks both: the set must hash to the header's
// next_validators_hash.
std::string get_header(const RequestContext& ctx, const boost::json::value* params);

}  // namespace cx::rpc::proof
