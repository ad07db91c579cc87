// The executor's side of a block's plan (docs/executor.md, "The block's plan"): the node sends every
// call its txs will make to Lua contracts; the executor runs them one after another, as the block
// will, over the block's starting state plus the planned calls' own writes, and sends back what each
// did (its operations, with the value of every read, and its result). Nothing here is trusted: the
// node uses an outcome only if the call it makes matches the planned one and every value read is
// what its own state holds then.
#include <map>

#include "executor/server.hpp"

namespace cx::executor {

namespace {

using core::FailureCode;
using contracts::CallResult, contracts::HostResult, contracts::HostStatus;

// A key of the plan's state: its value, and whether a planned call used it (read or wrote it).
struct Slot {
  std::optional<Bytes> value;
  bool used = false;
};
using Overlay = std::map<std::pair<Address, Bytes>, Slot>;
constexpr size_t kOverlayEntriesMax = 1u << 18;
constexpr size_t kOutcomeBytesMax = 8u << 20;

// The host of one planned call. Storage comes from the overlay (the starting state as read so far,
// and the writes of the planned calls that succeeded), else from the node. Whatever else a call asks
// (balances, transfers, calls to contracts) a plan cannot answer: the call is marked unavailable.
class PlanHost final : public MeteredHost {
 public:
  PlanHost(Server& server, const InvokeMsg& m, Overlay& overlay) : MeteredHost(m), m_server(server), m_overlay(overlay) {}

  HostResult<std::optional<Bytes>> storage_get(BytesView key) override {
    if (HostStatus s = charge(m_msg.step_costs.get, false); !s) return s.failure();
    Bytes k(key.begin(), key.end());
    std::optional<Bytes> value = lookup(k);
    record(OpRead{std::move(k), value});
    return value;
  }

  HostStatus storage_set(BytesView key, std::optional<BytesView> value) override {
    if (m_failure) return *m_failure;
    Bytes k(key.begin(), key.end());
    std::optional<Bytes> v = value ? std::optional<Bytes>(Bytes(value->begin(), value->end())) : std::nullopt;
    record(OpSet{k, v});
    if (m_msg.frame.read_only()) return fail({FailureCode::kAccessDenied, "storage write in a read-only call"});
    if (HostStatus s = charge(m_msg.step_costs.set, false); !s) return s;
    m_writes[std::move(k)] = std::move(v);
    return contracts::host_ok();
  }

  HostResult<Uint256> balance(const Address&) override { return unplanned(); }
  HostResult<Uint256> total_supply() override { return unplanned(); }
  HostStatus transfer(const Address&, const Uint256&) override { return unplanned().failure(); }
  CallResult call(const contracts::CallArgs&) override { return CallResult::fail(unplanned().failure()); }

  HostStatus emit(core::EventLog log) override {
    if (m_failure) return *m_failure;
    const bool fits = log.indexed.size() <= core::kLogItemsMax && log.data.size() <= core::kLogItemsMax;
    record(OpEmit{std::move(log)});
    if (m_msg.frame.read_only()) return fail({FailureCode::kAccessDenied, "event log in a read-only call"});
    if (!fits) return fail({FailureCode::kInvalidParameter, "event log above the receipt's bounds"});
    return charge(m_msg.step_costs.event_log, false);
  }

  // The call's outcome; a successful call's writes join the overlay for the calls after it.
  PlannedOutcome finish(CallResult result) {
    PlannedOutcome o;
    const bool out_of_step = m_failure && m_failure->code == FailureCode::kOutOfStep;
    o.available = !m_unplanned && !out_of_step && !(!result.ok && result.code == FailureCode::kOutOfStep);
    if (!o.available) return o;
    o.steps_used = m_msg.steps_left - m_left;
    o.ops = std::move(m_ops);
    o.result = std::move(result);
    if (o.result.ok && !m_failure)
      for (auto& [k, v] : m_writes) m_overlay[{m_msg.frame.contract, k}] = Slot{std::move(v), true};
    return o;
  }

 private:
  std::optional<Bytes> lookup(const Bytes& key) {
    if (auto w = m_writes.find(key); w != m_writes.end()) return w->second;
    auto slot = m_overlay.find({m_msg.frame.contract, key});
    if (slot != m_overlay.end()) {
      slot->second.used = true;
      return slot->second.value;
    }
    Writer w(MsgType::kPlanRead);
    w.address(m_msg.frame.contract);
    w.bytes(key);
    m_server.conn().send(w.data());
    Bytes answer = m_server.conn().receive();
    Reader r(answer);
    if (r.type() != MsgType::kPlanReadReply) throw ProtocolError("a plan read got another answer");
    std::optional<Bytes> value;
    if (r.u8()) {
      BytesView v = r.bytes();
      value = Bytes(v.begin(), v.end());
    }
    r.end();
    m_overlay[{m_msg.frame.contract, key}] = Slot{value, true};
    return value;
  }

  // An outcome must fit a message: a call that does more than kOutcomeBytesMax is not planned.
  void record(Op op) override {
    m_ops_bytes += op_bytes(op);
    m_ops.push_back(std::move(op));
    if (m_ops_bytes > kOutcomeBytesMax) m_unplanned = true;
  }

  HostResult<Uint256> unplanned() {
    m_unplanned = true;
    return fail({FailureCode::kUnknown, "not available in a block's plan"});
  }

  Server& m_server;
  Overlay& m_overlay;
  bool m_unplanned = false;
  size_t m_ops_bytes = 0;
  std::map<Bytes, std::optional<Bytes>> m_writes;
};

// Runs one planned call; unavailable if it cannot be run here (no program, or a bad method or params).
PlannedOutcome run_planned(Server& server, const InvokeMsg& m, Overlay& overlay) {
  acore::ProgramPtr program = server.program(m);
  if (!program || m.method >= program->methods().size()) return {};
  boost::system::error_code ec;
  const boost::json::value params = boost::json::parse(m.params_json, ec);
  if (ec) return {};
  PlanHost host(server, m, overlay);
  CallResult result = acore::invoke_here(*program, host, m.method, params);
  return host.finish(std::move(result));
}

// Reads the keys the last plan used, in one round trip, into the overlay (not yet used).
void prefetch(Server& server, Overlay& overlay) {
  const auto& keys = server.plan_keys();
  if (keys.empty()) return;
  Writer w(MsgType::kPlanPrefetch);
  w.u32(static_cast<uint32_t>(keys.size()));
  for (const auto& [contract, key] : keys) {
    w.address(contract);
    w.bytes(key);
  }
  server.conn().send(w.data());
  Bytes answer = server.conn().receive();
  Reader r(answer);
  if (r.type() != MsgType::kPlanPrefetchReply) throw ProtocolError("a prefetch got another answer");
  for (const auto& k : keys) {
    const uint8_t flag = r.u8();
    if (flag == kPrefetchNotSent) continue;
    if (flag > kPrefetchNotSent) throw ProtocolError("bad prefetch answer");
    std::optional<Bytes> value;
    if (flag == kPrefetchPresent) {
      BytesView v = r.bytes();
      value = Bytes(v.begin(), v.end());
    }
    overlay[k] = Slot{std::move(value), false};
  }
  r.end();
}

// What the next plan prefetches: the keys this one used (the first kPrefetchKeysMax of them).
void remember_keys(Server& server, const Overlay& overlay) {
  auto& keys = server.plan_keys();
  keys.clear();
  for (const auto& [k, slot] : overlay) {
    if (!slot.used) continue;
    if (keys.size() == kPrefetchKeysMax) break;
    keys.push_back(k);
  }
}

}  // namespace

void serve_plan(Server& server, Reader& r) {
  const uint32_t n = r.u32();
  if (n > kPlanCallsMax) throw ProtocolError("too many planned calls");
  Overlay overlay;
  prefetch(server, overlay);
  bool planning = true;  // after the first unavailable call, none is run: the overlay would miss its writes
  Writer out(MsgType::kPlanResults);
  size_t sent = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const InvokeMsg m = read_invoke(r);
    PlannedOutcome o;
    if (planning) o = run_planned(server, m, overlay);
    const size_t before = out.size();
    write_outcome(out, o);
    sent += out.size() - before;
    planning = planning && o.available && overlay.size() < kOverlayEntriesMax && sent < kPlanOutcomeBytesMax - (16u << 20);
    if (out.size() < kOpsFlushBytes) continue;
    server.conn().send(out.data());
    out = Writer(MsgType::kPlanResults);
  }
  r.end();
  remember_keys(server, overlay);
  if (out.size() > 1) server.conn().send(out.data());
  server.conn().send(Writer(MsgType::kPlanDone).data());
}

}  // namespace cx::executor
