#pragma once
// Test helper (header-only, for execution's tests): a native "probe" contract whose methods each
// exercise one thing a contract can do through the Host, and a small chain around it (genesis state
// in memory, a journal, a registry with probes at kProbeA/B/C) that applies txs and icx_calls.
#include <map>
#include <string>

#include <boost/json.hpp>

#include "contracts/native.hpp"
#include "core/test_tx.hpp"
#include "crypto/base64.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "state/map_reader.hpp"

namespace cx::execution::testing {

namespace json = boost::json;
using contracts::Access;
using contracts::Payable;
using contracts::CallResult;
using contracts::Host;
using core::FailureCode;

inline Address contract_address(uint8_t n) {
  FixedBytes<20> id;
  id.bytes[19] = n;
  id.bytes[0] = 0xee;
  return Address::contract(id);
}
inline const Address kProbeA = contract_address(0xa);
inline const Address kProbeB = contract_address(0xb);
inline const Address kProbeC = contract_address(0xc);

inline std::string str_param(const json::value& params, std::string_view name) {
  const auto* o = params.if_object();
  const auto* v = o ? o->if_contains(name) : nullptr;
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
inline uint64_t u64_param(const json::value& params, std::string_view name, uint64_t otherwise = 0) {
  const auto* o = params.if_object();
  const auto* v = o ? o->if_contains(name) : nullptr;
  return v && v->is_uint64() ? v->get_uint64() : v && v->is_int64() ? static_cast<uint64_t>(v->get_int64()) : otherwise;
}
inline json::value sub_params(const json::value& params, std::string_view name) {
  const auto* o = params.if_object();
  const auto* v = o ? o->if_contains(name) : nullptr;
  return v ? *v : json::value(nullptr);
}
inline std::string code_text(const CallResult& r) { return r.ok ? "ok" : std::to_string(core::code_value(r.code)); }

// Writes storage, ignoring the result: the frame must fail anyway if the write was refused.
inline void put(Host& host, std::string_view key, std::string_view value) {
  (void)host.storage_set(as_bytes(key), as_bytes(value));
}

// {key, value}
inline CallResult probe_set(Host& host, const json::value& p) {
  auto s = host.storage_set(as_bytes(str_param(p, "key")), as_bytes(str_param(p, "value")));
  return s ? CallResult::success() : CallResult::fail(s.failure());
}
// {key} -> the value or null
inline CallResult probe_get(Host& host, const json::value& p) {
  auto v = host.storage_get(as_bytes(str_param(p, "key")));
  if (!v) return CallResult::fail(v.failure());
  return CallResult::success(*v ? json::value(std::string(as_string_view(**v))) : json::value(nullptr));
}
// {key, value, message}: writes, emits, then reverts with user code 7 and `message` if given.
inline CallResult probe_set_then_revert(Host& host, const json::value& p) {
  put(host, str_param(p, "key"), str_param(p, "value"));
  core::EventLog log;
  log.indexed = {"Reverting()"};
  (void)host.emit(log);
  const std::string message = str_param(p, "message");
  return CallResult::fail(core::user_failure(7), message.empty() ? "reverted on purpose" : message);
}
// {target, method, args}: calls, then reverts with user code 8 (undoing what the callee did).
inline CallResult probe_call_then_revert(Host& host, const json::value& p) {
  contracts::CallArgs a;
  a.contract = *Address::parse(str_param(p, "target"));
  a.method = str_param(p, "method");
  a.params = sub_params(p, "args");
  CallResult r = host.call(a);
  return CallResult::fail(core::user_failure(8), "callee said " + code_text(r));
}
// {target, method, args, value, readOnly, stepLimit}: calls, writes "call.result" (ok or the code),
// then writes "after"; returns the callee's output. A failed callee does not fail the caller.
inline CallResult probe_call_other(Host& host, const json::value& p) {
  contracts::CallArgs a;
  a.contract = *Address::parse(str_param(p, "target"));
  a.method = str_param(p, "method");
  a.params = sub_params(p, "args");
  a.value = Uint256(u64_param(p, "value"));
  a.access = u64_param(p, "readOnly") ? Access::kReadOnly : Access::kWrite;
  a.step_limit = u64_param(p, "stepLimit", contracts::kAllSteps);
  CallResult r = host.call(a);
  put(host, "call.result", code_text(r));
  put(host, "after", "1");
  return r.ok ? CallResult::success(r.output) : CallResult::success(json::value(code_text(r)));
}
// Read-only: the same call as callOther, without writing; fails if the callee fails.
inline CallResult probe_relay(Host& host, const json::value& p) {
  contracts::CallArgs a;
  a.contract = *Address::parse(str_param(p, "target"));
  a.method = str_param(p, "method");
  a.params = sub_params(p, "args");
  a.value = Uint256(u64_param(p, "value"));
  return host.call(a);
}
// Writes its depth and calls itself until the host refuses; the deepest frame records the refusal.
inline CallResult probe_recurse(Host& host, const json::value&) {
  put(host, "depth", std::to_string(host.frame().depth));
  contracts::CallArgs a;
  a.contract = host.frame().contract;
  a.method = "recurse";
  CallResult r = host.call(a);
  if (!r.ok) put(host, "refused", code_text(r) + " at " + std::to_string(host.frame().depth));
  return CallResult::success();
}
// {steps}
inline CallResult probe_burn(Host& host, const json::value& p) {
  auto s = host.charge_steps(u64_param(p, "steps"));
  return s ? CallResult::success() : CallResult::fail(s.failure());
}
// {steps}: burns, then writes and claims success whatever happened.
inline CallResult probe_burn_then_set(Host& host, const json::value& p) {
  (void)host.charge_steps(u64_param(p, "steps"));
  put(host, "burnt", "1");
  return CallResult::success();
}
// Declared read-only, but writes and claims success.
inline CallResult probe_sneaky_write(Host& host, const json::value&) {
  put(host, "sneaky", "1");
  return CallResult::success();
}
// {count, items}: emits `count` logs of `items` indexed items each (1 if absent).
inline CallResult probe_emit(Host& host, const json::value& p) {
  for (uint64_t i = 0; i < u64_param(p, "count"); ++i) {
    core::EventLog log;
    log.score = kProbeC;  // the host must replace it with the emitting contract
    log.indexed.assign(u64_param(p, "items", 1), "Probe(int)");
    log.data = {std::to_string(i)};
    if (auto s = host.emit(std::move(log)); !s) return CallResult::fail(s.failure());
  }
  return CallResult::success();
}
// The current frame as JSON.
inline CallResult probe_frame(Host& host, const json::value&) {
  const auto& f = host.frame();
  json::object o;
  o["contract"] = f.contract.to_string();
  o["caller"] = f.caller.to_string();
  o["origin"] = f.origin.to_string();
  o["value"] = f.value.to_icon_hex();
  o["depth"] = f.depth;
  o["readOnly"] = f.read_only();
  return CallResult::success(std::move(o));
}
// Payable: records the frame it ran in, in storage under "frame".
inline CallResult probe_deposit(Host& host, const json::value& p) {
  auto frame = probe_frame(host, p);
  put(host, "frame", json::serialize(frame.output));
  return CallResult::success();
}
// {account}: its balance.
inline CallResult probe_balance(Host& host, const json::value& p) {
  auto b = host.balance(*Address::parse(str_param(p, "account")));
  return b ? CallResult::success(json::value(b->to_icon_hex())) : CallResult::fail(b.failure());
}

// {to, value}: ICX from the probe to `to` (Host::transfer); then writes "after", which a failed
// transfer must undo with the frame.
inline CallResult probe_pay(Host& host, const json::value& p) {
  auto s = host.transfer(*Address::parse(str_param(p, "to")), Uint256(u64_param(p, "value")));
  put(host, "after", "1");
  return s ? CallResult::success() : CallResult::fail(s.failure());
}
// {to, value}: as pay, from a read-only method.
inline CallResult probe_pay_read_only(Host& host, const json::value& p) { return probe_pay(host, p); }

inline constexpr uint64_t kSetMethodSteps = 1000;

inline constexpr contracts::NativeMethod kProbeMethods[] = {
    {{"set", Access::kWrite, Payable::kNo, kSetMethodSteps, "key:str,value:str", ""}, probe_set},
    {{"get", Access::kReadOnly, Payable::kNo, 0, "key:str", "str"}, probe_get},
    {{"setThenRevert", Access::kWrite, Payable::kYes, 0, "key:str,value:str", ""}, probe_set_then_revert},
    {{"callOther", Access::kWrite, Payable::kYes, 0, "target:Address,method:str", "any"}, probe_call_other},
    {{"callThenRevert", Access::kWrite, Payable::kYes, 0, "target:Address,method:str", ""}, probe_call_then_revert},
    {{"relay", Access::kReadOnly, Payable::kNo, 0, "target:Address,method:str", "any"}, probe_relay},
    {{"recurse", Access::kWrite, Payable::kNo, 0, "", ""}, probe_recurse},
    {{"burn", Access::kWrite, Payable::kNo, 0, "steps:int", ""}, probe_burn},
    {{"burnThenSet", Access::kWrite, Payable::kNo, 0, "steps:int", ""}, probe_burn_then_set},
    {{"sneakyWrite", Access::kReadOnly, Payable::kNo, 0, "", ""}, probe_sneaky_write},
    {{"emit", Access::kWrite, Payable::kYes, 0, "count:int", ""}, probe_emit},
    {{"frame", Access::kReadOnly, Payable::kNo, 0, "", "dict"}, probe_frame},
    {{"deposit", Access::kWrite, Payable::kYes, 0, "", ""}, probe_deposit},
    {{"balance", Access::kReadOnly, Payable::kNo, 0, "account:Address", "int"}, probe_balance},
    {{"pay", Access::kWrite, Payable::kYes, 0, "to:Address,value:int", ""}, probe_pay},
    {{"payReadOnly", Access::kReadOnly, Payable::kNo, 0, "to:Address,value:int", ""}, probe_pay_read_only},
};

inline std::shared_ptr<const contracts::Contract> make_probe() {
  return std::make_shared<const contracts::NativeContract>("probe", kProbeMethods);
}

using state::MapReader;

inline Address user(uint8_t n) {
  FixedBytes<20> id;
  id.bytes[19] = n;
  id.bytes[0] = 0x77;
  return Address{false, id};
}

struct TxFields {
  Address from = user(1);
  Address to = kProbeA;
  Uint256 value;
  uint64_t step_limit = 10'000'000;
  std::string data_type = "call";  // empty: no dataType
  json::value data;                 // null: no data
  std::optional<uint64_t> nonce;    // absent: no nonce
};

// apply_tx checks no signature (admission does): a fixed dummy one keeps the tests free of keys.
inline core::Transaction make_tx(const TxFields& f) {
  json::object p;
  p["version"] = "0x3";
  p["from"] = f.from.to_string();
  p["to"] = f.to.to_string();
  p["value"] = f.value.to_icon_hex();
  p["stepLimit"] = Uint256(f.step_limit).to_icon_hex();
  p["timestamp"] = Uint256(1'700'000'000'000'000ull).to_icon_hex();
  p["nid"] = "0x3";
  if (f.nonce) p["nonce"] = Uint256(*f.nonce).to_icon_hex();
  if (!f.data_type.empty()) p["dataType"] = f.data_type;
  if (!f.data.is_null()) p["data"] = f.data;
  p["signature"] = crypto::base64_encode(Bytes(65, 0x07));
  auto r = core::parse_transaction(p);
  auto* tx = std::get_if<core::Transaction>(&r);
  CX_ASSERT_MSG(tx, "test tx does not parse");
  return std::move(*tx);
}

inline json::value call_data(std::string_view method, json::value params = nullptr) {
  json::object d;
  d["method"] = method;
  if (!params.is_null()) d["params"] = std::move(params);
  return d;
}

// Genesis with user(1) and user(2) funded, and a registry with the chain contract and three probes.
struct ProbeChain {
  core::ChainParams params;
  contracts::Registry registry = contracts::make_native_registry();
  std::unique_ptr<MapReader> base;
  std::unique_ptr<Journal> journal;
  BlockContext ctx;
  Uint256 cumulative;

  ProbeChain() {
    params.treasury = user(0xfe);
    params.accounts = {{user(1), core::testing::icx(1000)}, {user(2), core::testing::icx(1000)}};
    for (const Address& a : {kProbeA, kProbeB, kProbeC}) registry.add_native(a, make_probe());
    base = std::make_unique<MapReader>(genesis_changes(params));
    journal = std::make_unique<Journal>(*base);
    ctx = BlockContext{&params, 1, 1'700'000'000'000'000, &registry};
  }

  core::Receipt send(const TxFields& f) { return apply_tx(*journal, ctx, make_tx(f), 0, cumulative); }
  core::Receipt call(const Address& to, std::string_view method, json::value params = nullptr, Uint256 value = 0) {
    TxFields f;
    f.to = to;
    f.value = value;
    f.data = call_data(method, std::move(params));
    return send(f);
  }
  CallResult query(const Address& to, std::string_view method, json::value params = nullptr) {
    contracts::CallRequest req;
    req.caller = user(1);
    req.contract = to;
    req.method = std::string(method);
    req.params = std::move(params);
    return execution::query(*journal, ctx, req);
  }
  std::optional<std::string> stored(const Address& contract, std::string_view key) const {
    auto v = journal->get(contract_storage_key(contract, as_bytes(key)));
    return v ? std::optional<std::string>(std::string(as_string_view(*v))) : std::nullopt;
  }
  Uint256 balance(const Address& a) const { return read_account(*journal, a).balance; }
  // Steps a call tx needs before any contract runs.
  Uint256 intrinsic(const TxFields& f) const { return intrinsic_steps(params, make_tx(f)); }
};

}  // namespace cx::execution::testing
