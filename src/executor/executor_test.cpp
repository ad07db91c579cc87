// ACORE's executor processes: the wire codec, the sandbox (a forbidden system call kills the
// process), and blocks of IRC2 transfers run in executors, which give exactly what the in-process
// runtime gives, even when an executor is SIGKILLed in the middle of a block.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "acore/memory_host.hpp"
#include "executor/pool.hpp"
#include "executor/sandbox.hpp"
#include "execution/test_probe.hpp"

namespace cx::executor {
namespace {

namespace json = boost::json;
using execution::testing::user;

TEST(Wire, InvokeAndOpsRoundTrip) {
  InvokeMsg m;
  m.code_hash.bytes[3] = 7;
  m.package = std::vector<std::pair<std::string, std::string>>{{"main.lua", "return 1"}};
  m.method = 5;
  m.params_json = R"({"a":"0x1"})";
  m.frame.contract = execution::testing::contract_address(9);
  m.frame.caller = user(1);
  m.frame.origin = user(2);
  m.frame.value = Uint256(77);
  m.frame.depth = 3;
  m.frame.access = contracts::Access::kReadOnly;
  m.block = {12, 34};
  m.tx.nonce = Uint256(9);
  m.step_costs.set = 999;
  m.steps_left = 123456;
  m.state_version = 42;
  m.drop_cache = true;
  Writer w(MsgType::kInvoke);
  write_invoke(w, m);
  w.ops({OpCharge{5}, OpSet{Bytes{1, 2}, std::nullopt}, OpSet{Bytes{3}, Bytes{4, 5}},
         OpEmit{core::EventLog{{}, {"T(int)", "x"}, {"y"}}}});
  Reader r(w.data());
  ASSERT_EQ(r.type(), MsgType::kInvoke);
  InvokeMsg back = read_invoke(r);
  auto ops = r.ops();
  r.end();
  EXPECT_EQ(back.code_hash, m.code_hash);
  EXPECT_EQ(back.package, m.package);
  EXPECT_EQ(back.params_json, m.params_json);
  EXPECT_EQ(back.frame.contract, m.frame.contract);
  EXPECT_EQ(back.frame.value, m.frame.value);
  EXPECT_EQ(back.frame.depth, 3u);
  EXPECT_TRUE(back.frame.read_only());
  EXPECT_EQ(back.block.timestamp_us, 34);
  EXPECT_EQ(back.tx.nonce, Uint256(9));
  EXPECT_EQ(back.step_costs.set, 999u);
  EXPECT_EQ(back.steps_left, 123456u);
  EXPECT_EQ(back.state_version, 42u);
  EXPECT_TRUE(back.drop_cache);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(std::get<OpCharge>(ops[0]).steps, 5u);
  EXPECT_FALSE(std::get<OpSet>(ops[1]).value);
  EXPECT_EQ(*std::get<OpSet>(ops[2]).value, (Bytes{4, 5}));
  EXPECT_EQ(std::get<OpEmit>(ops[3]).log.indexed.size(), 2u);
}

TEST(Wire, ATruncatedOrPaddedMessageIsRefused) {
  Writer w(MsgType::kRead);
  w.ops({OpCharge{1}});
  w.bytes(Bytes{1, 2, 3});
  Bytes cut(w.data().begin(), w.data().end() - 1);
  Reader r(cut);
  r.type();
  r.ops();
  EXPECT_THROW(r.bytes(), ProtocolError);
  Bytes padded = w.data();
  padded.push_back(0);
  Reader p(padded);
  p.type();
  p.ops();
  p.bytes();
  EXPECT_THROW(p.end(), ProtocolError);
}

// Runs `probe` in a child under the executor's system call filter; returns the child's wait status.
int under_filter(int (*probe)()) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (install_syscall_filter()) _exit(100);
    _exit(probe());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(Sandbox, OpeningAFileOrASocketKillsTheProcess) {
  const int opened = under_filter([] { return open("/etc/hostname", O_RDONLY) >= 0 ? 0 : 1; });
  EXPECT_TRUE(WIFSIGNALED(opened) && WTERMSIG(opened) == SIGSYS) << "status " << opened;
  const int socketed = under_filter([] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; });
  EXPECT_TRUE(WIFSIGNALED(socketed) && WTERMSIG(socketed) == SIGSYS) << "status " << socketed;
  const int forked = under_filter([] { return fork() >= 0 ? 0 : 1; });
  EXPECT_TRUE(WIFSIGNALED(forked) && WTERMSIG(forked) == SIGSYS) << "status " << forked;
  // What the executor needs goes through: memory, and writing to a descriptor it holds.
  const int allowed = under_filter([] {
    std::vector<char> big(8 << 20, 'x');
    return write(2, "", 0) == 0 && big[100] == 'x' ? 42 : 1;
  });
  EXPECT_TRUE(WIFEXITED(allowed) && WEXITSTATUS(allowed) == 42) << "status " << allowed;
}

// Whether this kernel lets an unprivileged process make the executor's namespaces (tried in a child).
bool namespaces_available() {
  const pid_t pid = fork();
  if (pid == 0) _exit(enter_namespaces() ? 1 : 0);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(Sandbox, InItsNamespacesNoFileAndNoNetworkIsReachable) {
  if (!namespaces_available()) GTEST_SKIP() << "this kernel refuses unprivileged user namespaces: seccomp alone";
  const pid_t pid = fork();
  if (pid == 0) {
    if (enter_namespaces()) _exit(100);
    // Files of the host: gone; the root is an empty read-only tmpfs.
    if (open("/etc/hostname", O_RDONLY) >= 0 || open("/proc/self/status", O_RDONLY) >= 0) _exit(1);
    if (open("/x", O_WRONLY | O_CREAT, 0600) >= 0) _exit(2);
    // The network: only a loopback that is down.
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(9);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s >= 0 && connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) _exit(3);
    _exit(42);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 42) << "status " << status;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A block of IRC2 transfers (examples/contracts/irc2): one holder pays `n` accounts, and one transfer
// of more than the holder has fails and is reverted.
struct Irc2Block {
  core::ChainParams params;
  contracts::Registry registry = contracts::make_native_registry();
  std::unique_ptr<execution::testing::MapReader> base;
  const core::Address token = execution::testing::contract_address(0xc2);
  std::vector<core::TxPtr> txs;

  static core::TxPtr tx(const core::Address& to, std::string_view method, json::object p, uint64_t nonce) {
    execution::testing::TxFields f;
    f.from = user(1);
    f.to = to;
    f.nonce = nonce;
    f.data = execution::testing::call_data(method, std::move(p));
    return std::make_shared<const core::Transaction>(execution::testing::make_tx(f));
  }

  explicit Irc2Block(size_t n) {
    params.treasury = user(0xfe);
    params.accounts = {{user(1), core::testing::icx(1000)}};
    auto program = acore::compile(acore::Package{{{"main.lua", read_text(std::string(CX_SOURCE_DIR) +
                                                                         "/examples/contracts/irc2/main.lua")}}});
    registry.add_native(token, std::make_shared<Callable>(std::get<acore::ProgramPtr>(program)));
    base = std::make_unique<execution::testing::MapReader>(execution::genesis_changes(params));
    txs.push_back(tx(token, "on_install", {{"_name", "T"}, {"_symbol", "T"}, {"_decimals", "0x0"}, {"_initialSupply", "0x3e8"}}, 0));
    for (size_t i = 0; i < n; ++i) {
      const uint64_t amount = i == n / 2 ? 5000 : 1;  // the holder has 1000: this one fails
      txs.push_back(tx(token, "transfer", {{"_to", user(static_cast<uint8_t>(10 + i % 50)).to_string()},
                                            {"_value", Uint256(amount).to_icon_hex()}}, i + 1));
    }
  }

  execution::BlockOutput run() const {
    execution::BlockContext ctx{&params, 1, 1'700'000'000'000'000, &registry};
    return execution::apply_block(*base, ctx, txs);
  }

  // Every method callable, on_install too, as the deploy path would run it.
  // A ProgramHolder, as the resolver's external faces are: the block's calls to it are planned.
  class Callable final : public contracts::Contract, public acore::ProgramHolder {
   public:
    explicit Callable(acore::ProgramPtr p) : m_program(std::move(p)) {}
    const acore::ProgramPtr& program() const override { return m_program; }
    std::string_view name() const override { return "irc2"; }
    std::span<const contracts::MethodAbi> abi() const override { return m_program->methods(); }
    contracts::CallResult call(contracts::Host& host, size_t m, const json::value& params) const override {
      return acore::invoke(*m_program, host, m, params);
    }

   private:
    acore::ProgramPtr m_program;
  };
};

void expect_same(const execution::BlockOutput& a, const execution::BlockOutput& b) {
  EXPECT_EQ(a.receipts_root, b.receipts_root);
  EXPECT_EQ(a.changes, b.changes);
  ASSERT_EQ(a.receipts.size(), b.receipts.size());
  for (size_t i = 0; i < a.receipts.size(); ++i) EXPECT_EQ(a.receipts[i].step_used, b.receipts[i].step_used) << i;
}

// Installs `pool` as ACORE's backend for the scope.
struct Backend {
  explicit Backend(ExecutorPool& pool) { acore::set_invoke_backend(&pool); }
  ~Backend() { acore::set_invoke_backend(nullptr); }
};

PoolOptions test_options() {
  PoolOptions o;
  o.processes = 1;
  o.executable = CX_EXECUTABLE;
  o.hang_timeout_ms = 20'000;
  return o;
}

TEST(Executor, ABlockGivesWhatTheInProcessRuntimeGivesInFewRoundTrips) {
  const size_t n = 200;
  Irc2Block block(n);
  const auto here = block.run();
  ASSERT_TRUE(here.receipts[1].success);
  ASSERT_FALSE(here.receipts[1 + n / 2].success);
  ExecutorPool pool(test_options());
  Backend backend(pool);
  const auto there = block.run();
  expect_same(here, there);
  const PoolStats s = pool.stats();
  // The whole block in one plan, the failing transfer too: no invoke of its own for any tx.
  EXPECT_EQ(s.plans, 1u);
  EXPECT_EQ(s.planned_used, n + 1);
  EXPECT_EQ(s.invokes, 0u);
  EXPECT_EQ(s.programs_sent, 1u);
  EXPECT_EQ(s.restarts, 0u);
  // One round trip for the plan, plus one per key of the starting state read (50 recipients and the
  // holder's balance, the token's fields).
  EXPECT_LE(s.round_trips, 1 + 50 + 10) << s.round_trips;
  std::printf("round trips: %llu for %zu txs\n", static_cast<unsigned long long>(s.round_trips), n + 1);
  // The next block's plan reads the keys this one used in one round trip: two in all.
  expect_same(here, block.run());
  EXPECT_EQ(pool.stats().round_trips - s.round_trips, 2u);
  EXPECT_EQ(pool.stats().planned_used, 2 * (n + 1));
}

// A tx the plan counted on fails before its call runs (value sent to a method that is not payable):
// the planned transfers after it read what that call would have written, so the rest of the block
// runs call by call, with the same result.
TEST(Executor, ACallThePlanForesawButTheBlockSkippedEndsThePlan) {
  Irc2Block block(20);
  execution::testing::TxFields f;
  f.from = user(1);
  f.to = block.token;
  f.nonce = 99;
  f.value = Uint256(1);
  f.data = execution::testing::call_data("transfer", {{"_to", user(77).to_string()}, {"_value", "0x5"}});
  block.txs.insert(block.txs.begin() + 5, std::make_shared<const core::Transaction>(execution::testing::make_tx(f)));
  const auto here = block.run();
  ASSERT_FALSE(here.receipts[5].success);
  ExecutorPool pool(test_options());
  Backend backend(pool);
  expect_same(here, block.run());
  const PoolStats s = pool.stats();
  EXPECT_EQ(s.plans, 1u);
  EXPECT_EQ(s.planned_used, 5u);          // on_install and the four transfers before the skipped one
  EXPECT_EQ(s.invokes, block.txs.size() - 6);  // the rest, call by call
  EXPECT_EQ(s.plans_broken, 0u);
}

// Writes that a failed tx, a failed callee or a failed caller leave behind must not survive in the
// executor's read cache: each later read here would see them if they did, and copy them to state.
constexpr const char* kBox = R"lua(
local x = VarDB("x", "int")
local y = VarDB("y", "int")
external "set(int v)" (function(v) x:set(v) end)
external "set_then_fail(int v)" (function(v) x:set(v) revert("on purpose", 7) end)
external "copy()" (function() y:set(x:get()) end)
external "poke(Address other, int v)" (function(other, v)
  x:set(v)
  pcall(call, other, "set_then_fail", {v = v + 1})
  y:set(x:get())
end)
external "relay_then_fail(Address other, int v)" (function(other, v)
  call(other, "set", {v = v})
  revert("after the call", 8)
end)
)lua";

TEST(Executor, TheReadCacheNeverKeepsWhatWasRolledBack) {
  Irc2Block block(0);
  block.txs.clear();
  auto program = std::get<acore::ProgramPtr>(acore::compile(acore::Package{{{"main.lua", kBox}}}));
  const core::Address box = execution::testing::contract_address(0xb1), box2 = execution::testing::contract_address(0xb2);
  block.registry.add_native(box, std::make_shared<Irc2Block::Callable>(program));
  block.registry.add_native(box2, std::make_shared<Irc2Block::Callable>(program));
  uint64_t nonce = 0;
  auto tx = [&](const core::Address& to, std::string_view method, json::object p) {
    block.txs.push_back(Irc2Block::tx(to, method, std::move(p), ++nonce));
  };
  const std::string other = box2.to_string();
  tx(box, "set", {{"v", "0x1"}});
  tx(box, "copy", {});
  tx(box, "set_then_fail", {{"v", "0x2"}});   // fails: box.x stays 1
  tx(box, "copy", {});                         // box.y = 1
  tx(box2, "set", {{"v", "0x5"}});
  tx(box, "poke", {{"other", other}, {"v", "0xa"}});             // box2.x stays 5; box.y = 10
  tx(box2, "copy", {});                                          // box2.y = 5
  tx(box, "relay_then_fail", {{"other", other}, {"v", "0x14"}});  // box2.x = 20, then rolled back
  tx(box2, "copy", {});                                          // box2.y = 5 again
  const auto here = block.run();
  const std::vector<bool> expected = {true, true, false, true, true, true, true, false, true};
  ASSERT_EQ(here.receipts.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(here.receipts[i].success, expected[i]) << i;
  ExecutorPool pool(test_options());
  Backend backend(pool);
  expect_same(here, block.run());
}

// The plan's safety net: a call whose planned reads the state does not hold (here the starting state
// as the reader told it was a lie) is not used: the pool gives up the half-replayed call with
// RuntimeLost (execution runs the block again), and the next plan on this thread is not made, so the
// re-run goes call by call.
TEST(Executor, APlanThatReadWhatTheStateDoesNotHoldIsThrownAway) {
  auto program = std::get<acore::ProgramPtr>(acore::compile(acore::Package{{{"main.lua", kBox}}}));
  const auto methods = program->methods();
  const size_t copy = static_cast<size_t>(
      std::find_if(methods.begin(), methods.end(), [](const auto& m) { return m.name == "copy"; }) - methods.begin());
  acore::testing::MemoryHost host;  // empty storage: x reads as nothing
  const json::value params = json::object{};
  auto plan = [&](ExecutorPool& pool) {
    acore::PlannedCall c{program, copy, params, host.current, host.tx_info, host.budget};
    pool.plan_block(host.block_info, host.chain.step_costs, {c}, [](const core::Address&, BytesView) {
      return std::optional<Bytes>(Bytes{'7'});  // not what the host holds
    });
  };
  ExecutorPool pool(test_options());
  plan(pool);
  EXPECT_THROW(pool.invoke(*program, host, copy, params), contracts::RuntimeLost);
  pool.end_plan();
  EXPECT_EQ(pool.stats().plans, 1u);
  EXPECT_EQ(pool.stats().plans_broken, 1u);
  host = acore::testing::MemoryHost();
  plan(pool);  // the re-run: no plan
  const auto r = pool.invoke(*program, host, copy, params);
  pool.end_plan();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(pool.stats().plans, 1u);
  EXPECT_EQ(pool.stats().planned_used, 0u);
  EXPECT_EQ(pool.stats().invokes, 1u);
  EXPECT_EQ(pool.stats().restarts, 0u);
}

TEST(Executor, RunsLockedDown) {
  ExecutorPool pool(test_options());
  Backend backend(pool);
  Irc2Block block(1);
  block.run();
  ASSERT_EQ(pool.pids().size(), 1u);
  const std::string status = read_text("/proc/" + std::to_string(pool.pids()[0]) + "/status");
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << status;
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << status;
  // Its own namespaces, where the kernel allows them (else seccomp alone, as a line on stderr says).
  if (namespaces_available()) {
    for (const char* ns : {"user", "mnt", "net", "ipc"}) {
      char theirs[128] = {}, ours[128] = {};
      const std::string path = "/proc/" + std::to_string(pool.pids()[0]) + "/ns/" + ns;
      ASSERT_GT(readlink(path.c_str(), theirs, sizeof theirs - 1), 0) << path;
      ASSERT_GT(readlink((std::string("/proc/self/ns/") + ns).c_str(), ours, sizeof ours - 1), 0);
      EXPECT_STRNE(theirs, ours) << ns;
    }
  }
  // Only the socket (fd 3) and stdin/stdout/stderr are open.
  for (int fd = 4; fd < 64; ++fd) {
    char link[256];
    const std::string path = "/proc/" + std::to_string(pool.pids()[0]) + "/fd/" + std::to_string(fd);
    EXPECT_LT(readlink(path.c_str(), link, sizeof link), 0) << "fd " << fd << " is open";
  }
}

TEST(Executor, AnExecutorKilledMidBlockIsReplacedAndTheBlockGivesTheSameResult) {
  const size_t n = 120;
  Irc2Block block(n);
  const auto here = block.run();
  PoolOptions o = test_options();
  int kills = 0;
  o.before_request = [&](uint64_t request, pid_t pid) {
    if (request == 20 || request == 100) {  // the first run's plan, then that run call by call
      ++kills;
      kill(pid, SIGKILL);
    }
  };
  ExecutorPool pool(o);
  Backend backend(pool);
  const auto there = block.run();
  EXPECT_EQ(kills, 2);
  EXPECT_EQ(pool.stats().restarts, 2u);
  expect_same(here, there);
}

TEST(Executor, WhenExecutorsKeepDyingTheBlockRunsInTheNodeWithTheSameResult) {
  Irc2Block block(10);
  const auto here = block.run();
  PoolOptions o = test_options();
  o.before_request = [&](uint64_t, pid_t pid) { kill(pid, SIGKILL); };  // every executor dies at once
  ExecutorPool pool(o);
  Backend backend(pool);
  expect_same(here, block.run());
  // Each run loses one executor planning the block and one running it call by call.
  EXPECT_EQ(pool.stats().restarts, 2u * static_cast<uint64_t>(execution::kRuntimeLossRetries));
}

TEST(Executor, AHungExecutorIsKilledAndTheBlockRunsAgain) {
  Irc2Block block(20);
  const auto here = block.run();
  PoolOptions o = test_options();
  o.hang_timeout_ms = 300;
  o.before_request = [&](uint64_t request, pid_t pid) {
    if (request == 10) kill(pid, SIGSTOP);  // stopped, not dead: only the timeout notices
  };
  ExecutorPool pool(o);
  Backend backend(pool);
  expect_same(here, block.run());
  EXPECT_EQ(pool.stats().restarts, 1u);
}

}  // namespace
}  // namespace cx::executor
