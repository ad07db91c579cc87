#pragma once
// The Host that execution gives contracts: call frames over the block's journal, one step budget per
// tx (or icx_call), and the event logs of the frames that succeeded. See contracts/host.hpp for what
// each operation promises.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "contracts/contract.hpp"
#include "execution/execute.hpp"
#include "execution/journal.hpp"

namespace cx::execution {

class ExecHost final : public contracts::Host {
 public:
  // `step_budget`: steps the contracts may use in all, on top of the tx's intrinsic steps. `tx`: the tx
  // being executed (all zero for an icx_call).
  ExecHost(Journal& journal, const BlockContext& ctx, const contracts::Registry& registry, uint64_t step_budget,
           const contracts::TxInfo& tx = {});

  // Runs `method` of `contract` in the outermost frame (depth 0): a call tx's call, or an icx_call.
  // If it fails, every write since it began is rolled back and its events are dropped.
  contracts::CallResult run(const contracts::Frame& frame, const contracts::Contract& contract, std::string_view method,
                            const boost::json::value& params);

  uint64_t steps_used() const { return m_used; }
  // The events of the frames that succeeded, in the order they were emitted.
  std::vector<core::EventLog> take_logs() { return std::move(m_logs); }
  // Lifts the receipt's bound on event logs, for work that has no receipt (begin-block: its logs are
  // dropped, and the bound must not limit how many timers fire).
  void unbounded_logs() { m_logs_max = SIZE_MAX; }

  const core::ChainParams& params() const override { return m_params; }
  const contracts::BlockInfo& block() const override { return m_block; }
  const contracts::TxInfo& tx() const override { return m_tx; }
  const contracts::Frame& frame() const override;
  contracts::HostResult<std::optional<Bytes>> storage_get(BytesView key) override;
  contracts::HostStatus storage_set(BytesView key, std::optional<BytesView> value) override;
  contracts::HostResult<Uint256> balance(const core::Address& account) override;
  contracts::HostResult<Uint256> total_supply() override;
  contracts::HostStatus emit(core::EventLog log) override;
  contracts::HostStatus transfer(const core::Address& to, const Uint256& value) override;
  contracts::HostStatus charge_steps(uint64_t steps) override;
  uint64_t steps_left() const override;
  uint64_t state_version() const override { return m_journal.version(); }
  contracts::CallResult call(const contracts::CallArgs& args) override;

 private:
  // A frame on the C++ stack of the call that runs it; frames form a list through `parent`, so a
  // contract's reference to its frame stays valid while it calls others.
  struct ActiveFrame {
    contracts::Frame frame;
    uint64_t step_ceiling;                 // m_used never passes it while this frame runs
    std::optional<core::Failure> failure;  // set once an operation failed the frame
    ActiveFrame* parent = nullptr;
  };

  // Selects the method, charges its step cost and runs it with `f` as the current frame. Does not
  // roll back: the caller (run or call) holds the checkpoint that also covers the value it moved.
  contracts::CallResult run_frame(ActiveFrame& f, const contracts::Contract& contract, std::string_view method,
                                  const boost::json::value& params);
  // Everything call() checks before a frame opens; nullopt if the call may go ahead.
  std::optional<contracts::CallResult> refuse_call(const contracts::CallArgs& args, contracts::Access access);
  // Fails the current frame with `failure` and returns it.
  core::Failure fail_frame(core::Failure failure);
  contracts::HostStatus charge(uint64_t steps);
  // The current frame's failure, if an operation failed it: every later operation returns it.
  const std::optional<core::Failure>& frame_failure() const;
  // Whether one more event fits in the receipt, with room left for the tx's own ICXTransfer event.
  bool logs_full() const { return m_logs.size() + 1 >= m_logs_max; }

  Journal& m_journal;
  const core::ChainParams& m_params;
  contracts::BlockInfo m_block;
  contracts::TxInfo m_tx;
  const contracts::Registry& m_registry;
  uint64_t m_budget;
  uint64_t m_used = 0;
  ActiveFrame* m_current = nullptr;
  std::vector<core::EventLog> m_logs;
  size_t m_logs_max = core::kReceiptLogsMax;
};

}  // namespace cx::execution
