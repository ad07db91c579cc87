#pragma once
// Chain objects in the JSON shapes ICON clients expect (goloop doc/jsonrpc_v3.md).
// icon-sdk-js 1.5.3 checks these shapes before handing them to the user (lib/data/Formatter/index.ts):
//  - a block must have all of height, block_hash, merkle_tree_root_hash, prev_block_hash, peer_id,
//    confirmed_transaction_list, signature, time_stamp, version; it skips checking the txs only when
//    `height === 0`, so height (and time_stamp) are JSON numbers, not hex strings;
//  - every tx of a non-genesis block needs txHash and, for dataType call, a data object with method;
//  - a tx result needs status, to, txHash, txIndex, blockHeight, blockHash, cumulativeStepUsed,
//    stepUsed, stepPrice, plus eventLogs when status is 0x1 and failure when status is 0x0.
// The *_text functions write JSON text directly (a block can hold 10k txs whose params are already
// stored as JSON text, so re-parsing them into objects would be wasted work).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "acore/code_store.hpp"
#include "channel/api.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"
#include "core/transaction.hpp"

namespace cx::rpc {

// Where a tx sits on the chain.
struct TxLocation {
  uint64_t height = 0;
  Hash32 block_hash;
  uint32_t index = 0;
};

// "0x" + lower-case hex without leading zeros ("0x0" for zero), ICON's T_INT.
// ICON T_INT: "0x" + hex digits, fitting in 64 bits.
std::optional<uint64_t> parse_hex_u64(std::string_view s);
// Client input quoted in an error message, cut to a readable length.
std::string clip(std::string_view s);

std::string hex_u64(uint64_t v);
// "0x" + 64 lower-case hex digits, ICON's T_HASH.
std::string hash_hex(const Hash32& h);

// Appends `s` as a JSON string literal (quotes included). Bytes that are not valid UTF-8 become
// U+FFFD so the output is always valid JSON, whatever the source (URL paths, peer data).
void append_json_string(std::string& out, std::string_view s);

// The block in loopchain's 0.1a shape (see above). Genesis: prev_block_hash "".
void append_block_json(std::string& out, const core::Block& block);
std::string block_to_json_text(const core::Block& block);
boost::json::object block_to_json(const core::Block& block);

// The tx params exactly as the client sent them plus "txHash"; with `where`, also txIndex,
// blockHeight and blockHash (icx_getTransactionByHash).
void append_tx_json(std::string& out, const core::Transaction& tx, const TxLocation* where = nullptr);
boost::json::object tx_to_json(const core::Transaction& tx, const TxLocation* where = nullptr);

boost::json::object event_log_to_json(const core::EventLog& log);
// icx_getTransactionResult shape; eventLogs is always present (empty on failure).
boost::json::object receipt_to_json(const core::Receipt& receipt, const TxLocation& where);

// icx_getScoreApi: an array of {type: function|fallback|eventlog, name, inputs: [{name, type,
// indexed?, default?, fields?}], outputs: [{type}], readonly?, payable?}, flags as "0x1" when set
// (goloop doc/jsonrpc_v3.md). Written in rpc/score_json.cpp.
boost::json::array score_api_to_json(const std::vector<acore::AbiEntry>& api);
// icx_getScoreStatus: {owner, current?: {type, status, deployTxHash, auditTxHash, codeHash},
// next?: {...}, blocked: "0x0"|"0x1", disabled: "0x0"|"0x1"}, as goloop's chain score reports it.
boost::json::object score_status_to_json(const acore::ContractInfo& info);

// icx_getNetworkInfo shape: platform, nid, channel, earliest, latest, stepPrice.
boost::json::object network_info_to_json(const channel::NetworkInfo& info);

}  // namespace cx::rpc
