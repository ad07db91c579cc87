// dataType dispatch: what each kind of tx does in a block and what admission says about it, and the
// registry's resolver as execution sees it.
#include "execution/tx_handlers.hpp"

#include <gtest/gtest.h>

#include "execution/test_probe.hpp"

namespace cx::execution {
namespace {

using namespace testing;

uint32_t code_of(const core::Receipt& rc) { return rc.failure ? core::code_value(rc.failure->code) : 0; }

TEST(TxHandlers, TableCoversEveryDataTypeInOrder) {
  for (auto t : {core::DataType::kNone, core::DataType::kCall, core::DataType::kDeploy, core::DataType::kMessage,
                 core::DataType::kDeposit})
    EXPECT_EQ(tx_handler(t).type, t);
}

TEST(TxHandlers, TransferAndMessageMoveValue) {
  ProbeChain chain;
  TxFields f;
  f.to = user(2);
  f.value = Uint256(9);
  f.data_type = "";
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, Uint256(chain.params.step_costs.default_cost));
  ASSERT_EQ(rc.logs.size(), 1u);
  EXPECT_EQ(rc.logs[0].indexed[0], core::kIcxTransferSignature);

  f.data_type = "message";
  f.data = "0x68656c6c6f";  // 5 bytes
  rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  EXPECT_EQ(rc.step_used, Uint256(chain.params.step_costs.default_cost + 5 * chain.params.step_costs.input_per_byte));
  EXPECT_EQ(chain.balance(user(2)), *core::testing::icx(1000).checked_add(Uint256(18)));
}

TEST(TxHandlers, TransferToAContractNeedsTheContract) {
  ProbeChain chain;
  TxFields f;
  f.data_type = "";
  f.value = Uint256(4);
  f.to = contract_address(0x99);
  auto rc = chain.send(f);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kContractNotFound));
  EXPECT_EQ(chain.balance(f.to), Uint256(0));
  f.to = kProbeA;
  rc = chain.send(f);
  EXPECT_TRUE(rc.success);
  EXPECT_EQ(chain.balance(kProbeA), Uint256(4));
}

TEST(TxHandlers, CallRunsTheContract) {
  ProbeChain chain;
  TxFields f;
  f.data = call_data("set", json::object{{"key", "k"}, {"value", "v"}});
  EXPECT_TRUE(chain.send(f).success);
  EXPECT_EQ(chain.stored(kProbeA, "k"), "v");
  f.to = contract_address(0x99);
  EXPECT_EQ(code_of(chain.send(f)), core::code_value(core::FailureCode::kContractNotFound));
}

TEST(TxHandlers, DepositIsNotSupportedYet) {
  ProbeChain chain;
  const Uint256 before = chain.balance(user(1));
  TxFields deposit;
  deposit.data_type = "deposit";
  deposit.data = json::object{{"action", "add"}};
  deposit.value = Uint256(1);
  // Admission refuses it with a message that says so...
  auto rejection = validate_tx(*chain.journal, chain.params, 1'700'000'000'000'000, make_tx(deposit), chain.registry);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, core::TxReject::kUnsupportedDataType);
  EXPECT_EQ(rejection->detail.rfind("deposit is not supported yet", 0), 0u) << rejection->detail;
  // ...and a block that carries one anyway gives it a failure receipt; it pays its intrinsic steps.
  auto rc = chain.send(deposit);
  EXPECT_FALSE(rc.success);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kIllegalFormat));
  EXPECT_EQ(rc.failure->message, "deposit is not supported yet");
  EXPECT_EQ(rc.step_used, chain.intrinsic(deposit));
  EXPECT_EQ(chain.balance(kProbeA), Uint256(0));
  const Uint256 fees = *chain.cumulative.checked_mul(chain.params.step_price);
  EXPECT_EQ(chain.balance(user(1)), *before.checked_sub(fees));
}

TEST(TxHandlers, DeployNeedsARegistryThatRunsLuaContracts) {
  ProbeChain chain;  // natives only, no resolver
  TxFields deploy;
  deploy.to = contracts::chain_contract_address();
  deploy.data_type = "deploy";
  deploy.data = json::object{{"contentType", "application/zip"}, {"content", "0x504b0304"}};
  auto rejection = validate_tx(*chain.journal, chain.params, 1'700'000'000'000'000, make_tx(deploy), chain.registry);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, core::TxReject::kUnsupportedDataType);
  auto rc = chain.send(deploy);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kIllegalFormat));
  EXPECT_EQ(rc.failure->message, "deploy is not supported: this node runs no Lua contracts");
}

TEST(TxHandlers, AdmissionFindsCallTargetsInTheRegistry) {
  ProbeChain chain;
  TxFields f;
  f.data = call_data("set", json::object{{"key", "k"}, {"value", "v"}});
  const auto tx = make_tx(f);
  const int64_t now = 1'700'000'000'000'000;
  EXPECT_EQ(validate_tx(*chain.journal, chain.params, now, tx, chain.registry), std::nullopt);
  // The default registry has the chain contract and the Lua contracts deployed in state (none here).
  auto rejection = validate_tx(*chain.journal, chain.params, now, tx);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, core::TxReject::kBadData);
  EXPECT_EQ(rejection->detail, "no contract at " + kProbeA.to_string());
  f.to = contracts::chain_contract_address();
  f.data = call_data("getStepPrice");
  EXPECT_EQ(validate_tx(*chain.journal, chain.params, now, make_tx(f)), std::nullopt);
}

// Stands in for ACORE: one contract "deployed" at a fixed address, and a count of the questions asked.
class OneContractResolver final : public contracts::ContractResolver {
 public:
  std::shared_ptr<const contracts::Contract> resolve(const state::StateReader&, const Address& address) const override {
    ++asked;
    return address == contract_address(0x77) ? make_probe() : nullptr;
  }
  mutable int asked = 0;
};

TEST(TxHandlers, ContractsOutsideTheNativeTableComeFromTheResolver) {
  ProbeChain chain;
  auto resolver = std::make_shared<OneContractResolver>();
  chain.registry.set_resolver(resolver);
  TxFields f;
  f.to = contract_address(0x77);
  f.data = call_data("set", json::object{{"key", "k"}, {"value", "v"}});
  EXPECT_EQ(validate_tx(*chain.journal, chain.params, 1'700'000'000'000'000, make_tx(f), chain.registry), std::nullopt);
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(chain.stored(contract_address(0x77), "k"), "v");
  // Natives are found without asking the resolver.
  const int asked = resolver->asked;
  f.to = kProbeA;
  EXPECT_TRUE(chain.send(f).success);
  EXPECT_EQ(resolver->asked, asked);
  f.to = contract_address(0x78);
  EXPECT_EQ(code_of(chain.send(f)), core::code_value(core::FailureCode::kContractNotFound));
}

}  // namespace
}  // namespace cx::execution
