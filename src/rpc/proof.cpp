#include "rpc/proof.hpp"

#include "execution/accounts.hpp"
#include "governance/governance.hpp"
#include "governance/model.hpp"
#include "rpc/error_codes.hpp"
#include "rpc/json_format.hpp"
#include "rpc/params.hpp"

namespace cx::rpc::proof {

namespace ec = error_code;

namespace {
constexpr size_t kKeyBytesMax = 256;
}

std::string get_proof(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"address", "key", "height"}, /*required=*/true);
  auto address = address_param(o, "address", AddressKind::kContract, /*required=*/true);
  const json::string* key = string_param(o, "key", /*required=*/true);
  if (key->size() > kKeyBytesMax) bad_param("invalid params: 'key' is over " + std::to_string(kKeyBytesMax) + " bytes");
  const uint64_t last = ctx.channel->last_height();
  if (last < 2) fail(ec::kNotFound, "not found: no height has a certified successor yet (latest is " + hex_u64(last) + ")");
  const uint64_t height = height_param(o, /*required=*/false).value_or(last - 2);
  if (height + 2 > last)
    fail(ec::kNotFound, "not found: the state of height " + hex_u64(height) + " is proven by block " + hex_u64(height + 1) +
                            " and its certificate in block " + hex_u64(height + 2) + "; the latest is " + hex_u64(last));
  const Bytes state_key = execution::contract_storage_key(*address, as_bytes(std::string_view(*key)));
  auto p = ctx.channel->state_proof(state_key, height);
  if (!p) fail(ec::kSystem, "system error: " + p.message());
  auto at = ctx.channel->block_by_height(height);
  auto next = ctx.channel->block_by_height(height + 1);
  auto certifier = ctx.channel->block_by_height(height + 2);
  if (!at || !next || !certifier) fail(ec::kSystem, "system error: blocks " + hex_u64(height) + ".." + hex_u64(height + 2) + " are not available");
  json::array nodes;
  for (const auto& n : p->nodes) nodes.emplace_back(to_hex(n));
  json::object out{{"height", hex_u64(height)},
                   {"address", address->to_string()},
                   {"key", *key},
                   {"stateKey", to_hex(state_key)},
                   {"value", p->value ? json::value(to_hex(*p->value)) : json::value(nullptr)},
                   {"stateRoot", to_hex(p->state_root.view())},
                   {"proof", std::move(nodes)},
                   {"header", to_hex(at->header.encode())},
                   {"nextHeader", to_hex(next->header.encode())},
                   {"qc", to_hex(certifier->prev_qc.encode())}};
  return json::serialize(out);
}

namespace {

// The governance contract's getValidators({height}) at the latest state; nullopt without governance.
std::optional<json::object> governance_validators(const RequestContext& ctx, uint64_t height) {
  contracts::CallRequest req;
  req.contract = governance::governance_contract_address();
  req.method = "getValidators";
  req.params = json::object{{"height", hex_u64(height)}};
  auto r = ctx.channel->call(req, std::nullopt);
  if (!r || !r->ok || !r->output.is_object()) return std::nullopt;
  return std::move(r->output.get_object());
}

// Every epoch after the genesis one (empty on a chain without governance). Which heights changed is
// only a hint: the client checks every change it is given.
std::vector<core::ValidatorEpoch> later_epochs(const RequestContext& ctx) {
  std::vector<core::ValidatorEpoch> out;
  auto v = governance_validators(ctx, 0);
  const json::value* scheduled = v ? v->if_contains("scheduled") : nullptr;
  if (!scheduled || !scheduled->is_array()) return out;
  for (const auto& e : scheduled->get_array()) {
    auto epoch = governance::model::epoch_from(e);
    if (epoch) out.push_back(std::move(*epoch));
  }
  return out;
}

// The set in force at `height` by the governance contract's latest state; nullopt without governance.
std::optional<core::ValidatorSet> set_at(const RequestContext& ctx, uint64_t height) {
  auto v = governance_validators(ctx, height);
  const json::value* vals = v ? v->if_contains("validators") : nullptr;
  if (!vals) return std::nullopt;
  auto epoch = governance::model::epoch_from(json::object{{"from", 0}, {"validators", *vals}});
  if (!epoch) return std::nullopt;
  return std::move(epoch->set);
}

}  // namespace

std::string get_header(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"height"}, /*required=*/true);
  const uint64_t height = *height_param(o, /*required=*/true);
  require_height_available(*ctx.channel, height);
  auto block = ctx.channel->block_by_height(height);
  if (!block) fail(ec::kNotFound, "not found: block " + hex_u64(height));
  // The set the header names as the next: from the governance contract, else the genesis set.
  core::ValidatorSet next = set_at(ctx, height + 1).value_or(ctx.channel->params().validator_set());
  json::object out{{"height", hex_u64(height)},
                   {"hash", block->hash().hex()},
                   {"header", to_hex(block->header.encode())},
                   {"nextValidators", governance::model::validators_json(next)}};
  return json::serialize(out);
}

std::string get_validator_changes(const RequestContext& ctx, const json::value* params) {
  const json::object* o = params_object(params, {"height"}, /*required=*/false);
  const uint64_t from = std::max<uint64_t>(height_param(o, /*required=*/false).value_or(1), 1);
  const uint64_t last = ctx.channel->last_height();
  json::array changes;
  std::optional<uint64_t> next;
  for (const auto& e : later_epochs(ctx)) {
    // Block H (committed) carries the QC of block H-1, the last of the set before.
    if (e.from_height < from || e.from_height < 2 || e.from_height > last) continue;
    if (changes.size() == kChangesPageMax) {
      next = e.from_height;
      break;
    }
    auto before = ctx.channel->block_by_height(e.from_height - 1);
    auto first = ctx.channel->block_by_height(e.from_height);
    if (!before || !first) fail(ec::kSystem, "system error: blocks " + hex_u64(e.from_height - 1) + ".." + hex_u64(e.from_height) + " are not available");
    changes.push_back(json::object{{"height", hex_u64(e.from_height)},
                                   {"header", to_hex(before->header.encode())},
                                   {"qc", to_hex(first->prev_qc.encode())},
                                   {"validators", governance::model::validators_json(e.set)}});
  }
  json::object out{{"changes", std::move(changes)}, {"last", hex_u64(last)}};
  if (next) out["next"] = hex_u64(*next);
  return json::serialize(out);
}

}  // namespace cx::rpc::proof
