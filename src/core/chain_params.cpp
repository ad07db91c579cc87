#include "core/chain_params.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "base/assert.hpp"

namespace cx::core {
namespace json = boost::json;

std::string ChainParams::to_json() const {
  json::object o;
  o["channel"] = channel;
  o["nid"] = Uint256(nid).to_icon_hex();
  o["stepPrice"] = step_price.to_icon_hex();
  o["stepLimitMax"] = Uint256(step_limit_max).to_icon_hex();
  json::object costs;
  costs["default"] = Uint256(step_costs.default_cost).to_icon_hex();
  costs["input"] = Uint256(step_costs.input_per_byte).to_icon_hex();
  costs["contractCall"] = Uint256(step_costs.contract_call).to_icon_hex();
  costs["eventLog"] = Uint256(step_costs.event_log).to_icon_hex();
  costs["get"] = Uint256(step_costs.get).to_icon_hex();
  costs["set"] = Uint256(step_costs.set).to_icon_hex();
  // Added with deploys; written only when they differ from the defaults, so a genesis written before
  // keeps its JSON (and its chain id).
  const StepCosts defaults;
  if (step_costs.contract_create != defaults.contract_create)
    costs["contractCreate"] = Uint256(step_costs.contract_create).to_icon_hex();
  if (step_costs.contract_update != defaults.contract_update)
    costs["contractUpdate"] = Uint256(step_costs.contract_update).to_icon_hex();
  if (step_costs.contract_set != defaults.contract_set) costs["contractSet"] = Uint256(step_costs.contract_set).to_icon_hex();
  o["stepCosts"] = std::move(costs);
  o["treasury"] = treasury.to_string();
  o["txTimestampWindowUs"] = tx_timestamp_window_us;
  o["blockIntervalMs"] = block_interval_ms;
  o["blockTxMax"] = block_tx_max;
  json::array vals;
  // Unweighted: a list of addresses, as before weights (so an old genesis keeps its JSON and chain id).
  const bool weighted = !validator_weights.empty() || !validator_groups.empty();
  for (size_t i = 0; i < validators.size(); ++i) {
    if (!weighted) {
      vals.push_back(json::value(validators[i].to_string()));
      continue;
    }
    json::object v;
    v["address"] = validators[i].to_string();
    v["weight"] = i < validator_weights.size() ? validator_weights[i] : 1;
    if (i < validator_groups.size() && !validator_groups[i].empty()) v["group"] = validator_groups[i];
    vals.push_back(std::move(v));
  }
  o["validators"] = std::move(vals);
  json::array accs;
  for (const auto& a : accounts) {
    json::object acc;
    acc["address"] = a.address.to_string();
    acc["balance"] = a.balance.to_icon_hex();
    accs.push_back(std::move(acc));
  }
  o["accounts"] = std::move(accs);
  o["timestamp"] = Uint256(static_cast<uint64_t>(genesis_timestamp_us)).to_icon_hex();
  o["message"] = genesis_message;
  auto addresses = [](const std::vector<Address>& list) {
    json::array a;
    for (const auto& x : list) a.push_back(json::value(x.to_string()));
    return a;
  };
  // Off by default and then absent, as above.
  if (audit_enabled || !auditors.empty()) {
    o["auditEnabled"] = audit_enabled ? "0x1" : "0x0";
    o["auditors"] = addresses(auditors);
  }
  if (deployer_allow_list || !deployers.empty()) {
    o["deployerWhiteListEnabled"] = deployer_allow_list ? "0x1" : "0x0";
    o["deployers"] = addresses(deployers);
  }
  // Absent when empty, so a genesis written before members existed keeps its JSON (and chain id).
  if (!members.empty()) {
    json::array ms;
    for (const auto& m : members)
    {
      json::object e{{"address", m.address.to_string()}, {"role", std::string(to_string(m.role))}};
      // Governance fields, only when given (a genesis from before keeps its chain id).
      if (!m.institution.empty()) e["institution"] = m.institution;
      if (m.tier != 0) e["tier"] = m.tier;
      if (m.votes != 0) e["votes"] = m.votes;
      ms.push_back(std::move(e));
    }
    o["members"] = std::move(ms);
  }
  if (rpc_auth_signed) o["rpcAuth"] = "signed";
  if (rpc_auth_tls) o["rpcAuth"] = "tls";
  if (!governance_json.empty()) o["governance"] = json::parse(governance_json);
  if (ca) o["ca"] = json::object{{"name", ca->name}, {"ras", addresses(ca->ras)}, {"txPki", ca->tx_pki}};
  return json::serialize(o);
}

std::string_view to_string(MemberRole role) {
  switch (role) {
    case MemberRole::kValidator: return "validator";
    case MemberRole::kFollower: return "follower";
    case MemberRole::kClient: return "client";
  }
  return "?";
}

std::optional<MemberRole> ChainParams::role_of(const Address& a) const {
  for (const auto& v : validators)
    if (v == a) return MemberRole::kValidator;
  for (const auto& m : members)
    if (m.address == a) return m.role;
  return std::nullopt;
}

std::vector<Address> ChainParams::node_addresses() const {
  std::vector<Address> out = validators;
  for (const auto& m : members)
    if (m.role == MemberRole::kFollower && std::find(out.begin(), out.end(), m.address) == out.end())
      out.push_back(m.address);
  return out;
}

ValidatorSet ChainParams::validator_set() const {
  std::vector<Validator> vs;
  vs.reserve(validators.size());
  for (size_t i = 0; i < validators.size(); ++i)
    vs.push_back(Validator{validators[i], i < validator_weights.size() ? validator_weights[i] : 1,
                           i < validator_groups.size() ? validator_groups[i] : std::string()});
  auto set = ValidatorSet::make(std::move(vs));
  CX_ASSERT_MSG(set.is_ok(), set.message().c_str());
  return std::move(*set);
}

}  // namespace cx::core
