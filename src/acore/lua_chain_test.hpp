#pragma once
// Test helper (header-only, for acore's tests; a *_test.hpp, so it may reach execution): Lua programs
// deployed at fixed addresses of a ProbeChain (execution's journal over genesis state), txs and
// icx_calls to them, the examples' sources, and the state root of what the txs wrote.
#include <fstream>
#include <sstream>

#include "acore/test_host.hpp"
#include "execution/test_probe.hpp"
#include "state/world_state.hpp"
#include "storage/kv_store.hpp"

namespace cx::acore::testing {

using execution::testing::contract_address;
using execution::testing::ProbeChain;
using execution::testing::user;

// A Lua program at an address, with every method callable (on_install too, as a deploy would run it).
class Deployed final : public contracts::Contract {
 public:
  explicit Deployed(ProgramPtr p) : m_program(std::move(p)) {}
  std::string_view name() const override { return "lua"; }
  std::span<const contracts::MethodAbi> abi() const override { return m_program->methods(); }
  contracts::CallResult call(contracts::Host& host, size_t method, const json::value& params) const override {
    return invoke(*m_program, host, method, params);
  }

 private:
  ProgramPtr m_program;
};

struct LuaChain : ProbeChain {
  // The root of a fresh trie holding genesis and everything the txs so far wrote.
  Hash32 state_root() {
    journal->commit();
    const storage::Schema schema{state::kTrieNodesColumn};
    auto kv = storage::make_memory_store(schema);
    auto ws = state::make_world_state(*kv);
    state::StateChanges all = execution::genesis_changes(params);
    for (const auto& [k, v] : journal->take_changes()) {
      all[k] = v;
      journal->set(k, v);  // the chain goes on
    }
    journal->commit();
    return ws->apply(state::empty_root(), all);
  }
  Address deploy(const ProgramPtr& p, uint8_t n) {
    const Address a = contract_address(static_cast<uint8_t>(0x40 + n));
    registry.add_native(a, std::make_shared<Deployed>(p));
    return a;
  }
  core::Receipt send_from(const Address& from, const Address& to, std::string_view method, json::value params,
                          Uint256 value = 0) {
    execution::testing::TxFields f;
    f.from = from;
    f.to = to;
    f.value = value;
    f.data = execution::testing::call_data(method, std::move(params));
    return send(f);
  }
};

inline std::string read_example(const std::string& path) {
  std::ifstream in(std::string(CX_SOURCE_DIR) + "/examples/contracts/" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string failure_of(const core::Receipt& rc) {
  return rc.success ? "ok" : std::to_string(core::code_value(rc.failure->code)) + " " + rc.failure->message;
}

}  // namespace cx::acore::testing
