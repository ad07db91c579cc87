#pragma once
// An in-memory contracts::Host with a step budget, for running a program without a chain: acore's
// tests (test_host.hpp) and the Lua contract fuzz target use it. Storage is a map; balances, calls
// to other contracts and the chain are stubs.
#include <map>
#include <optional>
#include <vector>

#include "acore/acore.hpp"

namespace cx::acore::testing {

using contracts::CallResult;
using core::Address;
using core::FailureCode;

class MemoryHost final : public contracts::Host {
 public:
  core::ChainParams chain;
  contracts::BlockInfo block_info{7, 1'700'000'000'000'000};
  contracts::TxInfo tx_info;
  contracts::Frame current;
  std::map<Bytes, Bytes> storage;
  std::vector<core::EventLog> logs;
  std::vector<std::pair<Address, Uint256>> transfers;
  uint64_t budget = 100'000'000;
  uint64_t used = 0;
  std::optional<core::Failure> failure;

  MemoryHost() {
    current.contract = *Address::parse("cx00000000000000000000000000000000000000aa");
    current.caller = *Address::parse("hx0000000000000000000000000000000000000001");
    current.origin = current.caller;
  }

  const core::ChainParams& params() const override { return chain; }
  const contracts::BlockInfo& block() const override { return block_info; }
  const contracts::TxInfo& tx() const override { return tx_info; }
  const contracts::Frame& frame() const override { return current; }
  contracts::HostResult<std::optional<Bytes>> storage_get(BytesView key) override {
    if (auto s = charge_steps(chain.step_costs.get); !s) return s.failure();
    auto it = storage.find(Bytes(key.begin(), key.end()));
    return it == storage.end() ? std::optional<Bytes>() : std::optional<Bytes>(it->second);
  }
  contracts::HostStatus storage_set(BytesView key, std::optional<BytesView> value) override {
    if (failure) return *failure;
    if (current.read_only()) return fail({FailureCode::kAccessDenied, "storage write in a read-only call"});
    if (auto s = charge_steps(chain.step_costs.set); !s) return s;
    if (value) storage[Bytes(key.begin(), key.end())] = Bytes(value->begin(), value->end());
    else storage.erase(Bytes(key.begin(), key.end()));
    return contracts::host_ok();
  }
  contracts::HostResult<Uint256> balance(const Address&) override { return Uint256(5); }
  contracts::HostResult<Uint256> total_supply() override { return Uint256(1000); }
  contracts::HostStatus emit(core::EventLog log) override {
    if (failure) return *failure;
    if (current.read_only()) return fail({FailureCode::kAccessDenied, "event log in a read-only call"});
    logs.push_back(std::move(log));
    return contracts::host_ok();
  }
  contracts::HostStatus transfer(const Address& to, const Uint256& value) override {
    if (failure) return *failure;
    if (current.read_only()) return fail({FailureCode::kAccessDenied, "transfer from a read-only call"});
    transfers.emplace_back(to, value);
    return contracts::host_ok();
  }
  contracts::HostStatus charge_steps(uint64_t steps) override {
    if (failure) return *failure;
    if (steps > budget - used) {
      used = budget;
      return fail({FailureCode::kOutOfStep, "out of step"});
    }
    used += steps;
    return contracts::host_ok();
  }
  uint64_t steps_left() const override { return failure ? 0 : budget - used; }
  CallResult call(const contracts::CallArgs&) override { return CallResult::fail(FailureCode::kContractNotFound, "no calls here"); }

  // Ready for the next call: the failure and steps of the last one forgotten.
  void reset() {
    failure.reset();
    used = 0;
    current.access = contracts::Access::kWrite;
  }

 private:
  core::Failure fail(core::Failure f) {
    failure = f;
    return f;
  }
};

}  // namespace cx::acore::testing
