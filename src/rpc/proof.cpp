#include "rpc/proof.hpp"

#include "execution/accounts.hpp"
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

}  // namespace cx::rpc::proof
