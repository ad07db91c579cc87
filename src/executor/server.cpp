#include "executor/server.hpp"

#include <cstdio>

#include "executor/sandbox.hpp"

namespace cx::executor {

namespace {

namespace json = boost::json;
using contracts::CallResult;
using contracts::HostResult;
using contracts::HostStatus;
using core::FailureCode;

constexpr size_t kProgramsMax = 512;
constexpr size_t kCacheEntriesMax = 1u << 18;

// The host of one invoke in the executor: see server.hpp and docs/executor.md for the rules.
class FrameHost final : public MeteredHost {
 public:
  FrameHost(Server& server, const InvokeMsg& m) : MeteredHost(m), m_server(server) {}

  HostResult<std::optional<Bytes>> storage_get(BytesView key) override {
    if (m_failure) return *m_failure;
    Bytes k(key.begin(), key.end());
    if (auto w = m_writes.find(k); w != m_writes.end()) return hit(w->second);
    auto& cache = m_server.cache();
    if (auto c = cache.find({m_msg.frame.contract, k}); c != cache.end()) return hit(c->second);
    Writer w(MsgType::kRead);
    w.ops(take_ops());
    w.bytes(key);
    Bytes answer = m_server.ask(w.data(), MsgType::kReadReply);
    Reader r(answer);
    r.type();
    if (!apply(r.status())) return *m_failure;
    std::optional<Bytes> value;
    if (r.u8()) {
      BytesView v = r.bytes();
      value = Bytes(v.begin(), v.end());
    }
    r.end();
    cache[{m_msg.frame.contract, std::move(k)}] = value;
    return value;
  }

  HostStatus storage_set(BytesView key, std::optional<BytesView> value) override {
    if (m_failure) return *m_failure;
    Bytes k(key.begin(), key.end());
    std::optional<Bytes> v = value ? std::optional<Bytes>(Bytes(value->begin(), value->end())) : std::nullopt;
    record(OpSet{k, v});  // the node's storage_set checks and charges the same way
    if (m_msg.frame.read_only()) return fail({FailureCode::kAccessDenied, "storage write in a read-only call"});
    if (HostStatus s = charge(m_msg.step_costs.set, false); !s) return s;
    m_server.cache().erase({m_msg.frame.contract, k});
    m_writes[std::move(k)] = std::move(v);
    return contracts::host_ok();
  }

  HostResult<Uint256> balance(const Address& account) override {
    Writer w(MsgType::kBalance);
    w.address(account);
    return value_request(w);
  }
  HostResult<Uint256> total_supply() override {
    Writer w(MsgType::kTotalSupply);
    return value_request(w);
  }

  HostStatus emit(core::EventLog log) override {
    if (m_failure) return *m_failure;
    const bool fits = fits_receipt(log);
    record(OpEmit{std::move(log)});  // the node's emit checks and charges the same way
    if (m_msg.frame.read_only()) return fail({FailureCode::kAccessDenied, "event log in a read-only call"});
    if (!fits) return fail({FailureCode::kInvalidParameter, "event log above the receipt's bounds"});
    return charge(m_msg.step_costs.event_log, false);
  }

  HostStatus transfer(const Address& to, const Uint256& value) override {
    Writer w(MsgType::kTransfer);
    w.address(to);
    w.u256(value);
    auto r = value_request(w);
    if (!r) return r.failure();
    return contracts::host_ok();
  }

  CallResult call(const contracts::CallArgs& args) override {
    if (m_failure) return CallResult::fail(*m_failure);
    Writer w(MsgType::kCall);
    w.ops(take_ops());
    write_call_args(w, args);
    Bytes answer = m_server.ask(w.data(), MsgType::kCallReply);
    Reader r(answer);
    r.type();
    CallResult result = r.call_result();
    const Status s = r.status();
    const uint64_t version = r.u64();
    r.end();
    m_left = s.steps_left;
    // The callee may have written this contract's storage (its writes left the cache when it made
    // them); if anything was rolled back, the version says so and the cache goes.
    m_writes.clear();
    m_server.sync(version);
    return result;
  }

  // After a successful frame: its writes are what the node's state now holds for those keys.
  void keep_writes() {
    auto& cache = m_server.cache();
    for (auto& [k, v] : m_writes) cache[{m_msg.frame.contract, k}] = std::move(v);
    m_writes.clear();
  }

  std::vector<Op> take_ops() {
    m_ops_bytes = 0;
    return std::move(m_ops);
  }

 private:
  static bool fits_receipt(const core::EventLog& log) {
    if (log.indexed.size() > core::kLogItemsMax || log.data.size() > core::kLogItemsMax) return false;
    for (const auto* items : {&log.indexed, &log.data})
      for (const auto& s : *items)
        if (s.size() > core::kLogItemBytesMax) return false;
    return true;
  }

  HostResult<std::optional<Bytes>> hit(const std::optional<Bytes>& v) {
    if (HostStatus s = charge(m_msg.step_costs.get, true); !s) return s.failure();
    return v;
  }

  void record(Op op) override {
    m_ops_bytes += op_bytes(op);
    m_ops.push_back(std::move(op));
    if (m_ops_bytes < kOpsFlushBytes) return;
    Writer w(MsgType::kOps);
    w.ops(take_ops());
    m_server.conn().send(w.data());
  }

  // Takes the node's word for the frame's steps; false (the frame failed) with m_failure set.
  bool apply(const Status& s) {
    m_left = s.steps_left;
    if (s.failure) m_failure = s.failure;
    return !s.failure;
  }

  HostResult<Uint256> value_request(Writer& request_head) {
    if (m_failure) return *m_failure;
    // The ops go first: rebuild the request with them in front of its arguments.
    Writer w(static_cast<MsgType>(request_head.data()[0]));
    w.ops(take_ops());
    Bytes message = w.data();
    message.insert(message.end(), request_head.data().begin() + 1, request_head.data().end());
    Bytes answer = m_server.ask(message, MsgType::kValueReply);
    Reader r(answer);
    r.type();
    const bool ok = apply(r.status());
    Uint256 v = r.u256();
    r.end();
    if (!ok) return *m_failure;
    return v;
  }

  Server& m_server;
  size_t m_ops_bytes = 0;
  std::map<Bytes, std::optional<Bytes>> m_writes;  // this frame's writes since its last outgoing call
};

}  // namespace

HostStatus MeteredHost::charge(uint64_t steps, bool recorded) {
  if (m_failure) return *m_failure;
  if (recorded) {
    if (!m_ops.empty() && std::holds_alternative<OpCharge>(m_ops.back())) std::get<OpCharge>(m_ops.back()).steps += steps;
    else record(OpCharge{steps});
  }
  if (steps > m_left) {
    m_left = 0;
    return fail({FailureCode::kOutOfStep, "out of step"});
  }
  m_left -= steps;
  return contracts::host_ok();
}

Bytes Server::ask(const Bytes& message, MsgType expected) {
  m_conn.send(message);
  for (;;) {
    Bytes answer = m_conn.receive();
    Reader r(answer);
    const MsgType t = r.type();
    if (t == expected) return answer;
    if (t != MsgType::kInvoke) throw ProtocolError("unexpected message " + std::to_string(int(t)));
    invoke(r);
  }
}

acore::ProgramPtr Server::program(const InvokeMsg& m) {
  if (auto it = m_programs.find(m.code_hash); it != m_programs.end()) return it->second;
  if (!m.package) return nullptr;
  acore::Package package;
  for (const auto& [path, text] : *m.package) package.files.push_back({path, text});
  auto compiled = acore::compile(package);
  auto* p = std::get_if<acore::ProgramPtr>(&compiled);
  if (!p || (*p)->code_hash() != m.code_hash) throw ProtocolError("the package sent does not compile to its hash");
  if (m_programs.size() >= kProgramsMax) m_programs.erase(m_programs.begin());
  m_programs.emplace(m.code_hash, *p);
  return *p;
}

void Server::invoke(Reader& r) {
  const InvokeMsg m = read_invoke(r);
  r.end();
  acore::ProgramPtr prog = program(m);
  if (!prog) {
    Writer w(MsgType::kNeedProgram);
    w.hash(m.code_hash);
    m_conn.send(w.data());
    return;
  }
  if (m.method >= prog->methods().size()) throw ProtocolError("no such method");
  if (m.drop_cache) m_cache.clear();
  sync(m.state_version);
  boost::system::error_code ec;
  const json::value params = json::parse(m.params_json, ec);
  if (ec) throw ProtocolError("bad params json");
  FrameHost host(*this, m);
  CallResult result = acore::invoke_here(*prog, host, m.method, params);
  // The node reverts a failed frame's writes (flushed ones too, and it bumps its state version).
  if (result.ok) host.keep_writes();
  else m_cache.clear();
  Writer w(MsgType::kResult);
  w.ops(host.take_ops());
  w.call_result(result);
  m_conn.send(w.data());
}

void Server::sync(uint64_t state_version) {
  if (state_version == 0 || state_version != m_version || m_cache.size() > kCacheEntriesMax) m_cache.clear();
  m_version = state_version;
}

void Server::run() {
  for (;;) {
    Bytes message;
    try {
      message = m_conn.receive();
    } catch (const ConnLost&) {
      return;  // the node closed the socket: it is done with this executor
    }
    Reader r(message);
    const MsgType t = r.type();
    if (t == MsgType::kPlan) serve_plan(*this, r);
    else if (t == MsgType::kInvoke) invoke(r);
    else throw ProtocolError("a session starts with an invoke or a plan");
  }
}

int run_executor(int fd) {
  if (auto error = enter_sandbox(fd)) {
    std::fprintf(stderr, "complexchain executor: %s\n", error->c_str());
    return 2;
  }
  try {
    Server(kSandboxFd).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "complexchain executor: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace cx::executor
