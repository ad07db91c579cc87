#include "executor/pool.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "base/metrics.hpp"

namespace cx::executor {

namespace {
// An executor process lost (crashed, hung, broke the protocol) and replaced: what operators watch.
metrics::Counter& restarts_metric() {
  static metrics::Counter& restarts = metrics::global().counter(
      "complexchain_executor_restarts_total", "ACORE executor processes lost and replaced.");
  return restarts;
}
}  // namespace

namespace json = boost::json;
using contracts::CallResult;
using contracts::Host;

struct ExecutorPool::Worker {
  pid_t pid = -1;
  std::unique_ptr<Conn> conn;
  std::set<Hash32> programs;  // code hashes this executor has compiled (as far as the node knows)
};

namespace {

// The invoke session this thread is serving, if any: a nested invoke (a Lua contract called by one
// that runs in an executor) goes to the same executor, which waits for it.
thread_local ExecutorPool::Worker* t_session = nullptr;

std::unique_ptr<ExecutorPool::Worker> spawn(const std::string& executable, int timeout_ms) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw contracts::RuntimeLost(std::string("cannot start an ACORE executor: socketpair: ") + strerror(errno));
  const std::string fd = std::to_string(sv[1]);
  const char* argv[] = {"complexchain", "executor", "--fd", fd.c_str(), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    throw contracts::RuntimeLost(std::string("cannot start an ACORE executor: fork: ") + strerror(errno));
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    fcntl(sv[1], F_SETFD, 0);
    execv(executable.c_str(), const_cast<char* const*>(argv));
    _exit(127);
  }
  close(sv[1]);
  auto w = std::make_unique<ExecutorPool::Worker>();
  w->pid = pid;
  w->conn = std::make_unique<Conn>(sv[0], timeout_ms);
  return w;
}

// Replays `ops` on the host, in order; false as soon as a read (a plan's) finds another value than the
// executor saw. Every operation's failure fails the frame on the host, which remembers it: the results
// are not needed here (the frame's outcome is the host's).
bool replay(Host& host, const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    if (auto* c = std::get_if<OpCharge>(&op)) {
      (void)host.charge_steps(c->steps);
    } else if (auto* s = std::get_if<OpSet>(&op)) {
      (void)host.storage_set(s->key, s->value ? std::optional<BytesView>(*s->value) : std::nullopt);
    } else if (auto* rd = std::get_if<OpRead>(&op)) {
      auto v = host.storage_get(rd->key);
      if (v && *v != rd->value) return false;
    } else {
      (void)host.emit(std::get<OpEmit>(op).log);
    }
  }
  return true;
}

// The values of the keys a plan prefetches, in the block's starting state; past half a message the
// rest are marked not sent (the executor reads them one by one if it needs them).
Bytes prefetch_answer(Reader& r, const acore::PlanReader& read) {
  const uint32_t n = r.u32();
  if (n > kPrefetchKeysMax) throw ProtocolError("too many keys to prefetch");
  Writer answer(MsgType::kPlanPrefetchReply);
  for (uint32_t i = 0; i < n; ++i) {
    const Address contract = r.address();
    const BytesView key = r.bytes();
    if (answer.size() > kMessageBytesMax / 2) {
      answer.u8(kPrefetchNotSent);
      continue;
    }
    const std::optional<Bytes> value = read(contract, key);
    answer.u8(value ? kPrefetchPresent : kPrefetchAbsent);
    if (value) answer.bytes(*value);
  }
  r.end();
  return answer.data();
}

// This thread's block plan (ExecutorPool::plan_block), while its block runs.
struct PlanState {
  const ExecutorPool* pool = nullptr;
  contracts::BlockInfo block;
  core::StepCosts costs;
  std::vector<acore::PlannedCall> calls;
  std::vector<PlannedOutcome> outcomes;
  size_t next = 0;     // calls before this one were used or passed over
  bool live = true;    // false once the block went another way than planned: the rest runs as usual
};
thread_local std::unique_ptr<PlanState> t_plan;
// A plan was contradicted: the block runs again, and that run makes no plan.
thread_local bool t_skip_plan = false;

// Whether an outcome the block passed over (its tx never invoked the call) changed what later planned
// calls saw.
bool leaves_writes(const PlannedOutcome& o) {
  return o.available && o.result.ok && std::any_of(o.ops.begin(), o.ops.end(), [](const Op& op) {
           return std::holds_alternative<OpSet>(op);
         });
}

bool same_frame(const contracts::Frame& a, const contracts::Frame& b) {
  return a.contract == b.contract && a.caller == b.caller && a.origin == b.origin && a.value == b.value &&
         a.depth == b.depth && a.access == b.access;
}

bool same_costs(const core::StepCosts& a, const core::StepCosts& b) {
  return a.get == b.get && a.set == b.set && a.event_log == b.event_log && a.contract_call == b.contract_call;
}

// Whether the invoke is exactly the planned call: the same code, method, params, frame, tx, block and
// prices. With the same values read, the executor computed what it would compute now.
bool as_planned(const PlanState& p, const acore::PlannedCall& c, const acore::Program& program, const Host& host,
                size_t method, const json::value& params) {
  const contracts::TxInfo& tx = host.tx();
  return c.program->code_hash() == program.code_hash() && c.method == method && c.params == params &&
         same_frame(c.frame, host.frame()) && c.tx.hash == tx.hash && c.tx.timestamp_us == tx.timestamp_us &&
         c.tx.nonce == tx.nonce && p.block.height == host.block().height &&
         p.block.timestamp_us == host.block().timestamp_us && same_costs(p.costs, host.params().step_costs);
}

template <typename T>
Status status_of(const contracts::HostResult<T>& r, const Host& host) {
  Status s;
  if (!r) s.failure = r.failure();
  s.steps_left = host.steps_left();
  return s;
}

}  // namespace

ExecutorPool::ExecutorPool(PoolOptions options) : m_options(std::move(options)) {
  CX_ASSERT(m_options.processes > 0);
  restarts_metric();  // the series shows 0 from the start
}

ExecutorPool::~ExecutorPool() {
  std::vector<std::unique_ptr<Worker>> workers;
  {
    MutexLock lock(m_mutex);
    workers = std::move(m_workers);
    m_idle.clear();
  }
  // Executors hold nothing worth a graceful end, and one may be deep in a long call: kill them.
  for (auto& w : workers) {
    w->conn.reset();
    kill(w->pid, SIGKILL);
    int status = 0;
    waitpid(w->pid, &status, 0);
  }
}

PoolStats ExecutorPool::stats() const {
  return PoolStats{m_invokes.load(), m_round_trips.load(),  m_programs_sent.load(), m_restarts.load(),
                   m_plans.load(),   m_planned_used.load(), m_plans_broken.load()};
}

std::vector<pid_t> ExecutorPool::pids() const {
  MutexLock lock(m_mutex);
  std::vector<pid_t> out;
  for (const auto& w : m_workers) out.push_back(w->pid);
  return out;
}

ExecutorPool::Worker* ExecutorPool::acquire() {
  MutexLock lock(m_mutex);
  for (;;) {
    if (!m_idle.empty()) {
      Worker* w = m_idle.back();
      m_idle.pop_back();
      return w;
    }
    if (m_workers.size() < m_options.processes) {
      m_workers.push_back(spawn(m_options.executable, m_options.hang_timeout_ms));
      return m_workers.back().get();
    }
    m_free.wait(lock);
  }
}

void ExecutorPool::release(Worker* w, bool broken) {
  std::unique_ptr<Worker> dead;
  {
    MutexLock lock(m_mutex);
    if (!broken) {
      m_idle.push_back(w);
    } else {
      for (auto it = m_workers.begin(); it != m_workers.end(); ++it) {
        if (it->get() != w) continue;
        dead = std::move(*it);
        m_workers.erase(it);
        break;
      }
    }
  }
  m_free.notify_one();
  if (!dead) return;
  kill(dead->pid, SIGKILL);
  int status = 0;
  waitpid(dead->pid, &status, 0);
}

CallResult ExecutorPool::invoke(const acore::Program& program, Host& host, size_t method, const json::value& params) {
  if (!acore::sources_of(program)) return acore::invoke_here(program, host, method, params);
  if (t_session) return run(*t_session, program, host, method, params, /*drop_cache=*/false);  // a loss ends the outer session
  if (auto planned = take_planned(program, host, method, params)) return std::move(*planned);
  Worker* w = acquire();
  const bool drop_cache = stale_cache(w, host.state_version());
  t_session = w;
  std::string lost;
  try {
    CallResult r = run(*w, program, host, method, params, drop_cache);
    t_session = nullptr;
    release(w, false);
    return r;
  } catch (const ConnLost& e) {
    lost = e.what();
  } catch (const ProtocolError& e) {
    lost = std::string("protocol error: ") + e.what();
  } catch (...) {
    t_session = nullptr;
    release(w, true);
    throw;
  }
  t_session = nullptr;
  const pid_t pid = w->pid;
  release(w, true);
  ++m_restarts;
  restarts_metric().inc();
  CX_WARN("executor", "ACORE executor " << pid << " lost (" << lost << "); a new one runs the block again");
  throw contracts::RuntimeLost("ACORE executor lost: " + lost);
}

bool ExecutorPool::stale_cache(const Worker* w, uint64_t state_version) {
  MutexLock lock(m_mutex);
  const bool stale = m_last_worker != w || m_last_version != state_version;
  m_last_worker = w;
  m_last_version = state_version;
  return stale;
}

CallResult ExecutorPool::run(Worker& w, const acore::Program& program, Host& host, size_t method,
                             const json::value& params, bool drop_cache) {
  const auto* files = acore::sources_of(program);
  InvokeMsg m;
  m.code_hash = program.code_hash();
  m.method = static_cast<uint32_t>(method);
  m.params_json = json::serialize(params);
  m.frame = host.frame();
  m.block = host.block();
  m.tx = host.tx();
  m.step_costs = host.params().step_costs;
  m.steps_left = host.steps_left();
  m.state_version = host.state_version();
  m.drop_cache = drop_cache;
  auto send = [&](bool with_package) {
    if (with_package) {
      m.package.emplace();
      for (const auto& f : *files) m.package->emplace_back(f.path, f.text);
      ++m_programs_sent;
    }
    Writer out(MsgType::kInvoke);
    write_invoke(out, m);
    w.conn->send(out.data());
    ++m_invokes;
  };
  bool sent_package = !w.programs.count(m.code_hash);
  send(sent_package);
  for (;;) {
    Bytes message = w.conn->receive();
    Reader r(message);
    const MsgType t = r.type();
    if (t != MsgType::kOps) {
      const uint64_t n = ++m_round_trips;
      if (m_options.before_request) m_options.before_request(n, w.pid);
    }
    if (t == MsgType::kNeedProgram) {
      if (sent_package || r.hash() != m.code_hash) throw ProtocolError("the executor asked for a program it was sent");
      sent_package = true;
      send(true);
      continue;
    }
    CallResult out;
    if (serve(w, r, t, host, out)) {
      w.programs.insert(m.code_hash);
      return out;
    }
  }
}

bool ExecutorPool::serve(Worker& w, Reader& r, MsgType t, Host& host, CallResult& out) {
  if (t == MsgType::kOps || t == MsgType::kResult) {
    replay(host, r.ops());
    if (t == MsgType::kResult) out = r.call_result();
    r.end();
    return t == MsgType::kResult;
  }
  replay(host, r.ops());
  if (t == MsgType::kRead) {
    const BytesView key = r.bytes();
    r.end();
    auto v = host.storage_get(key);
    Writer answer(MsgType::kReadReply);
    answer.status(status_of(v, host));
    answer.u8(v && v->has_value() ? 1 : 0);
    if (v && v->has_value()) answer.bytes(**v);
    w.conn->send(answer.data());
    return false;
  }
  if (t == MsgType::kCall) {
    const contracts::CallArgs args = read_call_args(r);
    r.end();
    const CallResult result = host.call(args);
    Writer answer(MsgType::kCallReply);
    answer.call_result(result);
    answer.status(Status{std::nullopt, host.steps_left()});
    answer.u64(host.state_version());
    w.conn->send(answer.data());
    return false;
  }
  contracts::HostResult<Uint256> value = Uint256();
  if (t == MsgType::kBalance) {
    const Address a = r.address();
    r.end();
    value = host.balance(a);
  } else if (t == MsgType::kTotalSupply) {
    r.end();
    value = host.total_supply();
  } else if (t == MsgType::kTransfer) {
    const Address to = r.address();
    const Uint256 amount = r.u256();
    r.end();
    auto s = host.transfer(to, amount);
    if (!s) value = s.failure();
  } else {
    throw ProtocolError("unexpected message " + std::to_string(static_cast<int>(t)));
  }
  Writer answer(MsgType::kValueReply);
  answer.status(status_of(value, host));
  answer.u256(value ? *value : Uint256());
  w.conn->send(answer.data());
  return false;
}

void ExecutorPool::plan_block(const contracts::BlockInfo& block, const core::StepCosts& costs,
                              std::vector<acore::PlannedCall> calls, const acore::PlanReader& read) {
  t_plan.reset();
  if (std::exchange(t_skip_plan, false) || t_session || calls.empty()) return;
  if (calls.size() > kPlanCallsMax) calls.resize(kPlanCallsMax);
  Worker* w = acquire();
  // The request: every call as an invoke, with its package the first time this executor needs it.
  Writer out(MsgType::kPlan);
  out.u32(0);  // the count, set below
  std::set<Hash32> sending;
  size_t n = 0;
  for (; n < calls.size() && out.size() < kMessageBytesMax / 2; ++n) {
    const acore::PlannedCall& c = calls[n];
    if (!acore::sources_of(*c.program)) break;  // not compile()'s (a test runtime's): runs here, unplanned
    InvokeMsg m;
    m.code_hash = c.program->code_hash();
    if (!w->programs.count(m.code_hash) && sending.insert(m.code_hash).second) {
      m.package.emplace();
      for (const auto& f : *acore::sources_of(*c.program)) m.package->emplace_back(f.path, f.text);
      ++m_programs_sent;
    }
    m.method = static_cast<uint32_t>(c.method);
    m.params_json = json::serialize(c.params);
    m.frame = c.frame;
    m.block = block;
    m.tx = c.tx;
    m.step_costs = costs;
    m.steps_left = c.steps_max;
    write_invoke(out, m);
  }
  calls.resize(n);
  if (n == 0) return release(w, false);
  Bytes request = out.data();
  for (int i = 0; i < 4; ++i) request[1 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  auto outcomes = run_plan(*w, request, n, read);
  if (!outcomes) return;  // the executor was lost: the block runs as usual, on a new one
  w->programs.insert(sending.begin(), sending.end());
  release(w, false);
  ++m_plans;
  t_plan = std::make_unique<PlanState>(PlanState{this, block, costs, std::move(calls), std::move(*outcomes), 0, true});
}

std::optional<std::vector<PlannedOutcome>> ExecutorPool::run_plan(Worker& w, const Bytes& request, size_t calls,
                                                                  const acore::PlanReader& read) {
  std::vector<PlannedOutcome> outcomes;
  outcomes.reserve(calls);
  std::string lost;
  size_t received = 0;
  try {
    w.conn->send(request);
    for (;;) {
      Bytes message = w.conn->receive();
      Reader r(message);
      const MsgType t = r.type();
      if (t == MsgType::kPlanResults) {
        received += message.size();
        if (received > kPlanOutcomeBytesMax) throw ProtocolError("a plan's outcomes are too large");
        while (!r.at_end() && outcomes.size() < calls) outcomes.push_back(read_outcome(r));
        r.end();
        continue;
      }
      const uint64_t k = ++m_round_trips;
      if (m_options.before_request) m_options.before_request(k, w.pid);
      if (t == MsgType::kPlanDone) {
        r.end();
        if (outcomes.size() != calls) throw ProtocolError("a plan's outcomes do not match its calls");
        return outcomes;
      }
      if (t == MsgType::kPlanPrefetch) {
        w.conn->send(prefetch_answer(r, read));
        continue;
      }
      if (t != MsgType::kPlanRead) throw ProtocolError("unexpected message " + std::to_string(static_cast<int>(t)) + " in a plan");
      const Address contract = r.address();
      const BytesView key = r.bytes();
      r.end();
      const std::optional<Bytes> value = read(contract, key);
      Writer answer(MsgType::kPlanReadReply);
      answer.u8(value ? 1 : 0);
      if (value) answer.bytes(*value);
      w.conn->send(answer.data());
    }
  } catch (const ConnLost& e) {
    lost = e.what();
  } catch (const ProtocolError& e) {
    lost = std::string("protocol error: ") + e.what();
  }
  const pid_t pid = w.pid;
  release(&w, true);
  ++m_restarts;
  restarts_metric().inc();
  CX_WARN("executor", "ACORE executor " << pid << " lost while planning a block (" << lost << "); the block runs without a plan");
  return std::nullopt;
}

std::optional<CallResult> ExecutorPool::take_planned(const acore::Program& program, Host& host, size_t method,
                                                     const json::value& params) {
  PlanState* p = t_plan.get();
  if (!p || p->pool != this || !p->live) return std::nullopt;
  p->live = false;  // until this invoke proves to be the planned one
  size_t i = p->next;
  while (i < p->calls.size() && p->calls[i].tx.hash != host.tx().hash) ++i;
  if (i == p->calls.size()) return std::nullopt;  // not foreseen: it may write what later calls read
  for (size_t j = p->next; j < i; ++j)
    if (leaves_writes(p->outcomes[j])) return std::nullopt;
  p->next = i + 1;
  const PlannedOutcome& o = p->outcomes[i];
  if (!o.available || o.steps_used > host.steps_left() || !as_planned(*p, p->calls[i], program, host, method, params))
    return std::nullopt;
  {
    MutexLock lock(m_mutex);
    m_last_worker = nullptr;  // the state changes behind every executor's read cache
  }
  if (!replay(host, o.ops)) {
    // Half replayed on the host: only running the block again undoes it, this time without a plan.
    ++m_plans_broken;
    t_skip_plan = true;
    throw contracts::RuntimeLost("the block's plan read a value the block did not hold");
  }
  p->live = true;
  ++m_planned_used;
  return o.result;
}

void ExecutorPool::end_plan() {
  if (t_plan && t_plan->pool == this) t_plan.reset();
}

}  // namespace cx::executor
