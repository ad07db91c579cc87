#include "contracts/native.hpp"

#include <boost/json.hpp>

#include "contracts/store.hpp"

namespace cx::contracts {
namespace json = boost::json;
namespace {

json::value icon_hex(uint64_t n) { return json::value(Uint256(n).to_icon_hex()); }

CallResult get_step_price(Host& host, const json::value&) {
  return CallResult::success(json::value(host.params().step_price.to_icon_hex()));
}

CallResult get_max_step_limit(Host& host, const json::value&) {
  return CallResult::success(icon_hex(host.params().step_limit_max));
}

CallResult get_step_costs(Host& host, const json::value&) {
  const auto& c = host.params().step_costs;
  json::object o;
  o["default"] = icon_hex(c.default_cost);
  o["input"] = icon_hex(c.input_per_byte);
  o["contractCall"] = icon_hex(c.contract_call);
  o["eventLog"] = icon_hex(c.event_log);
  o["get"] = icon_hex(c.get);
  o["set"] = icon_hex(c.set);
  o["contractCreate"] = icon_hex(c.contract_create);
  o["contractUpdate"] = icon_hex(c.contract_update);
  o["contractSet"] = icon_hex(c.contract_set);
  return CallResult::success(std::move(o));
}

CallResult get_validators(Host& host, const json::value&) {
  json::array a;
  for (const auto& v : host.params().validators) a.push_back(json::value(v.to_string()));
  return CallResult::success(std::move(a));
}

CallResult get_treasury(Host& host, const json::value&) {
  return CallResult::success(json::value(host.params().treasury.to_string()));
}

CallResult get_total_supply(Host& host, const json::value&) {
  auto supply = host.total_supply();
  if (!supply) return CallResult::fail(supply.failure());
  return CallResult::success(json::value(supply->to_icon_hex()));
}

constexpr Access kRead = Access::kReadOnly;

constexpr NativeMethod kChainMethods[] = {
    {{"getStepPrice", kRead, Payable::kNo, 0, "", "int"}, get_step_price},
    {{"getStepCosts", kRead, Payable::kNo, 0, "", "dict"}, get_step_costs},
    {{"getMaxStepLimit", kRead, Payable::kNo, 0, "", "int"}, get_max_step_limit},
    {{"getValidators", kRead, Payable::kNo, 0, "", "list"}, get_validators},
    {{"getTreasury", kRead, Payable::kNo, 0, "", "Address"}, get_treasury},
    {{"getTotalSupply", kRead, Payable::kNo, 0, "", "int"}, get_total_supply},
};

}  // namespace

NativeContract::NativeContract(std::string_view name, std::span<const NativeMethod> methods)
    : m_name(name), m_methods(methods) {
  m_abi.reserve(methods.size());
  for (const auto& m : methods) {
    CX_ASSERT(m.run != nullptr);
    m_abi.push_back(m.abi);
  }
}

CallResult NativeContract::call(Host& host, size_t method, const json::value& params) const {
  CX_ASSERT(method < m_methods.size());
  return m_methods[method].run(host, params);
}

Address chain_contract_address() { return Address::contract(FixedBytes<20>{}); }

std::shared_ptr<const Contract> make_chain_contract() {
  return std::make_shared<const NativeContract>("chain", kChainMethods);
}

Registry make_native_registry() {
  Registry r;
  r.add_native(chain_contract_address(), make_chain_contract());
  r.add_native(store_contract_address(), make_store_contract());
  return r;
}

const Registry& default_registry() {
  static const Registry registry = make_native_registry();
  return registry;
}

}  // namespace cx::contracts
