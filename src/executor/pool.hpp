#pragma once
// The node's side of the ACORE executors (docs/executor.md): an acore::InvokeBackend that runs every
// Lua invoke in an executor process. The pool starts processes on demand (up to `processes`), gives
// each top-level invoke one of them for its whole session (nested invokes of that session, on the same
// thread, reuse it), and serves the executor's requests on the caller's host while it waits.
//
// If an executor dies, hangs past `hang_timeout_ms`, or breaks the protocol, the pool kills it, starts
// another on the next invoke, and throws contracts::RuntimeLost: execution runs the block (or the
// icx_call) again from its start, so the result never depends on the crash.
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acore/acore.hpp"
#include "base/mutex.hpp"
#include "executor/conn.hpp"
#include "executor/wire.hpp"

namespace cx::executor {

struct PoolOptions {
  size_t processes = 2;
  // Only to notice a hung executor (which is then killed and the block run again); never a result.
  int hang_timeout_ms = 120'000;
  // The executable started as `EXE executor --fd 3`; a node starts itself.
  std::string executable = "/proc/self/exe";
  // Tests: called with the executor's pid before each request from it is served (counted from 1
  // per pool), e.g. to kill it in the middle of a block.
  std::function<void(uint64_t request, pid_t pid)> before_request;
};

struct PoolStats {
  uint64_t invokes = 0;      // invoke messages sent (nested ones included)
  uint64_t round_trips = 0;  // requests and results received from executors
  uint64_t programs_sent = 0;
  uint64_t restarts = 0;     // executors lost and replaced
  uint64_t plans = 0;        // blocks whose planned calls an executor ran ahead
  uint64_t planned_used = 0; // invokes answered from a plan, with no round trip of their own
  uint64_t plans_broken = 0; // plans that a read contradicted (the block ran again without one)
};

class ExecutorPool final : public acore::InvokeBackend {
 public:
  explicit ExecutorPool(PoolOptions options = {});
  ~ExecutorPool() override;  // kills and reaps the processes (no session may be running)

  contracts::CallResult invoke(const acore::Program& program, contracts::Host& host, size_t method,
                               const boost::json::value& params) override;

  // The block's planned calls run ahead in one session (docs/executor.md, "The block's plan"); the
  // invokes of this thread's block that match them are answered from their outcomes.
  void plan_block(const contracts::BlockInfo& block, const core::StepCosts& costs, std::vector<acore::PlannedCall> calls,
                  const acore::PlanReader& read) override;
  void end_plan() override;

  PoolStats stats() const;
  // The pids of the executors running now.
  std::vector<pid_t> pids() const;

  struct Worker;

 private:
  Worker* acquire();
  void release(Worker* w, bool broken);
  // `drop_cache`: the executor's read cache may be stale (InvokeMsg::drop_cache).
  contracts::CallResult run(Worker& w, const acore::Program& program, contracts::Host& host, size_t method,
                            const boost::json::value& params, bool drop_cache);
  // Whether `w` must drop its read cache for a session at `state_version`: unless the last session
  // (at any version) ran on `w` at that same version, another executor may have written since.
  bool stale_cache(const Worker* w, uint64_t state_version);
  // Runs the plan's session on `w`; the outcomes, one per call, or nullopt if the executor was lost.
  std::optional<std::vector<PlannedOutcome>> run_plan(Worker& w, const Bytes& request, size_t calls,
                                                      const acore::PlanReader& read);
  // The planned outcome of this invoke, replayed on `host`, if the plan foresaw it exactly.
  std::optional<contracts::CallResult> take_planned(const acore::Program& program, contracts::Host& host, size_t method,
                                                    const boost::json::value& params);
  // Serves one message from the executor; true with `out` set when it was the invoke's result.
  bool serve(Worker& w, Reader& r, MsgType t, contracts::Host& host, contracts::CallResult& out);

  PoolOptions m_options;
  mutable Mutex m_mutex;
  CondVar m_free;
  std::vector<std::unique_ptr<Worker>> m_workers GUARDED_BY(m_mutex);  // running processes
  std::vector<Worker*> m_idle GUARDED_BY(m_mutex);
  const Worker* m_last_worker GUARDED_BY(m_mutex) = nullptr;  // ran the last session to start
  uint64_t m_last_version GUARDED_BY(m_mutex) = 0;            // at this state version
  std::atomic<uint64_t> m_invokes{0}, m_round_trips{0}, m_programs_sent{0}, m_restarts{0};
  std::atomic<uint64_t> m_plans{0}, m_planned_used{0}, m_plans_broken{0};
};

}  // namespace cx::executor
