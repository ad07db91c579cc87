#include "rpc/explorer_reads.hpp"

#include <set>

#include "governance/governance.hpp"
#include "rpc/json_format.hpp"
#include "rpc/params.hpp"
#include "rpc/reads.hpp"

namespace cx::rpc::explorer {

namespace ec = error_code;

namespace {

void require_indexes(const RequestContext& ctx) {
  if (!ctx.channel->explorer_indexes()) fail(ec::kMethodNotFound, std::string("method not available: ") + channel::ChannelApi::kNoIndexes);
}

// "limit": a hex count 0x1..0x64 (kExplorerPageMax); absent: kExplorerPageDefault.
size_t limit_param(const json::object* o) {
  const json::string* s = string_param(o, "limit", /*required=*/false);
  if (!s) return channel::kExplorerPageDefault;
  auto v = parse_hex_u64(*s);
  if (!v || *v < 1 || *v > channel::kExplorerPageMax)
    bad_param("'limit' must be a hex count from 0x1 to " + hex_u64(channel::kExplorerPageMax) + ": " + clip(*s));
  return static_cast<size_t>(*v);
}

// "cursor": the opaque "next" of an earlier page; absent or null: the newest entries.
std::optional<channel::PagePosition> cursor_param(const json::object* o) {
  const json::string* s = string_param(o, "cursor", /*required=*/false);
  if (!s) return std::nullopt;
  auto p = channel::PagePosition::from_cursor(*s);
  if (!p) bad_param("'cursor' is not a cursor this node returned (pass a page's \"next\" as it is): " + clip(*s));
  return p;
}

json::value next_json(const std::optional<channel::PagePosition>& next) {
  if (!next) return nullptr;
  return json::string(next->to_cursor());
}

template <typename T>
T value_or_fail(Result<T> r) {
  if (!r) fail(ec::kSystem, "system error: " + r.message());
  return std::move(r.value());
}

json::object tx_json(const channel::AddressTx& t) {
  json::object o;
  o["txHash"] = hash_hex(t.tx_hash);
  o["height"] = hex_u64(t.height);
  o["index"] = hex_u64(t.index);
  o["from"] = t.from.to_string();
  o["to"] = t.to.to_string();
  // ICON's dataType; null for a plain transfer, which has none.
  if (t.data_type == core::DataType::kNone) o["dataType"] = nullptr;
  else o["dataType"] = core::to_string(t.data_type);
  if (!t.value.is_zero()) o["value"] = t.value.to_icon_hex();
  o["status"] = t.success ? "0x1" : "0x0";
  o["timestamp"] = hex_u64(static_cast<uint64_t>(t.timestamp_us));
  return o;
}

json::object transfer_json(const channel::TokenTransfer& t) {
  json::object o;
  o["token"] = t.token.to_string();
  o["from"] = t.from.to_string();
  o["to"] = t.to.to_string();
  o["value"] = t.value.to_icon_hex();
  o["txHash"] = hash_hex(t.tx_hash);
  o["height"] = hex_u64(t.height);
  o["txIndex"] = hex_u64(t.tx_index);
  o["logIndex"] = hex_u64(t.log_index);
  o["timestamp"] = hex_u64(static_cast<uint64_t>(t.timestamp_us));
  return o;
}

}  // namespace

// cx_getAddressTxs {address, limit?, cursor?}
std::string get_address_txs(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"address", "limit", "cursor"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kAny, /*required=*/true);
  const size_t limit = limit_param(o);
  const auto from = cursor_param(o);
  require_indexes(ctx);
  const auto page = value_or_fail(ctx.channel->address_txs(*address, limit, from));
  json::array txs;
  txs.reserve(page.txs.size());
  for (const auto& t : page.txs) txs.push_back(tx_json(t));
  json::object out;
  out["address"] = address->to_string();
  out["txs"] = std::move(txs);
  out["next"] = next_json(page.next);
  return json::serialize(out);
}

// cx_getTokenTransfers {address | token, limit?, cursor?}
std::string get_token_transfers(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"address", "token", "limit", "cursor"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kAny, /*required=*/false);
  auto token = address_param(o, "token", AddressKind::kContract, /*required=*/false);
  if (address.has_value() == token.has_value()) bad_param("give exactly one of 'address' (an hx/cx address) and 'token' (a cx address)");
  const size_t limit = limit_param(o);
  const auto from = cursor_param(o);
  require_indexes(ctx);
  const auto of = token ? channel::TransfersOf::kToken : channel::TransfersOf::kAddress;
  const auto page = value_or_fail(ctx.channel->token_transfers(of, token ? *token : *address, limit, from));
  json::array transfers;
  transfers.reserve(page.transfers.size());
  for (const auto& t : page.transfers) transfers.push_back(transfer_json(t));
  json::object out;
  if (token) out["token"] = token->to_string();
  else out["address"] = address->to_string();
  out["transfers"] = std::move(transfers);
  out["next"] = next_json(page.next);
  return json::serialize(out);
}

// cx_getTokens {address}
std::string get_tokens(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"address"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kAny, /*required=*/true);
  require_indexes(ctx);
  const auto tokens = value_or_fail(ctx.channel->tokens_of(*address));
  json::array list;
  list.reserve(tokens.size());
  for (const auto& t : tokens) {
    json::object e;
    e["token"] = t.token.to_string();
    e["firstHeight"] = hex_u64(t.first_height);
    e["lastHeight"] = hex_u64(t.last_height);
    e["transfers"] = hex_u64(t.transfers);
    list.push_back(std::move(e));
  }
  json::object out;
  out["address"] = address->to_string();
  out["tokens"] = std::move(list);
  out["tokensMax"] = hex_u64(channel::kTokensPerAddressMax);
  return json::serialize(out);
}

// cx_getValidators {height?}
std::string get_validators(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"height"}, /*required=*/false);
  auto height = height_param(o, /*required=*/false);
  require_height_available(*ctx.channel, height);
  require_indexes(ctx);
  const auto at = value_or_fail(ctx.channel->validators_at(height));
  json::array vals;
  vals.reserve(at.validators.size());
  for (const auto& v : at.validators) {
    json::object e;
    e["address"] = v.address.to_string();
    e["weight"] = hex_u64(v.weight);
    if (v.group.empty()) e["group"] = nullptr;
    else e["group"] = v.group;
    if (v.last_signed_height) e["lastSignedHeight"] = hex_u64(*v.last_signed_height);
    else e["lastSignedHeight"] = nullptr;
    e["signedBlocks"] = hex_u64(v.signed_blocks);
    e["missedBlocks"] = hex_u64(v.missed_blocks);
    if (v.tier) e["tier"] = hex_u64(*v.tier);
    else e["tier"] = nullptr;
    if (v.institution.empty()) e["institution"] = nullptr;
    else e["institution"] = v.institution;
    vals.push_back(std::move(e));
  }
  json::object out;
  out["height"] = hex_u64(at.height);
  out["totalWeight"] = hex_u64(at.total_weight);
  out["setHash"] = hash_hex(at.set_hash);
  out["validators"] = std::move(vals);
  return json::serialize(out);
}

namespace {

constexpr uint64_t kMembersPage = 100;       // the governance contract's page limit
constexpr uint64_t kMembersMax = 1000;       // its bound on members

// A read of the governance contract at the channel's head; nullopt when it fails (no governance).
std::optional<json::value> governance_read(const channel::ChannelApi& ch, const char* method, json::object params) {
  contracts::CallRequest req;
  req.contract = governance::governance_contract_address();
  req.method = method;
  req.params = std::move(params);
  auto r = ch.call(req, std::nullopt);
  if (!r || !r->ok) return std::nullopt;
  return std::move(r->output);
}

// The live members from the governance contract at the head: the validators in force first (in set
// order, role "validator"), then every other member in order of admission with its first other role;
// suspended members carry "suspended": true. nullopt when the channel has no governance state.
std::optional<std::pair<size_t, json::array>> live_members(const channel::ChannelApi& ch) {
  auto set = governance_read(ch, "getValidators", {});
  const json::value* vals = set && set->is_object() ? set->get_object().if_contains("validators") : nullptr;
  if (!vals || !vals->is_array()) return std::nullopt;
  json::array out;
  std::set<std::string> validators;
  for (const auto& v : vals->get_array()) {
    const json::value* a = v.is_object() ? v.get_object().if_contains("address") : nullptr;
    if (!a || !a->is_string()) return std::nullopt;
    validators.insert(std::string(a->get_string()));
    out.push_back(json::object{{"address", *a}, {"role", "validator"}});
  }
  for (uint64_t offset = 0; offset < kMembersMax; offset += kMembersPage) {
    auto page = governance_read(ch, "getMembers", {{"offset", hex_u64(offset)}, {"limit", hex_u64(kMembersPage)}});
    const json::value* list = page && page->is_object() ? page->get_object().if_contains("members") : nullptr;
    if (!list || !list->is_array()) return std::nullopt;
    for (const auto& m : list->get_array()) {
      const json::object* o = m.if_object();
      const json::value* a = o ? o->if_contains("address") : nullptr;
      if (!a || !a->is_string() || validators.contains(std::string(a->get_string()))) continue;
      std::string role = "member";
      if (const json::value* roles = o->if_contains("roles"); roles && roles->is_array())
        for (const auto& r : roles->get_array())
          if (r.is_string() && r.get_string() != "validator") {
            role = std::string(r.get_string());
            break;
          }
      json::object e{{"address", *a}, {"role", role}};
      if (const json::value* st = o->if_contains("status"); st && st->is_string() && st->get_string() == "suspended")
        e["suspended"] = true;
      out.push_back(std::move(e));
    }
    if (list->get_array().size() < kMembersPage) break;
  }
  return std::pair{validators.size(), std::move(out)};
}

// The genesis's members, for a channel without governance state.
std::pair<size_t, json::array> genesis_members(const core::ChainParams& p) {
  json::array members;
  for (const auto& v : p.validators) members.push_back(json::object{{"address", v.to_string()}, {"role", "validator"}});
  for (const auto& m : p.members) {
    if (m.role == core::MemberRole::kValidator) continue;  // listed above (a validator entry must be in validators)
    members.push_back(json::object{{"address", m.address.to_string()}, {"role", std::string(core::to_string(m.role))}});
  }
  return {p.validators.size(), std::move(members)};
}

}  // namespace

// cx_getChannels {}: the live members, from the governance contract at each channel's head (the
// genesis's on a chain without governance). A channel that serves only signed requests (rpcAuth
// "signed") shows its name alone unless it is the channel asked, whose auth the request passed.
std::string get_channels(const RequestContext& ctx, const json::value* params) {
  params_object(params, {}, /*required=*/false);
  json::array list;
  for (const auto* ch : ctx.channel->served_channels()) {
    const auto& p = ch->params();
    json::object e;
    e["name"] = p.channel;
    if (p.rpc_auth_signed && ch != ctx.channel) {
      e["private"] = true;
      list.push_back(std::move(e));
      continue;
    }
    e["nid"] = hex_u64(p.nid);
    e["height"] = hex_u64(ch->last_height());
    auto [validators, members] = live_members(*ch).value_or(genesis_members(p));
    e["validators"] = hex_u64(validators);
    e["explorerIndexes"] = ch->explorer_indexes();
    e["members"] = std::move(members);
    list.push_back(std::move(e));
  }
  json::object out;
  out["channels"] = std::move(list);
  return json::serialize(out);
}

// cx_getBlockHeader {height}: the consensus fields icx_getBlockByHeight leaves out — the LFT round the
// block was certified in (numbered across heights: block h in round h when no round failed), the sets
// that certify it and its child, the certificate of its parent that it carries, and its tx count.
std::string get_block_header(const RequestContext& ctx, const json::value* params) {
  auto block = reads::block_at_height_param(ctx, params);
  const core::Header& hd = block->header;
  json::object out;
  out["height"] = hex_u64(hd.height);
  out["hash"] = hash_hex(block->hash());
  out["round"] = hex_u64(hd.round);
  out["proposer"] = hd.proposer.to_string();
  out["timestamp"] = hex_u64(static_cast<uint64_t>(hd.timestamp_us));
  out["validatorsHash"] = hash_hex(hd.validators_hash);
  out["nextValidatorsHash"] = hash_hex(hd.next_validators());
  out["parentQcRound"] = hex_u64(block->prev_qc.round);
  out["parentQcVotes"] = hex_u64(block->prev_qc.votes.size());
  out["txCount"] = hex_u64(block->txs.size());
  return json::serialize(out);
}

}  // namespace cx::rpc::explorer
