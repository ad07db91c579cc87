#include "contracts/native.hpp"

#include <boost/json.hpp>

namespace cx::contracts {
namespace json = boost::json;
namespace {

// The chain contract exposes channel parameters read-only (ICON's getStepPrice, getStepCosts, ...).
class ChainContract final : public NativeContract {
 public:
  std::string_view name() const override { return "chain"; }
  std::span<const MethodAbi> abi() const override { return kAbi; }

  CallResult call(Host& host, const CallRequest& req, const MethodAbi& m) override {
    const auto& p = host.params();
    if (m.name == "getStepPrice") return CallResult::success(json::value(p.step_price.to_icon_hex()));
    if (m.name == "getMaxStepLimit") return CallResult::success(json::value(Uint256(p.step_limit_max).to_icon_hex()));
    if (m.name == "getStepCosts") {
      json::object o;
      o["default"] = Uint256(p.step_costs.default_cost).to_icon_hex();
      o["input"] = Uint256(p.step_costs.input_per_byte).to_icon_hex();
      o["contractCall"] = Uint256(p.step_costs.contract_call).to_icon_hex();
      o["eventLog"] = Uint256(p.step_costs.event_log).to_icon_hex();
      o["get"] = Uint256(p.step_costs.get).to_icon_hex();
      o["set"] = Uint256(p.step_costs.set).to_icon_hex();
      return CallResult::success(std::move(o));
    }
    if (m.name == "getValidators") {
      json::array a;
      for (const auto& v : p.validators) a.push_back(json::value(v.to_string()));
      return CallResult::success(std::move(a));
    }
    if (m.name == "getTreasury") return CallResult::success(json::value(p.treasury.to_string()));
    if (m.name == "getTotalSupply") return CallResult::success(json::value(host.total_supply().to_icon_hex()));
    return CallResult::fail(FailureCode::kMethodNotFound, "chain: no method " + req.method);
  }

 private:
  static constexpr MethodAbi kAbi[] = {
      {"getStepPrice", true, false, 0, "", "int"},
      {"getStepCosts", true, false, 0, "", "dict"},
      {"getMaxStepLimit", true, false, 0, "", "int"},
      {"getValidators", true, false, 0, "", "list"},
      {"getTreasury", true, false, 0, "", "Address"},
      {"getTotalSupply", true, false, 0, "", "int"},
  };
};

ChainContract g_chain;

}  // namespace

Address chain_contract_address() { return Address::contract(FixedBytes<20>{}); }

NativeContract* find_native(const Address& address) {
  if (address == chain_contract_address()) return &g_chain;
  return nullptr;
}

const MethodAbi* find_method(const NativeContract& c, std::string_view method) {
  for (const auto& m : c.abi())
    if (m.name == method) return &m;
  return nullptr;
}

CallResult call_native(Host& host, const CallRequest& req) {
  NativeContract* c = find_native(req.contract);
  if (!c) return CallResult::fail(FailureCode::kContractNotFound, "no contract at " + req.contract.to_string());
  const MethodAbi* m = find_method(*c, req.method);
  if (!m) return CallResult::fail(FailureCode::kMethodNotFound, std::string(c->name()) + " has no method '" + req.method + "'");
  if (!req.params.is_null() && !req.params.is_object())
    return CallResult::fail(FailureCode::kInvalidParameter, "params must be an object");
  if (!req.value.is_zero() && !m->payable)
    return CallResult::fail(FailureCode::kMethodNotPayable, std::string(m->name) + " does not accept value");
  if (!host.charge_steps(m->step_cost)) return CallResult::fail(FailureCode::kOutOfStep, "out of step");
  return c->call(host, req, *m);
}

}  // namespace cx::contracts
