#pragma once
// Native system contracts, registered by address in one table, each with a static ABI.
#include <span>
#include <string_view>

#include "contracts/host.hpp"

namespace cx::contracts {

struct MethodAbi {
  std::string_view name;
  bool read_only;
  bool payable;
  uint64_t step_cost;      // charged on entry in addition to the tx's default steps
  std::string_view inputs;  // comma-separated "name:type", documentation and icx_getScoreApi
  std::string_view output;
};

class NativeContract {
 public:
  virtual ~NativeContract() = default;
  virtual std::string_view name() const = 0;
  virtual std::span<const MethodAbi> abi() const = 0;
  virtual CallResult call(Host& host, const CallRequest& req, const MethodAbi& method) = 0;
};

// The address where the chain contract lives: cx0000000000000000000000000000000000000000 (ICON's
// system address, also the deploy target).
Address chain_contract_address();

// nullptr if no native contract lives at `address`.
NativeContract* find_native(const Address& address);
const MethodAbi* find_method(const NativeContract& c, std::string_view method);

// Dispatches a call: finds the contract and method, checks payable/read-only, charges the method's
// steps, then calls it. All failures come back as CallResult with an ICON failure code.
CallResult call_native(Host& host, const CallRequest& req);

}  // namespace cx::contracts
