#include "acore/score_api.hpp"

#include "acore/resolver.hpp"

namespace cx::acore {

namespace {

std::vector<AbiParam> parse_inputs(std::string_view inputs) {
  std::vector<AbiParam> out;
  while (!inputs.empty()) {
    const size_t comma = inputs.find(',');
    std::string_view one = inputs.substr(0, comma);
    inputs = comma == std::string_view::npos ? std::string_view() : inputs.substr(comma + 1);
    const size_t colon = one.find(':');
    AbiParam p;
    p.name = std::string(one.substr(0, colon));
    p.type = colon == std::string_view::npos ? "str" : std::string(one.substr(colon + 1));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

std::vector<AbiEntry> native_api(const contracts::Contract& contract) {
  std::vector<AbiEntry> out;
  for (const auto& m : contract.abi()) {
    AbiEntry e;
    e.name = std::string(m.name);
    e.inputs = parse_inputs(m.inputs);
    if (!m.output.empty()) e.outputs.push_back(AbiParam{"", std::string(m.output), false, false, std::nullopt, {}});
    e.readonly = m.access == contracts::Access::kReadOnly;
    e.payable = m.payable == contracts::Payable::kYes;
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::vector<AbiEntry>> score_api(const state::StateReader& state, const contracts::Registry& registry,
                                               const Address& address) {
  if (!address.is_contract) return std::nullopt;
  if (registry.has_native(address)) return native_api(*registry.find(state, address));
  const auto* resolver = dynamic_cast<const Resolver*>(registry.resolver());
  auto info = read_contract_info(state, address);
  if (!resolver || !info || !info->current) return std::nullopt;
  auto compiled = resolver->compile_stored(state, info->current->code_hash);
  if (!std::holds_alternative<std::shared_ptr<const Resolver::Compiled>>(compiled)) return std::nullopt;
  return std::get<0>(compiled)->program->api();
}

}  // namespace cx::acore
