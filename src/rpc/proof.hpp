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

}  // namespace cx::rpc::proof
