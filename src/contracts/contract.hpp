#pragma once
// What every kind of contract is to execution: a name, an ABI, and a call through the Host. Native
// contracts (C++, contracts/native.hpp) are registered by address in a Registry; contracts whose code
// is loaded from state (ACORE's Lua contracts) are found through the registry's resolver.
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <variant>

#include "contracts/host.hpp"
#include "state/world_state.hpp"

namespace cx::contracts {

enum class Payable { kNo, kYes };

struct MethodAbi {
  std::string_view name;
  Access access;            // kReadOnly: callable from icx_call; always runs in a read-only frame
  Payable payable;          // kYes: accepts value
  uint64_t step_cost;       // charged on entry, on top of the host's per-operation charges
  std::string_view inputs;  // comma-separated "name:type", documentation and icx_getScoreApi
  std::string_view output;
};

class Contract {
 public:
  virtual ~Contract() = default;
  virtual std::string_view name() const = 0;
  virtual std::span<const MethodAbi> abi() const = 0;
  // Runs abi()[method] in the host's current frame (host.frame()), after select_method() accepted the
  // call and its step cost was charged. Everything the contract reads or writes goes through `host`.
  virtual CallResult call(Host& host, size_t method, const boost::json::value& params) const = 0;
};

// Checks a call against the callee's ABI before a frame runs it: the method exists, params are an
// object or null, value only to a payable method, and a read-only frame calls only read-only methods.
// Returns the method's index in c.abi(), or the failure.
std::variant<size_t, core::Failure> select_method(const Contract& c, std::string_view method,
                                                  const boost::json::value& params, const Frame& frame);

// ACORE's hook (next issue): finds contracts whose code lives in state, deployed by `deploy` txs.
// The registry asks it about addresses that are not in its native table. It must be deterministic
// (the same state gives the same contract) and safe to call from several threads at once.
class ContractResolver {
 public:
  virtual ~ContractResolver() = default;
  // The contract at `address` as of `state` (which includes the writes of the block so far, so a
  // contract deployed earlier in the block is found), or null if there is none.
  virtual std::shared_ptr<const Contract> resolve(const state::StateReader& state, const Address& address) const = 0;
};

// Where the contracts are: native contracts by address, then the resolver. Built once and then only
// read (from execution and RPC threads at once).
class Registry {
 public:
  // `address` must be a contract (cx) address not registered yet.
  void add_native(const Address& address, std::shared_ptr<const Contract> contract);
  void set_resolver(std::shared_ptr<const ContractResolver> resolver);

  // The contract at `address`, or null.
  std::shared_ptr<const Contract> find(const state::StateReader& state, const Address& address) const;
  bool has_native(const Address& address) const { return m_natives.count(address) != 0; }
  // The resolver set with set_resolver, or null. Deploys use it to reach the runtime behind it.
  const ContractResolver* resolver() const { return m_resolver.get(); }

 private:
  std::map<Address, std::shared_ptr<const Contract>> m_natives;
  std::shared_ptr<const ContractResolver> m_resolver;
};

}  // namespace cx::contracts
