// The registry, ABI checks before a frame runs, and the chain contract, against a recording host.
#include "contracts/contract.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "contracts/native.hpp"

namespace cx::contracts {
namespace {

namespace json = boost::json;
using core::FailureCode;

// A host over a map that records every operation a contract makes, as "op:detail".
class RecordingHost final : public Host {
 public:
  core::ChainParams chain_params;
  BlockInfo block_info;
  TxInfo tx_info;
  Frame current;
  std::map<Bytes, Bytes> storage;
  std::vector<std::string> ops;
  Uint256 supply = Uint256(777);

  const core::ChainParams& params() const override { return chain_params; }
  const BlockInfo& block() const override { return block_info; }
  const TxInfo& tx() const override { return tx_info; }
  const Frame& frame() const override { return current; }
  HostResult<std::optional<Bytes>> storage_get(BytesView key) override {
    ops.push_back("get:" + std::string(as_string_view(key)));
    auto it = storage.find(Bytes(key.begin(), key.end()));
    return it == storage.end() ? std::optional<Bytes>() : std::optional<Bytes>(it->second);
  }
  HostStatus storage_set(BytesView key, std::optional<BytesView> value) override {
    ops.push_back("set:" + std::string(as_string_view(key)));
    if (current.read_only()) return core::Failure{FailureCode::kAccessDenied, "read-only"};
    if (value) storage[Bytes(key.begin(), key.end())] = Bytes(value->begin(), value->end());
    else storage.erase(Bytes(key.begin(), key.end()));
    return host_ok();
  }
  HostResult<Uint256> balance(const Address& account) override {
    ops.push_back("balance:" + account.to_string());
    return Uint256(0);
  }
  HostResult<Uint256> total_supply() override {
    ops.push_back("total_supply");
    return supply;
  }
  HostStatus emit(core::EventLog log) override {
    ops.push_back("emit:" + (log.indexed.empty() ? std::string() : log.indexed[0]));
    return host_ok();
  }
  HostStatus transfer(const Address& to, const Uint256& value) override {
    ops.push_back("transfer:" + to.to_string() + ":" + value.to_icon_hex());
    return host_ok();
  }
  HostStatus charge_steps(uint64_t steps) override {
    ops.push_back("charge:" + std::to_string(steps));
    return host_ok();
  }
  uint64_t steps_left() const override { return kAllSteps; }
  CallResult call(const CallArgs& args) override {
    ops.push_back("call:" + args.contract.to_string() + "." + args.method);
    return CallResult::fail(FailureCode::kContractNotFound, "no calls here");
  }
};

CallResult run(const Contract& c, Host& host, std::string_view method, const json::value& params = nullptr) {
  auto selected = select_method(c, method, params, host.frame());
  if (auto* f = std::get_if<core::Failure>(&selected)) return CallResult::fail(*f);
  return c.call(host, std::get<size_t>(selected), params);
}

TEST(Registry, ChainContractLivesAtTheSystemAddress) {
  const Registry& r = default_registry();
  auto reader = [] {
    struct Empty final : state::StateReader {
      std::optional<Bytes> get(BytesView) const override { return std::nullopt; }
    };
    return Empty{};
  }();
  EXPECT_EQ(chain_contract_address().to_string(), "cx0000000000000000000000000000000000000000");
  auto chain = r.find(reader, chain_contract_address());
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->name(), "chain");
  EXPECT_TRUE(r.has_native(chain_contract_address()));
  // An account address with the same 20 bytes is not a contract.
  EXPECT_EQ(r.find(reader, Address{false, {}}), nullptr);
  EXPECT_EQ(r.find(reader, *Address::parse("cx0000000000000000000000000000000000000001")), nullptr);
}

class CountingResolver final : public ContractResolver {
 public:
  std::shared_ptr<const Contract> resolve(const state::StateReader&, const Address& address) const override {
    asked.push_back(address);
    return address == target ? make_chain_contract() : nullptr;
  }
  Address target = *Address::parse("cx00000000000000000000000000000000000000aa");
  mutable std::vector<Address> asked;
};

TEST(Registry, ResolverIsAskedOnlyAboutContractsNotInTheNativeTable) {
  struct Empty final : state::StateReader {
    std::optional<Bytes> get(BytesView) const override { return std::nullopt; }
  } state;
  Registry r = make_native_registry();
  auto resolver = std::make_shared<CountingResolver>();
  r.set_resolver(resolver);
  EXPECT_NE(r.find(state, chain_contract_address()), nullptr);
  EXPECT_NE(r.find(state, resolver->target), nullptr);
  EXPECT_EQ(r.find(state, *Address::parse("cx00000000000000000000000000000000000000bb")), nullptr);
  EXPECT_EQ(r.find(state, *Address::parse("hx00000000000000000000000000000000000000aa")), nullptr);
  ASSERT_EQ(resolver->asked.size(), 2u);
  EXPECT_EQ(resolver->asked[0], resolver->target);
}

TEST(RegistryDeathTest, TwoNativesAtOneAddressIsABug) {
  Registry r = make_native_registry();
  EXPECT_DEATH(r.add_native(chain_contract_address(), make_chain_contract()), "two native contracts");
}

CallResult noop(Host&, const json::value&) { return CallResult::success(); }

constexpr NativeMethod kMethods[] = {
    {{"read", Access::kReadOnly, Payable::kNo, 5, "", "int"}, noop},
    {{"write", Access::kWrite, Payable::kNo, 7, "", ""}, noop},
    {{"pay", Access::kWrite, Payable::kYes, 0, "", ""}, noop},
};

TEST(SelectMethod, ChecksTheCallAgainstTheAbi) {
  NativeContract c("sample", kMethods);
  ASSERT_EQ(c.abi().size(), 3u);
  EXPECT_EQ(c.abi()[1].name, "write");
  EXPECT_EQ(c.abi()[1].step_cost, 7u);
  Frame f;
  auto code = [&](std::string_view m, const json::value& params = nullptr) {
    auto r = select_method(c, m, params, f);
    return std::holds_alternative<size_t>(r) ? FailureCode{} : std::get<core::Failure>(r).code;
  };
  EXPECT_EQ(std::get<size_t>(select_method(c, "pay", nullptr, f)), 2u);
  EXPECT_EQ(code("nope"), FailureCode::kMethodNotFound);
  EXPECT_EQ(code("write", json::array{1}), FailureCode::kInvalidParameter);
  EXPECT_EQ(code("write", json::object{{"a", 1}}), FailureCode{});
  f.value = Uint256(1);
  EXPECT_EQ(code("write"), FailureCode::kMethodNotPayable);
  EXPECT_EQ(code("pay"), FailureCode{});
  f.value = Uint256(0);
  f.access = Access::kReadOnly;
  EXPECT_EQ(code("write"), FailureCode::kAccessDenied);
  EXPECT_EQ(code("pay"), FailureCode::kAccessDenied);
  EXPECT_EQ(code("read"), FailureCode{});
  // Quoted method names are cut, so a long one cannot make a huge failure message.
  auto r = select_method(c, std::string(5000, 'x'), nullptr, f);
  EXPECT_LT(std::get<core::Failure>(r).message.size(), 200u);
}

TEST(ChainContract, AnswersFromChainParamsThroughTheHost) {
  RecordingHost host;
  host.chain_params.step_costs.set = 321;
  host.chain_params.validators = {*Address::parse("hx00000000000000000000000000000000000000aa")};
  auto chain = make_chain_contract();
  auto r = run(*chain, host, "getStepCosts");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.output.at("set"), "0x141");
  EXPECT_EQ(r.output.at("contractCall"), "0x61a8");
  r = run(*chain, host, "getValidators");
  EXPECT_EQ(json::serialize(r.output), "[\"hx00000000000000000000000000000000000000aa\"]");
  r = run(*chain, host, "getTotalSupply");
  EXPECT_EQ(r.output, "0x309");
  EXPECT_EQ(host.ops, std::vector<std::string>{"total_supply"});
  EXPECT_EQ(run(*chain, host, "transfer").code, FailureCode::kMethodNotFound);
  for (const auto& m : chain->abi()) EXPECT_EQ(m.access, Access::kReadOnly) << m.name;
}

TEST(HostResult, CarriesAValueOrTheFailure) {
  HostResult<int> ok(3);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  HostResult<int> bad(core::Failure{FailureCode::kOutOfStep, "out of step"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.failure().code, FailureCode::kOutOfStep);
  auto r = CallResult::fail(bad.failure());
  EXPECT_EQ(r.failure().message, "out of step");
}

}  // namespace
}  // namespace cx::contracts
