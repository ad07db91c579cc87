#pragma once
// The only door through which a contract (native, Lua, alpha) touches the world. Execution implements
// it over the block's journal (execution/exec_host.hpp); tests use a recording host.
//
// A contract runs in a call frame (`Frame`): which contract runs, who called it, the tx sender, the
// value that came with the call, how deep it is, and whether it may write. Every operation is charged
// in steps (core::StepCosts) to one budget shared by all frames of a tx. An operation that fails (out
// of step, a write in a read-only frame, a limit) fails the whole frame: the host remembers it,
// refuses every later operation with the same failure, and ends the frame with it whatever the
// contract returns, so the frame's writes are reverted even if the contract ignores the failure.
// A failed call() is different: it is the callee's result; the caller may go on.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include <boost/json/value.hpp>

#include "base/assert.hpp"
#include "base/bytes.hpp"
#include "base/uint256.hpp"
#include "core/chain_params.hpp"
#include "core/failure.hpp"
#include "core/receipt.hpp"

namespace cx::contracts {

using core::Address;

// Frames nested below a tx's (or icx_call's) own frame, which has depth 0. A call that would open a
// frame at a greater depth fails with kStackOverflow.
inline constexpr uint32_t kCallDepthMax = 64;

// "No step limit of its own": a callee may use whatever is left of its caller's budget.
inline constexpr uint64_t kAllSteps = UINT64_MAX;

struct BlockInfo {
  uint64_t height = 0;
  int64_t timestamp_us = 0;  // block time from the header; contracts never see the wall clock
};

// The tx whose execution opened the frames; all zero for an icx_call, which has no tx.
struct TxInfo {
  Hash32 hash;
  int64_t timestamp_us = 0;  // the tx's own timestamp (ICON's tx.timestamp), not the block's
  Uint256 nonce;
};

enum class Access { kWrite, kReadOnly };

struct Frame {
  Address contract;  // the contract running; storage_get/storage_set reach its storage only
  Address caller;    // the tx sender at depth 0, else the calling contract
  Address origin;    // the tx sender (icx_call: its `from`, zero if absent), the same in every frame
  Uint256 value;     // loop moved from caller to contract with this call (already credited)
  uint32_t depth = 0;
  Access access = Access::kWrite;  // kReadOnly: no storage write, event or value may leave this frame

  bool read_only() const { return access == Access::kReadOnly; }
};

// A call from one contract to another through Host::call.
struct CallArgs {
  Address contract;
  std::string method;
  boost::json::value params;  // object or null
  Uint256 value;              // moved from the calling contract to the callee, and back if the callee fails
  // kReadOnly opens a read-only frame; a read-only caller's callees are read-only whatever this says.
  Access access = Access::kWrite;
  // At most this many steps for the callee and its callees; what it leaves stays with the caller, so
  // a caller that bounds a callee can go on after the callee runs out of step.
  uint64_t step_limit = kAllSteps;
};

// The outcome of a host operation: a value, or the failure that has failed the frame.
template <typename T>
class [[nodiscard]] HostResult {
 public:
  HostResult(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
  HostResult(core::Failure failure) : m_v(std::in_place_index<1>, std::move(failure)) {}

  bool is_ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() { CX_ASSERT(is_ok()); return std::get<0>(m_v); }
  const T& value() const { CX_ASSERT(is_ok()); return std::get<0>(m_v); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const core::Failure& failure() const { CX_ASSERT(!is_ok()); return std::get<1>(m_v); }

 private:
  std::variant<T, core::Failure> m_v;
};

struct Done {};
using HostStatus = HostResult<Done>;
inline HostStatus host_ok() { return HostStatus(Done{}); }

struct CallResult {
  bool ok = true;
  core::FailureCode code = core::FailureCode::kUnknown;
  std::string message;
  boost::json::value output;  // returned value (icx_call's result)

  static CallResult success(boost::json::value out = nullptr) { CallResult r; r.output = std::move(out); return r; }
  static CallResult fail(core::FailureCode c, std::string m) { CallResult r; r.ok = false; r.code = c; r.message = std::move(m); return r; }
  static CallResult fail(core::Failure f) { return fail(f.code, std::move(f.message)); }
  core::Failure failure() const { CX_ASSERT(!ok); return core::make_failure(code, message); }
};

class Host {
 public:
  virtual ~Host() = default;
  virtual const core::ChainParams& params() const = 0;
  virtual const BlockInfo& block() const = 0;
  // The tx being executed (the same in every frame of it).
  virtual const TxInfo& tx() const = 0;
  // The frame the calling contract runs in; the reference stays valid until the contract returns.
  virtual const Frame& frame() const = 0;

  // The current contract's storage. Charges step_costs.get.
  virtual HostResult<std::optional<Bytes>> storage_get(BytesView key) = 0;
  // Charges step_costs.set; kAccessDenied in a read-only frame. nullopt deletes the key.
  virtual HostStatus storage_set(BytesView key, std::optional<BytesView> value) = 0;
  // Account state, charged step_costs.get each.
  virtual HostResult<Uint256> balance(const Address& account) = 0;
  virtual HostResult<Uint256> total_supply() = 0;
  // Charges step_costs.event_log; kAccessDenied in a read-only frame; kInvalidParameter above the
  // receipt's bounds (core::kLogItemsMax, ...). The log's score is set to the current contract.
  virtual HostStatus emit(core::EventLog log) = 0;
  // Moves `value` from the current contract to `to` (any account, a contract too, without running its
  // code) and records ICON's ICXTransfer event. Charges step_costs.get and step_costs.set (a balance
  // read and written); kAccessDenied in a read-only frame, kOutOfBalance if the contract has less.
  virtual HostStatus transfer(const Address& to, const Uint256& value) = 0;
  // Steps for work the host does not see (a VM's instructions, a native method's own work).
  virtual HostStatus charge_steps(uint64_t steps) = 0;
  // What charge_steps could take now in this frame without running out (0 once the frame failed). An
  // executor process (docs/executor.md) meters the frame with it, so it stops where this host would.
  virtual uint64_t steps_left() const = 0;
  // Names the state storage_get reads, up to the writes made through this host: if it is the same at
  // two moments, a key nobody set in between through storage_set reads the same. It changes with
  // another block or view and with every rollback. 0: unknown (nothing read may be reused). Only an
  // executor's read cache uses it; it is never part of a result.
  virtual uint64_t state_version() const { return 0; }
  // Runs `args.method` of `args.contract` in a new frame (caller = the current contract, depth + 1),
  // moving `args.value` to it first. Charges step_costs.contract_call to the caller; the callee's own
  // steps come from the same budget. If the callee fails, its writes, events and the value are
  // reverted and the failure is returned; the caller's frame goes on.
  virtual CallResult call(const CallArgs& args) = 0;
};

// Thrown through execution when the process that ran a contract (an ACORE executor) died, hung or
// broke its protocol: the outcome of the call is unknown, so the whole block (or icx_call) is run
// again from its start (execution::apply_block, execution::query). Never a result of a contract.
class RuntimeLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An icx_call (execution::query). It always runs read-only: any write is refused.
struct CallRequest {
  Address caller;             // the `from` of the icx_call, zero if absent; the frame's origin
  Address contract;
  Uint256 value;              // must be zero: a read-only call cannot move value
  std::string method;
  boost::json::value params;  // object or null
};

}  // namespace cx::contracts
