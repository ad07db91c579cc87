#pragma once
// The v3 methods that only read: blocks, balances, txs and receipts, icx_call, the contract read
// APIs and step estimates. Each takes the request's context and its raw params, returns the result
// as JSON text and throws RpcError with goloop's code when the request cannot be answered.
#include <string>

#include <boost/json.hpp>

#include "channel/api.hpp"
#include "rpc/dispatcher.hpp"

namespace cx::rpc::reads {

std::string get_last_block(const RequestContext& ctx, const boost::json::value* params);
std::string get_block_by_height(const RequestContext& ctx, const boost::json::value* params);
std::string get_block_by_hash(const RequestContext& ctx, const boost::json::value* params);
std::string get_balance(const RequestContext& ctx, const boost::json::value* params);
std::string get_total_supply(const RequestContext& ctx, const boost::json::value* params);
std::string get_transaction_result(const RequestContext& ctx, const boost::json::value* params);
std::string get_transaction_by_hash(const RequestContext& ctx, const boost::json::value* params);
std::string get_network_info(const RequestContext& ctx, const boost::json::value* params);
std::string call(const RequestContext& ctx, const boost::json::value* params);
std::string get_score_api(const RequestContext& ctx, const boost::json::value* params);
std::string get_score_status(const RequestContext& ctx, const boost::json::value* params);
std::string estimate_step(const RequestContext& ctx, const boost::json::value* params);

// The block named by params {"height"} (required; a height not available here or without a block fails
// with goloop's codes): icx_getBlockByHeight's and cx_getBlockHeader's lookup.
std::shared_ptr<const core::Block> block_at_height_param(const RequestContext& ctx, const boost::json::value* params);

// A committed tx's receipt as goloop prints it.
std::string receipt_text(const channel::TxLookup& lookup);

}  // namespace cx::rpc::reads
