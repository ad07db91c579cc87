// Call frames, nested calls, read-only frames, the depth limit and per-operation step charging, seen
// through receipts and state as a user would see them. The probe contract is in test_probe.hpp.
#include "execution/exec_host.hpp"

#include <gtest/gtest.h>

#include "execution/test_probe.hpp"

namespace cx::execution {
namespace {

using namespace testing;

constexpr uint64_t kGet = 25, kSet = 320, kEventLog = 100, kContractCall = 25000;

json::object call_other(const Address& target, std::string_view method, json::value args = nullptr) {
  json::object p;
  p["target"] = target.to_string();
  p["method"] = method;
  if (!args.is_null()) p["args"] = std::move(args);
  return p;
}

json::object kv(std::string_view key, std::string_view value) { return {{"key", key}, {"value", value}}; }

uint32_t code_of(const core::Receipt& rc) { return rc.failure ? core::code_value(rc.failure->code) : 0; }

Uint256 steps(const Uint256& base, uint64_t more) { return *base.checked_add(Uint256(more)); }

TxFields call_fields(const Address& to, std::string_view method, json::value params = nullptr) {
  TxFields f;
  f.to = to;
  f.data = call_data(method, std::move(params));
  return f;
}

TEST(ExecHost, StepsAreChargedPerOperation) {
  ProbeChain chain;
  // set: the method's own step cost, then one storage write.
  auto f = call_fields(kProbeA, "set", kv("k", "v"));
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kSetMethodSteps + kSet));
  EXPECT_EQ(chain.stored(kProbeA, "k"), "v");

  f = call_fields(kProbeA, "get", json::object{{"key", "k"}});
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kGet));

  f = call_fields(kProbeA, "emit", json::object{{"count", 3}});
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), 3 * kEventLog));
  EXPECT_EQ(rc.logs.size(), 3u);

  f = call_fields(kProbeA, "burn", json::object{{"steps", 12345}});
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), 12345));

  // A nested call: contractCall to the caller, the callee's own steps, then the caller's two writes.
  f = call_fields(kProbeA, "callOther", call_other(kProbeB, "set", kv("k", "w")));
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kContractCall + kSetMethodSteps + kSet + 2 * kSet));
  EXPECT_EQ(chain.stored(kProbeB, "k"), "w");
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), "ok");
}

TEST(ExecHost, ChainContractCallsPayForTheStateTheyRead) {
  ProbeChain chain;
  // Channel parameters are not state: intrinsic steps only.
  auto f = call_fields(contracts::chain_contract_address(), "getStepPrice");
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, chain.intrinsic(f));
  // The total supply is: one read.
  f = call_fields(contracts::chain_contract_address(), "getTotalSupply");
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kGet));
  // So is a balance.
  f = call_fields(kProbeA, "balance", json::object{{"account", user(2).to_string()}});
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kGet));
}

TEST(ExecHost, FramesKnowCallerOriginValueDepthAndAccess) {
  ProbeChain chain;
  json::object p = call_other(kProbeB, "deposit");
  p["value"] = 2;
  auto rc = chain.call(kProbeA, "callOther", p, Uint256(5));
  ASSERT_TRUE(rc.success) << rc.failure->message;
  auto frame = json::parse(*chain.stored(kProbeB, "frame")).as_object();
  EXPECT_EQ(frame["contract"], json::value(kProbeB.to_string()));
  EXPECT_EQ(frame["caller"], json::value(kProbeA.to_string()));
  EXPECT_EQ(frame["origin"], json::value(user(1).to_string()));
  EXPECT_EQ(frame["value"], "0x2");
  EXPECT_EQ(frame["depth"], 1);
  EXPECT_EQ(frame["readOnly"], false);
  // The value moved with the call, and both moves are reported, the tx's first.
  EXPECT_EQ(chain.balance(kProbeA), Uint256(3));
  EXPECT_EQ(chain.balance(kProbeB), Uint256(2));
  ASSERT_EQ(rc.logs.size(), 2u);
  EXPECT_EQ(rc.logs[0].indexed[1], user(1).to_string());
  EXPECT_EQ(rc.logs[1].indexed[1], kProbeA.to_string());
  EXPECT_EQ(rc.logs[1].indexed[2], kProbeB.to_string());
  EXPECT_EQ(rc.logs[1].indexed[3], "0x2");

  // icx_call: the outermost frame is read-only, and so is every frame it opens.
  auto r = chain.query(kProbeA, "relay", call_other(kProbeB, "frame"));
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.output.at("caller"), json::value(kProbeA.to_string()));
  EXPECT_EQ(r.output.at("origin"), json::value(user(1).to_string()));
  EXPECT_EQ(r.output.at("depth"), 1);
  EXPECT_EQ(r.output.at("readOnly"), true);
}

TEST(ExecHost, FailedCalleeRevertsOnlyItsOwnWritesEventsAndValue) {
  ProbeChain chain;
  json::object p = call_other(kProbeB, "setThenRevert", kv("k", "v"));
  p["value"] = 2;
  auto rc = chain.call(kProbeA, "callOther", p, Uint256(5));
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(chain.stored(kProbeB, "k"), std::nullopt);
  // The caller saw the failure (user code 7 = 39) and went on writing.
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), "39");
  EXPECT_EQ(chain.stored(kProbeA, "after"), "1");
  EXPECT_EQ(chain.balance(kProbeA), Uint256(5));
  EXPECT_EQ(chain.balance(kProbeB), Uint256(0));
  // Only the tx's own transfer is left: the callee's event and the value it got are gone.
  ASSERT_EQ(rc.logs.size(), 1u);
  EXPECT_EQ(rc.logs[0].indexed[2], kProbeA.to_string());
}

TEST(ExecHost, FailedCalleeRevertsWhatItsOwnCalleesDid) {
  ProbeChain chain;
  auto rc = chain.call(kProbeA, "callOther",
                       call_other(kProbeB, "callThenRevert", call_other(kProbeC, "set", kv("k", "v"))));
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeC, "k"), std::nullopt);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), "40");
}

TEST(ExecHost, CallerWithoutTheValueGetsOutOfBalanceAndGoesOn) {
  ProbeChain chain;
  json::object p = call_other(kProbeB, "deposit");
  p["value"] = 10;
  auto rc = chain.call(kProbeA, "callOther", p, Uint256(3));
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), "11");
  EXPECT_EQ(chain.stored(kProbeB, "frame"), std::nullopt);
  EXPECT_EQ(chain.balance(kProbeA), Uint256(3));
}

TEST(ExecHost, TxWhoseCallFailsRevertsEverythingButTheFee) {
  ProbeChain chain;
  const Uint256 before = chain.balance(user(1));
  auto rc = chain.call(kProbeA, "callThenRevert", call_other(kProbeB, "set", kv("k", "v")), Uint256(5));
  ASSERT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), 40u);
  EXPECT_EQ(rc.failure->message, "callee said ok");
  EXPECT_EQ(chain.stored(kProbeB, "k"), std::nullopt);
  EXPECT_EQ(chain.balance(kProbeA), Uint256(0));
  EXPECT_EQ(chain.balance(user(1)), *before.checked_sub(*rc.step_used.checked_mul(chain.params.step_price)));
  EXPECT_TRUE(rc.logs.empty());
}

TEST(ExecHost, WriteInAReadOnlyCallIsAFailureNotAnAbort) {
  ProbeChain chain;
  // icx_call of a method that claims to be read-only but writes.
  auto r = chain.query(kProbeA, "sneakyWrite");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, FailureCode::kAccessDenied);
  EXPECT_EQ(chain.stored(kProbeA, "sneaky"), std::nullopt);
  // icx_call of a method that writes is refused before it runs.
  r = chain.query(kProbeA, "set", kv("k", "v"));
  EXPECT_EQ(r.code, FailureCode::kAccessDenied);
  EXPECT_NE(r.message.find("writes state"), std::string::npos) << r.message;
  // In a tx too, a read-only method runs read-only.
  auto rc = chain.call(kProbeA, "sneakyWrite");
  EXPECT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kAccessDenied));
  EXPECT_EQ(chain.stored(kProbeA, "sneaky"), std::nullopt);
}

TEST(ExecHost, ReadOnlyFramePropagatesToCallees) {
  ProbeChain chain;
  const std::string denied = std::to_string(core::code_value(FailureCode::kAccessDenied));
  // A read-only method (relay) cannot make its callee write: not through a writing method...
  auto rc = chain.call(kProbeA, "callOther", call_other(kProbeB, "relay", call_other(kProbeC, "set", kv("k", "v"))));
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), denied);
  EXPECT_EQ(chain.stored(kProbeC, "k"), std::nullopt);
  // ...nor through a write hidden in a read-only one...
  rc = chain.call(kProbeA, "callOther", call_other(kProbeB, "relay", call_other(kProbeC, "sneakyWrite")));
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), denied);
  EXPECT_EQ(chain.stored(kProbeC, "sneaky"), std::nullopt);
  // ...nor by sending value.
  json::object with_value = call_other(kProbeC, "deposit");
  with_value["value"] = 1;
  rc = chain.call(kProbeA, "callOther", call_other(kProbeB, "relay", with_value), Uint256(4));
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), denied);
  EXPECT_EQ(chain.balance(kProbeC), Uint256(0));
  // A caller may open a read-only frame itself; then no value may go with it.
  json::object ro = call_other(kProbeB, "set", kv("k", "v"));
  ro["readOnly"] = 1;
  rc = chain.call(kProbeA, "callOther", ro);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), denied);
  ro = call_other(kProbeB, "deposit");
  ro["readOnly"] = 1;
  ro["value"] = 1;
  rc = chain.call(kProbeA, "callOther", ro, Uint256(1));
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), std::to_string(core::code_value(FailureCode::kInvalidParameter)));
}

TEST(ExecHost, CallsNestAtMostToTheDepthLimit) {
  ProbeChain chain;
  auto f = call_fields(kProbeA, "recurse");
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(chain.stored(kProbeA, "depth"), std::to_string(contracts::kCallDepthMax));
  EXPECT_EQ(chain.stored(kProbeA, "refused"),
            std::to_string(core::code_value(FailureCode::kStackOverflow)) + " at " +
                std::to_string(contracts::kCallDepthMax));
  // Frames 0..64 each write their depth and pay for one call; the deepest also writes the refusal.
  constexpr uint64_t kFrames = contracts::kCallDepthMax + 1;
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kFrames * (kSet + kContractCall) + kSet));
}

TEST(ExecHost, CalleeOutOfStepWithinItsLimitLeavesTheCallerGoing) {
  ProbeChain chain;
  json::object p = call_other(kProbeB, "burn", json::object{{"steps", 1'000'000'000}});
  p["stepLimit"] = 50'000;
  auto f = call_fields(kProbeA, "callOther", p);
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(kProbeA, "call.result"), std::to_string(core::code_value(FailureCode::kOutOfStep)));
  EXPECT_EQ(chain.stored(kProbeA, "after"), "1");
  // The callee used all it was allowed.
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), kContractCall + 50'000 + 2 * kSet));
}

TEST(ExecHost, CalleeThatExhaustsTheSharedBudgetFailsTheTx) {
  ProbeChain chain;
  auto f = call_fields(kProbeA, "callOther", call_other(kProbeB, "burnThenSet", json::object{{"steps", 1'000'000'000}}));
  f.step_limit = 400'000;
  auto rc = chain.send(f);
  ASSERT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kOutOfStep));
  EXPECT_EQ(rc.step_used, Uint256(f.step_limit));
  EXPECT_EQ(chain.stored(kProbeB, "burnt"), std::nullopt);
  EXPECT_EQ(chain.stored(kProbeA, "after"), std::nullopt);
}

TEST(ExecHost, OutOfStepFailsTheFrameEvenIfTheContractIgnoresIt) {
  ProbeChain chain;
  auto rc = chain.call(kProbeA, "burnThenSet", json::object{{"steps", 1'000'000'000}});
  ASSERT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kOutOfStep));
  EXPECT_EQ(chain.stored(kProbeA, "burnt"), std::nullopt);
  // A method whose own step cost does not fit.
  auto f = call_fields(kProbeA, "set", kv("k", "v"));
  f.step_limit = chain.intrinsic(f).low_u64() + kSetMethodSteps - 1;
  rc = chain.send(f);
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kOutOfStep));
  EXPECT_EQ(rc.step_used, Uint256(f.step_limit));
}

TEST(ExecHost, EventsCarryTheEmitterAndStayWithinTheReceiptsBounds) {
  ProbeChain chain;
  auto rc = chain.call(kProbeA, "emit", json::object{{"count", 2}});
  ASSERT_TRUE(rc.success);
  ASSERT_EQ(rc.logs.size(), 2u);
  EXPECT_EQ(rc.logs[0].score, kProbeA);  // the probe claimed kProbeC
  EXPECT_EQ(rc.logs[1].data, std::vector<std::string>{"1"});

  rc = chain.call(kProbeA, "emit", json::object{{"count", 1}, {"items", core::kLogItemsMax + 1}});
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kInvalidParameter));
  // As many logs as fit with the tx's own transfer event, and not one more.
  rc = chain.call(kProbeA, "emit", json::object{{"count", core::kReceiptLogsMax - 1}}, Uint256(1));
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(rc.logs.size(), core::kReceiptLogsMax);
  EXPECT_TRUE(core::Receipt::decode(rc.encode()).has_value());
  rc = chain.call(kProbeA, "emit", json::object{{"count", core::kReceiptLogsMax}});
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kInvalidParameter));
}

TEST(ExecHost, LongFailureMessagesAreCutToFitTheReceipt) {
  ProbeChain chain;
  json::object p = kv("k", "v");
  p["message"] = std::string(3 * core::kFailureMessageBytesMax, 'x');
  auto rc = chain.call(kProbeA, "setThenRevert", p);
  ASSERT_FALSE(rc.success);
  EXPECT_LE(rc.failure->message.size(), core::kFailureMessageBytesMax);
  EXPECT_TRUE(core::Receipt::decode(rc.encode()).has_value());
  // A method name as long as a tx allows is quoted only in part.
  rc = chain.call(kProbeA, std::string(10'000, 'm'));
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kMethodNotFound));
  EXPECT_LT(rc.failure->message.size(), 200u);
  EXPECT_TRUE(core::Receipt::decode(rc.encode()).has_value());
  auto r = chain.query(kProbeA, std::string(10'000, 'm'));
  EXPECT_LT(r.message.size(), 200u);
}

TEST(ExecHost, BalanceReadsThroughTheHost) {
  ProbeChain chain;
  auto r = chain.query(kProbeA, "balance", json::object{{"account", user(2).to_string()}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.output, json::value(core::testing::icx(1000).to_icon_hex()));
}

TEST(ExecHost, ContractsTransferToAnyAccount) {
  ProbeChain chain;
  const Uint256 before = chain.balance(user(2));
  auto f = call_fields(kProbeA, "pay", json::object{{"to", user(2).to_string()}, {"value", 3}});
  f.value = Uint256(5);
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(chain.balance(kProbeA), Uint256(2));
  EXPECT_EQ(chain.balance(user(2)), *before.checked_add(Uint256(3)));
  // The tx's own transfer first, then the contract's, as ICON reports them.
  ASSERT_EQ(rc.logs.size(), 2u);
  EXPECT_EQ(rc.logs[1].indexed[0], core::kIcxTransferSignature);
  EXPECT_EQ(rc.logs[1].indexed[1], kProbeA.to_string());
  EXPECT_EQ(rc.logs[1].indexed[2], user(2).to_string());
  EXPECT_EQ(rc.logs[1].indexed[3], "0x3");
  // Two balance reads and writes, then the write of "after".
  EXPECT_EQ(rc.step_used, steps(chain.intrinsic(f), 2 * (kGet + kSet) + kSet));
  // To a contract too, without running it.
  rc = chain.call(kProbeA, "pay", json::object{{"to", kProbeB.to_string()}, {"value", 2}});
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.balance(kProbeB), Uint256(2));
  EXPECT_EQ(chain.stored(kProbeB, "frame"), std::nullopt);
}

TEST(ExecHost, TransferBeyondTheBalanceOrFromAReadOnlyCallFailsTheFrame) {
  ProbeChain chain;
  auto rc = chain.call(kProbeA, "pay", json::object{{"to", user(2).to_string()}, {"value", 9}}, Uint256(5));
  ASSERT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kOutOfBalance));
  EXPECT_EQ(chain.stored(kProbeA, "after"), std::nullopt);
  EXPECT_EQ(chain.balance(kProbeA), Uint256(0));
  auto r = chain.query(kProbeA, "payReadOnly", json::object{{"to", user(2).to_string()}, {"value", 0}});
  EXPECT_EQ(r.code, FailureCode::kAccessDenied);
  rc = chain.call(kProbeA, "payReadOnly", json::object{{"to", user(2).to_string()}, {"value", 0}});
  EXPECT_EQ(code_of(rc), core::code_value(FailureCode::kAccessDenied));
}

TEST(ExecHost, ContractsSeeTheTxTheyRunIn) {
  ProbeChain chain;
  struct TxProbe final : contracts::Contract {
    std::string_view name() const override { return "txprobe"; }
    std::span<const contracts::MethodAbi> abi() const override {
      static const contracts::MethodAbi kAbi[] = {{"tx", Access::kWrite, Payable::kNo, 0, "", ""}};
      return kAbi;
    }
    CallResult call(Host& host, size_t, const json::value&) const override {
      put(host, "hash", host.tx().hash.hex());
      put(host, "timestamp", std::to_string(host.tx().timestamp_us));
      return CallResult::success();
    }
  };
  const Address probe = contract_address(0x77);
  chain.registry.add_native(probe, std::make_shared<TxProbe>());
  TxFields f = call_fields(probe, "tx");
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(chain.stored(probe, "hash"), make_tx(f).hash.hex());
  EXPECT_EQ(chain.stored(probe, "timestamp"), "1700000000000000");
}

}  // namespace
}  // namespace cx::execution
