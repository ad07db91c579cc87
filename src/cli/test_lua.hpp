#pragma once
// The Lua side of `complexchain contract test` (docs/acore.md "Testing a contract"): a test script's
// own Lua state (not the contract sandbox) with the `chain` object over a TestChain, the assertions,
// and bounds (instructions, memory, wall-clock time) so a runaway test ends with a clear message.
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "cli/test_chain.hpp"

struct lua_State;

namespace cx::cli {

struct TestLimits {
  uint64_t instructions = 200'000'000;  // Lua VM instructions of the test script itself
  size_t memory_bytes = 256u << 20;
  int64_t wall_us = 30'000'000;         // the contract code the chain runs included
};

class TestScript {
 public:
  // `contract_dir` is where chain:deploy finds the contract (and dir= paths are relative to it).
  TestScript(TestChain& chain, std::string contract_dir, const TestLimits& limits);
  ~TestScript();
  TestScript(const TestScript&) = delete;
  TestScript& operator=(const TestScript&) = delete;

  // Runs the file's chunk (defining its functions); `chunk_name` is how positions name it.
  Status load(const std::string& source, const std::string& chunk_name);
  // The global functions whose names start with "test_", in name order.
  std::vector<std::string> test_names();
  // Calls the global function `name`: ok, or the error with its file:line.
  Status run(const std::string& name);

  struct State;  // what the C functions reach through the Lua registry

 private:
  lua_State* m_L = nullptr;
  std::unique_ptr<State> m_state;
};

}  // namespace cx::cli
