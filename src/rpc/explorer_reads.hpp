#pragma once
// The explorer's read methods (docs/explorer-api.md): an address's txs, IRC2 token transfers, an
// address's tokens, the validator set with each one's signing record, the channels this node
// serves, and a block's consensus fields (round, sets, parent certificate). Like reads.hpp: each
// returns its result as JSON text or throws RpcError; every param is checked (bad address, limit out
// of 1..100, a cursor this node did not return: -32602).
#include <string>

#include <boost/json.hpp>

#include "rpc/dispatcher.hpp"

namespace cx::rpc::explorer {

std::string get_address_txs(const RequestContext& ctx, const boost::json::value* params);
std::string get_token_transfers(const RequestContext& ctx, const boost::json::value* params);
std::string get_tokens(const RequestContext& ctx, const boost::json::value* params);
std::string get_validators(const RequestContext& ctx, const boost::json::value* params);
std::string get_channels(const RequestContext& ctx, const boost::json::value* params);
std::string get_block_header(const RequestContext& ctx, const boost::json::value* params);

}  // namespace cx::rpc::explorer
