#pragma once
// ACORE: contracts written in Lua 5.4 (COSSE white paper §6.4; DESIGN.md §5; docs/acore.md), deployed
// with ICON `deploy` txs and run in a sandbox with a step budget and a memory cap. This header is the
// seam between the Lua runtime (compile, invoke) and the rest of the chain (deploy and update txs, the
// code store in state, the registry's resolver, icx_getScoreApi).
//
// Deterministic, like the rest of the core: the same package and the same host calls give the same
// program, the same steps and the same results on every validator.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "base/bytes.hpp"
#include "contracts/contract.hpp"

namespace cx::acore {

// A contract's source: Lua files by their path in the package ("main.lua", "lib/util.lua"). A package
// always has main.lua, its entry. Text only: precompiled chunks are refused.
struct SourceFile {
  std::string path;
  std::string text;
};
struct Package {
  std::vector<SourceFile> files;  // sorted by path
};

// Why a package cannot be deployed, naming the file, line and cause (line 0: the package as a whole).
struct CodeError {
  std::string file;
  uint32_t line = 0;
  std::string message;
  std::string to_string() const;  // "main.lua:12: ..." or the message alone
};

// One entry of icx_getScoreApi, as goloop's doc/jsonrpc_v3.md shapes it.
struct AbiParam {
  std::string name;
  std::string type;                          // int, str, bytes, bool, Address, [] lists, struct
  bool indexed = false;                      // eventlog inputs
  bool optional = false;                     // function inputs with a default ("default" in the API)
  std::optional<std::string> default_value;  // the default in ICON's form ("0x10"); nullopt: null
  std::vector<AbiParam> fields;              // struct members
};
struct AbiEntry {
  enum class Kind { kFunction, kFallback, kEventLog };
  Kind kind = Kind::kFunction;
  std::string name;
  std::vector<AbiParam> inputs;
  std::vector<AbiParam> outputs;
  bool readonly = false;
  bool payable = false;
};

// A compiled, checked package: immutable, shared by every call of every contract deployed with it.
class Program {
 public:
  virtual ~Program() = default;
  virtual const Hash32& code_hash() const = 0;  // sha3-256 of the package's canonical encoding
  virtual const std::vector<AbiEntry>& api() const = 0;
  // The methods invoke() runs: first the externals (functions and the fallback, named "fallback"),
  // then on_install and on_update if the package declares them.
  virtual std::span<const contracts::MethodAbi> methods() const = 0;
  // The externals alone (a prefix of methods()): what a Contract exposes to txs and icx_call. A deploy
  // runs on_install / on_update by their index; no tx can call them.
  virtual std::span<const contracts::MethodAbi> externals() const = 0;
  virtual std::optional<size_t> install_method() const = 0;  // index in methods()
  virtual std::optional<size_t> update_method() const = 0;
};
using ProgramPtr = std::shared_ptr<const Program>;

// Compiles every file from text, runs the package's top level in the sandbox to collect its
// declarations (functions with their ABI, events), and checks them.
std::variant<ProgramPtr, CodeError> compile(const Package& package);

// Runs methods()[method] of `program` in the host's current frame (the contract's own storage,
// caller, value, read-only or not). Steps for the Lua instructions and every host call are charged to
// the host; a Lua error, an exhausted budget or memory cap, a revert with a user code all come back as
// a failed CallResult with the right failure code, never as a crash.
//
// Where it runs: in this process (invoke_here) unless an InvokeBackend is installed, as a node does to
// run contracts in executor processes apart from itself (src/executor, docs/executor.md). Either way
// the outcome is the same: the backend runs invoke_here in the executor with a host that mirrors this
// one.
contracts::CallResult invoke(const Program& program, contracts::Host& host, size_t method, const boost::json::value& params);
contracts::CallResult invoke_here(const Program& program, contracts::Host& host, size_t method,
                                  const boost::json::value& params);

// A Lua call a block is about to make from one of its txs (a call tx to a Lua contract), known
// before the block runs: what a backend may run ahead of time, all of the block's at once
// (docs/executor.md, "the block's plan"). Only a forecast: the call's frame at run time is matched
// against it, and what it read is checked against the state then, so a wrong forecast costs time,
// never a different result.
struct PlannedCall {
  ProgramPtr program;
  size_t method = 0;  // index in program->methods()
  boost::json::value params;
  contracts::Frame frame;
  contracts::TxInfo tx;
  uint64_t steps_max = 0;  // the most the call may get (the tx's step limit)
};
// Reads a contract's storage in the state the block's txs start from.
using PlanReader = std::function<std::optional<Bytes>(const contracts::Address& contract, BytesView key)>;

// Runs invoke() somewhere else. Installed once at process start (before any contract runs) and kept
// for the life of the process; called from several threads at once.
class InvokeBackend {
 public:
  virtual ~InvokeBackend() = default;
  virtual contracts::CallResult invoke(const Program& program, contracts::Host& host, size_t method,
                                       const boost::json::value& params) = 0;
  // The block this thread starts now will make `calls` in this order (BlockPlan); end_plan: it ended.
  virtual void plan_block(const contracts::BlockInfo& block, const core::StepCosts& costs, std::vector<PlannedCall> calls,
                          const PlanReader& read) {
    (void)block, (void)costs, (void)calls, (void)read;
  }
  virtual void end_plan() {}
};

// The Lua program behind a contract (as_contract's, or any contract that runs a program and says so
// by deriving from ProgramHolder); null for any other contract.
class ProgramHolder {
 public:
  virtual ~ProgramHolder() = default;
  virtual const ProgramPtr& program() const = 0;
};
const ProgramPtr* program_of(const contracts::Contract& contract);

// Whether invoke() on this thread goes to an installed backend (and so a BlockPlan is worth making).
bool runs_elsewhere();

// While one lives, the installed backend (if any, and unless ScopedInProcess) knows the block's
// planned calls; apply_block makes one before its txs run.
class BlockPlan {
 public:
  BlockPlan(const contracts::BlockInfo& block, const core::StepCosts& costs, std::vector<PlannedCall> calls,
            const PlanReader& read);
  ~BlockPlan();
  BlockPlan(const BlockPlan&) = delete;
  BlockPlan& operator=(const BlockPlan&) = delete;

 private:
  InvokeBackend* m_backend = nullptr;
};
// `backend` (or null: run in this process again). The caller keeps it alive while contracts may run.
void set_invoke_backend(InvokeBackend* backend);

// While one lives, invoke() on this thread runs in this process whatever backend is installed: the
// last resort of execution when executors keep being lost (execute.cpp), with the same result.
class ScopedInProcess {
 public:
  ScopedInProcess();
  ~ScopedInProcess();
  ScopedInProcess(const ScopedInProcess&) = delete;
  ScopedInProcess& operator=(const ScopedInProcess&) = delete;

 private:
  bool m_was;
};

// The source files a program was compiled from (sorted by path), or null for a program compile() did
// not make (a test runtime's). An executor backend sends them when the executor lacks the program.
const std::vector<SourceFile>* sources_of(const Program& program);

// The program as a contracts::Contract whose abi() is program->externals() (what the resolver hands
// to the registry). Its name is "acore:" and the first 8 hex digits of the code hash.
std::shared_ptr<const contracts::Contract> as_contract(ProgramPtr program);

}  // namespace cx::acore
