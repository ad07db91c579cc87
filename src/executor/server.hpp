#pragma once
// The executor process's side (docs/executor.md): compiles the packages the node sends (once per code
// hash), runs invokes with acore::invoke_here and a host (FrameHost) that meters steps locally, caches
// storage reads for the session, buffers writes and events, and asks the node only for what it cannot
// know. Nothing here decides an outcome the node's host would not: the node replays every buffered
// operation on its own host, in order, and its host has the last word.
#include <map>
#include <memory>
#include <utility>

#include "acore/acore.hpp"
#include "executor/conn.hpp"
#include "executor/wire.hpp"

namespace cx::executor {

// What the executor's hosts share (FrameHost for an invoke, PlanHost for a planned call): the frame of
// the invoke message, and steps metered locally with the node's prices, the charges recorded as ops.
class MeteredHost : public contracts::Host {
 public:
  explicit MeteredHost(const InvokeMsg& m) : m_msg(m), m_left(m.steps_left) { m_params.step_costs = m.step_costs; }
  const core::ChainParams& params() const override { return m_params; }
  const contracts::BlockInfo& block() const override { return m_msg.block; }
  const contracts::TxInfo& tx() const override { return m_msg.tx; }
  const contracts::Frame& frame() const override { return m_msg.frame; }
  uint64_t steps_left() const override { return m_failure ? 0 : m_left; }
  contracts::HostStatus charge_steps(uint64_t steps) override { return charge(steps, true); }

 protected:
  virtual void record(Op op) { m_ops.push_back(std::move(op)); }
  // Steps for work the node does not see (recorded) or will charge itself when it replays the op.
  contracts::HostStatus charge(uint64_t steps, bool recorded);
  core::Failure fail(core::Failure f) {
    m_failure = f;
    return f;
  }

  const InvokeMsg& m_msg;
  core::ChainParams m_params;
  uint64_t m_left;
  std::optional<core::Failure> m_failure;
  std::vector<Op> m_ops;
};

class Server {
 public:
  explicit Server(int fd) : m_conn(fd) {}
  // Serves sessions until the node closes the socket.
  void run();

  // Used by FrameHost (server.cpp).
  Conn& conn() { return m_conn; }
  // Sends `message` and serves nested invokes until the answer of type `expected` arrives.
  Bytes ask(const Bytes& message, MsgType expected);
  // Storage reads cached for the session: (contract, key) -> value (nullopt: no value).
  std::map<std::pair<Address, Bytes>, std::optional<Bytes>>& cache() { return m_cache; }
  // The node's state version (contracts::Host::state_version) as of a message: the cache is dropped
  // unless it names the state the cache was filled from.
  void sync(uint64_t state_version);
  // The program of `m.code_hash`: compiled before, or compiled now from m.package; null if neither.
  acore::ProgramPtr program(const InvokeMsg& m);
  // The storage keys the last plan used: the next plan reads them from the node in one round trip
  // first (only a guess of what it will read; the values are the new block's).
  std::vector<std::pair<Address, Bytes>>& plan_keys() { return m_plan_keys; }

 private:
  void invoke(Reader& r);

  Conn m_conn;
  std::map<Hash32, acore::ProgramPtr> m_programs;
  std::map<std::pair<Address, Bytes>, std::optional<Bytes>> m_cache;
  uint64_t m_version = 0;
  std::vector<std::pair<Address, Bytes>> m_plan_keys;
};

// Serves a kPlan message (plan.cpp): runs the block's planned calls ahead, in order, over the block's
// starting state (read from the node once per key) plus the planned calls' own writes, and sends their
// outcomes. The session's read cache is not used: what a plan saw is not yet the node's state.
void serve_plan(Server& server, Reader& r);

// `complexchain executor --fd N`: locks the process down (sandbox.hpp) and serves the node on fd N.
// Returns the process's exit code.
int run_executor(int fd);

}  // namespace cx::executor
