#include "contracts/contract.hpp"

namespace cx::contracts {

using core::FailureCode;

namespace {
// Method names come from txs and calls; messages quote at most this much of one.
constexpr size_t kQuotedNameBytesMax = 64;
}  // namespace

std::variant<size_t, core::Failure> select_method(const Contract& c, std::string_view method,
                                                  const boost::json::value& params, const Frame& frame) {
  const auto abi = c.abi();
  size_t index = 0;
  while (index < abi.size() && abi[index].name != method) ++index;
  if (index == abi.size())
    return core::Failure{FailureCode::kMethodNotFound, std::string(c.name()) + " has no method '" +
                                                            core::clip_utf8(method, kQuotedNameBytesMax) + "'"};
  const MethodAbi& m = abi[index];
  if (!params.is_null() && !params.is_object())
    return core::Failure{FailureCode::kInvalidParameter, "params must be an object"};
  if (!frame.value.is_zero() && m.payable == Payable::kNo)
    return core::Failure{FailureCode::kMethodNotPayable, std::string(m.name) + " does not accept value"};
  if (frame.read_only() && m.access != Access::kReadOnly)
    return core::Failure{FailureCode::kAccessDenied,
                         "method " + std::string(m.name) + " writes state: a read-only call cannot run it (send a tx instead)"};
  return index;
}

void Registry::add_native(const Address& address, std::shared_ptr<const Contract> contract) {
  CX_ASSERT(address.is_contract && contract);
  const bool added = m_natives.emplace(address, std::move(contract)).second;
  CX_ASSERT_MSG(added, "two native contracts at one address");
}

void Registry::set_resolver(std::shared_ptr<const ContractResolver> resolver) { m_resolver = std::move(resolver); }

std::shared_ptr<const Contract> Registry::find(const state::StateReader& state, const Address& address) const {
  if (!address.is_contract) return nullptr;
  if (auto it = m_natives.find(address); it != m_natives.end()) return it->second;
  return m_resolver ? m_resolver->resolve(state, address) : nullptr;
}

}  // namespace cx::contracts
