#pragma once
// Native system contracts (C++): each a static table of methods, each method with its ABI (including
// its step cost) and its handler. They are registered by address in the chain's Registry.
#include <memory>
#include <span>
#include <vector>

#include "contracts/contract.hpp"

namespace cx::contracts {

using NativeHandler = CallResult (*)(Host& host, const boost::json::value& params);

struct NativeMethod {
  MethodAbi abi;
  NativeHandler run;
};

// A contract made of a static method table. `methods` must outlive it (a static array).
class NativeContract final : public Contract {
 public:
  NativeContract(std::string_view name, std::span<const NativeMethod> methods);
  std::string_view name() const override { return m_name; }
  std::span<const MethodAbi> abi() const override { return m_abi; }
  CallResult call(Host& host, size_t method, const boost::json::value& params) const override;

 private:
  std::string_view m_name;
  std::span<const NativeMethod> m_methods;
  std::vector<MethodAbi> m_abi;  // m_methods' ABIs, in order: index i is m_methods[i]
};

// The address where the chain contract lives: cx0000000000000000000000000000000000000000 (ICON's
// system address, also the deploy target).
Address chain_contract_address();

// The chain contract: channel parameters, read-only (ICON's getStepPrice, getStepCosts, ...).
std::shared_ptr<const Contract> make_chain_contract();

// A registry holding the chain's native contracts (the chain contract and the ACORE Store,
// contracts/store.hpp). Tests and, later, a
// channel's configuration add to it.
Registry make_native_registry();

// The registry execution uses when its BlockContext names none: make_native_registry(), built once.
const Registry& default_registry();

}  // namespace cx::contracts
