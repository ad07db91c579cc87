#include "rpc/reads.hpp"

#include <boost/json.hpp>

#include "rpc/json_format.hpp"
#include "rpc/params.hpp"

namespace cx::rpc::reads {

namespace ec = error_code;

std::string receipt_text(const channel::TxLookup& lookup) {
  TxLocation where{lookup.height, lookup.block_hash, lookup.index};
  return json::serialize(receipt_to_json(*lookup.receipt, where));
}

std::string get_last_block(const RequestContext& ctx, const json::value* params) {
  params_object(params, {}, /*required=*/false);
  uint64_t h = ctx.channel->last_height();
  auto block = ctx.channel->block_by_height(h);
  if (!block) fail(ec::kSystem, "system error: the last block (height " + hex_u64(h) + ") is not available");
  return block_to_json_text(*block);
}

std::shared_ptr<const core::Block> block_at_height_param(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"height"}, /*required=*/true);
  uint64_t h = *height_param(o, /*required=*/true);
  require_height_available(*ctx.channel, h);
  auto block = ctx.channel->block_by_height(h);
  if (!block) fail(ec::kNotFound, "not found: no block at height " + hex_u64(h));
  return block;
}

std::string get_block_by_height(const RequestContext& ctx, const json::value* params) {
  return block_to_json_text(*block_at_height_param(ctx, params));
}

std::string get_block_by_hash(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"hash"}, /*required=*/true);
  Hash32 h = hash_param(o, "hash");
  auto block = ctx.channel->block_by_hash(h);
  if (!block) fail(ec::kNotFound, "not found: no block with hash " + hash_hex(h));
  return block_to_json_text(*block);
}

std::string get_balance(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"address", "height"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kAny, /*required=*/true);
  auto height = height_param(o, /*required=*/false);
  require_height_available(*ctx.channel, height);
  auto r = ctx.channel->balance(*address, height);
  if (!r) fail(ec::kSystem, "system error: " + r.message());
  return quoted(r->to_icon_hex());
}

std::string get_total_supply(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"height"}, /*required=*/false);
  auto height = height_param(o, /*required=*/false);
  require_height_available(*ctx.channel, height);
  auto r = ctx.channel->total_supply(height);
  if (!r) fail(ec::kSystem, "system error: " + r.message());
  return quoted(r->to_icon_hex());
}

std::string get_transaction_result(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"txHash"}, /*required=*/true);
  Hash32 hash = hash_param(o, "txHash");
  channel::TxLookup lookup = ctx.channel->lookup_tx(hash);
  switch (lookup.status) {
    case channel::TxStatus::kUnknown:
      fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is neither in the pool nor on the chain");
    case channel::TxStatus::kPending:
      fail(ec::kPending, "pending: tx " + hash_hex(hash) + " is in the pool, not in a block yet");
    case channel::TxStatus::kExecuting:
      fail(ec::kExecuting, "executing: tx " + hash_hex(hash) + " is in block " + hex_u64(lookup.height) +
                               ", which is not final yet");
    case channel::TxStatus::kCommitted:
      break;
  }
  if (!lookup.receipt) fail(ec::kSystem, "system error: no receipt for committed tx " + hash_hex(hash));
  return receipt_text(lookup);
}

std::string get_transaction_by_hash(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"txHash"}, /*required=*/true);
  Hash32 hash = hash_param(o, "txHash");
  channel::TxLookup lookup = ctx.channel->lookup_tx(hash);
  // Like goloop, only a tx that is in a block has a location to report; a pooled one is NotFound.
  if (lookup.status == channel::TxStatus::kPending) {
    fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is still in the pool, not in a block yet");
  }
  if (lookup.status == channel::TxStatus::kUnknown || !lookup.tx) {
    fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is not on the chain");
  }
  TxLocation where{lookup.height, lookup.block_hash, lookup.index};
  std::string out;
  append_tx_json(out, *lookup.tx, &where);
  return out;
}

std::string get_network_info(const RequestContext& ctx, const json::value* params) {
  params_object(params, {}, /*required=*/false);
  return json::serialize(network_info_to_json(ctx.channel->network_info()));
}

// icx_call: {to, dataType:"call", data:{method, params?}, from?, height?}.
std::string call(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"to", "from", "dataType", "data", "height"}, /*required=*/true);
  auto to = address_param(o, "to", AddressKind::kContract, /*required=*/true);
  auto from = address_param(o, "from", AddressKind::kEoa, /*required=*/false);
  const json::string* data_type = string_param(o, "dataType", /*required=*/true);
  if (*data_type != "call") bad_param("'dataType' must be \"call\", not " + quoted(clip(*data_type)));
  const json::value* data_v = member(o, "data");
  if (!data_v) bad_param("'data' is required: an object with method and params");
  const json::object* data = data_v->if_object();
  if (!data) bad_param(std::string("'data' must be an object, not ") + kind_of(*data_v));
  for (const auto& kv : *data) {
    if (kv.key() != "method" && kv.key() != "params") {
      bad_param("unknown member 'data." + clip(kv.key()) + "' (allowed: method, params)");
    }
  }
  const json::value* method_v = member(data, "method");
  if (!method_v || !method_v->is_string() || method_v->get_string().empty()) {
    bad_param("'data.method' must be a non-empty string");
  }
  const json::value* call_params = member(data, "params");
  if (call_params && !call_params->is_object()) {
    bad_param(std::string("'data.params' must be an object, not ") + kind_of(*call_params));
  }
  auto height = height_param(o, /*required=*/false);
  require_height_available(*ctx.channel, height);

  contracts::CallRequest req;
  if (from) req.caller = *from;
  req.contract = *to;
  req.method = std::string(method_v->get_string());
  // Copied out of the request's arena: the channel may keep what it is given.
  req.params = call_params ? json::value(*call_params, json::storage_ptr()) : json::value(nullptr);
  auto r = ctx.channel->call(req, height);
  if (!r) fail(ec::kSystem, "system error: " + r.message());
  if (!r->ok) {
    const int code = ec::contract_failure(r->code);
    fail(code, "contract error: " + (r->message.empty() ? std::string("call failed") : r->message));
  }
  return json::serialize(r->output);
}

// icx_getScoreApi / icx_getScoreStatus: {address, height?}; NotFound when there is no contract.
namespace {

template <typename Read, typename ToJson>
std::string score_read(const RequestContext& ctx, const json::value* params, Read read, ToJson to_json,
                       const char* missing) {
  const json::object* o = params_object(params, {"address", "height"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kContract, /*required=*/true);
  auto height = height_param(o, /*required=*/false);
  require_height_available(*ctx.channel, height);
  auto r = read(*ctx.channel, *address, height);
  if (!r) fail(ec::kSystem, "system error: " + r.message());
  if (!*r) fail(ec::kNotFound, std::string("not found: ") + missing + address->to_string());
  return json::serialize(to_json(**r));
}
}  // namespace

std::string get_score_api(const RequestContext& ctx, const json::value* params) {
  return score_read(ctx, params, [](auto& ch, const auto& a, auto h) { return ch.score_api(a, h); },
                    [](const auto& v) { return score_api_to_json(v); }, "no contract at ");
}
std::string get_score_status(const RequestContext& ctx, const json::value* params) {
  return score_read(ctx, params, [](auto& ch, const auto& a, auto h) { return ch.score_status(a, h); },
                    [](const auto& v) { return score_status_to_json(v); }, "no deployed contract at ");
}

std::string estimate_step(const RequestContext& ctx, const json::value* params) {
  auto r = ctx.channel->estimate_step(tx_object(params));
  if (!r) bad_param(r.message());
  return quoted(r->to_icon_hex());
}

}  // namespace cx::rpc::reads
