// Deploy and update txs, the code store they write, and the audit of code, run with a stand-in for
// the Lua runtime (acore/test_runtime.hpp).
#include "execution/deploy.hpp"

#include <gtest/gtest.h>

#include "acore/code_store.hpp"
#include "acore/package.hpp"
#include "acore/test_runtime.hpp"
#include "acore/test_zip.hpp"
#include "execution/test_probe.hpp"

namespace cx::execution {
namespace {

using namespace testing;
using acore::VersionStatus;

constexpr int64_t kNow = 1'700'000'000'000'000;
const Address kSystem = contracts::chain_contract_address();

std::string hex_of(std::string_view s) { return "0x" + to_hex(as_bytes(s)); }

struct DeployChain : ProbeChain {
  DeployChain() { registry.set_resolver(std::make_shared<const acore::Resolver>(acore::test::fake_runtime())); }

  TxFields deploy_fields(std::string_view source, const Address& to = kSystem, json::value params = nullptr,
                         std::string content_type = "application/x-lua") {
    TxFields f;
    f.to = to;
    f.data_type = "deploy";
    f.step_limit = 2'000'000'000;
    json::object d{{"contentType", content_type}, {"content", hex_of(source)}};
    if (!params.is_null()) d["params"] = std::move(params);
    f.data = std::move(d);
    return f;
  }
  std::optional<core::TxRejection> admit(const TxFields& f) {
    return validate_tx(*journal, params, kNow, make_tx(f), registry);
  }
  std::optional<acore::ContractInfo> info(const Address& a) const { return acore::read_contract_info(*journal, a); }
};

const std::string kV1 = "install\nexternal set\nreadonly get set\nreadonly installed\nupdate\nreadonly updated";
const std::string kV2 = kV1 + "\nexternal extra";

uint32_t code_of(const core::Receipt& rc) { return rc.failure ? core::code_value(rc.failure->code) : 0; }

TEST(Deploy, InstallsAtGoloopsAddressAndRunsOnInstall) {
  DeployChain chain;
  TxFields f = chain.deploy_fields(kV1, kSystem, json::object{{"value", "hello"}});
  f.nonce = 5;
  EXPECT_EQ(chain.admit(f), std::nullopt);
  const core::Transaction tx = make_tx(f);
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  const Address addr = acore::contract_address(user(1), kNow, Uint256(5));
  ASSERT_TRUE(rc.score_address.has_value());
  EXPECT_EQ(*rc.score_address, addr);
  EXPECT_EQ(chain.stored(addr, "installed"), "hello");
  // Steps: intrinsic, contractCreate, contractSet per content byte; the fake's hook costs one set.
  const auto& c = chain.params.step_costs;
  EXPECT_EQ(rc.step_used, Uint256(chain.intrinsic(f).low_u64() + c.contract_create + c.contract_set * kV1.size() + c.set));

  auto info = chain.info(addr);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->owner, user(1));
  ASSERT_TRUE(info->current.has_value());
  EXPECT_EQ(info->current->status, VersionStatus::kActive);
  EXPECT_EQ(info->current->deploy_tx_hash, tx.hash);
  EXPECT_EQ(info->current->audit_tx_hash, tx.hash);
  EXPECT_FALSE(info->next.has_value());
  EXPECT_EQ(*acore::read_deploy_tx(*chain.journal, tx.hash), addr);
  const auto code = acore::read_code(*chain.journal, info->current->code_hash);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(code->files[0].text, kV1);

  // Txs and icx_call reach the external methods, not the hooks.
  EXPECT_TRUE(chain.call(addr, "set", json::object{{"value", "v1"}}).success);
  EXPECT_EQ(chain.query(addr, "get").output, "v1");
  EXPECT_EQ(chain.query(addr, "installed").output, "hello");
  EXPECT_EQ(code_of(chain.call(addr, "on_install", json::object{{"value", "again"}})),
            core::code_value(core::FailureCode::kMethodNotFound));
  // A second deploy with the same sender, timestamp and nonce would land on the same address.
  auto again = chain.admit(f);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->detail.find("a contract already exists at " + addr.to_string()), std::string::npos);
}

TEST(Deploy, UpdateByTheOwnerKeepsAddressStorageAndTheEarlierVersion) {
  DeployChain chain;
  auto rc = chain.send(chain.deploy_fields(kV1, kSystem, json::object{{"value", "one"}}));
  ASSERT_TRUE(rc.success);
  const Address addr = *rc.score_address;
  ASSERT_TRUE(chain.call(addr, "set", json::object{{"value", "kept"}}).success);
  const Hash32 v1_hash = chain.info(addr)->current->code_hash;

  TxFields up = chain.deploy_fields(kV2, addr, json::object{{"value", "two"}});
  EXPECT_EQ(chain.admit(up), std::nullopt);
  rc = chain.send(up);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(*rc.score_address, addr);
  const auto& c = chain.params.step_costs;
  EXPECT_EQ(rc.step_used, Uint256(chain.intrinsic(up).low_u64() + c.contract_update + c.contract_set * kV2.size() + c.set));
  // The new version reads what the old one wrote; on_update ran, on_install did not run again.
  EXPECT_EQ(chain.query(addr, "get").output, "kept");
  EXPECT_EQ(chain.query(addr, "installed").output, "one");
  EXPECT_EQ(chain.query(addr, "updated").output, "two");
  EXPECT_TRUE(chain.call(addr, "extra", json::object{{"value", "x"}}).success);
  auto info = chain.info(addr);
  EXPECT_NE(info->current->code_hash, v1_hash);
  EXPECT_EQ(info->earlier_versions, 1u);
  auto old = acore::read_earlier_version(*chain.journal, addr, 0);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->code_hash, v1_hash);
  EXPECT_EQ(old->status, VersionStatus::kInactive);
  EXPECT_TRUE(acore::read_code(*chain.journal, v1_hash).has_value());
}

TEST(Deploy, OnlyTheOwnerMayUpdate) {
  DeployChain chain;
  const Address addr = *chain.send(chain.deploy_fields(kV1)).score_address;
  TxFields up = chain.deploy_fields(kV2, addr);
  up.from = user(2);
  auto rejection = chain.admit(up);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->detail, "only the owner " + user(1).to_string() + " may update " + addr.to_string() + ", not " +
                                   user(2).to_string());
  auto rc = chain.send(up);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kAccessDenied));
  EXPECT_FALSE(rc.score_address.has_value());
  EXPECT_EQ(chain.info(addr)->earlier_versions, 0u);
  // Natives and accounts are not deploy targets.
  rejection = chain.admit(chain.deploy_fields(kV1, kProbeA));
  ASSERT_TRUE(rejection.has_value());
  EXPECT_NE(rejection->detail.find("a deploy goes to " + kSystem.to_string()), std::string::npos);
  rejection = chain.admit(chain.deploy_fields(kV1, contract_address(0x55)));
  EXPECT_EQ(rejection->detail, "no deployed contract at " + contract_address(0x55).to_string() + " to update");
}

TEST(Deploy, CodeThatCannotWorkIsRefusedNamingFileLineAndCause) {
  DeployChain chain;
  const Uint256 before = chain.balance(user(1));
  TxFields f = chain.deploy_fields("external a\nsyntax 'end'");
  auto rejection = chain.admit(f);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, core::TxReject::kBadData);
  EXPECT_EQ(rejection->detail, "deploy refused: main.lua:2: syntax error near ''end''");
  auto rc = chain.send(f);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kIllegalFormat));
  EXPECT_EQ(rc.failure->message, "deploy refused: main.lua:2: syntax error near ''end''");
  EXPECT_LT(chain.balance(user(1)), before);  // the fee is paid

  f = chain.deploy_fields("x", kSystem, nullptr, "application/java");
  EXPECT_EQ(chain.admit(f)->detail, "deploy refused: unknown contentType 'application/java': use application/zip (a zip of "
                                    "Lua files) or application/x-lua (one source file)");
  const Bytes zip = acore::test::make_zip({{"lib.lua", "x"}});
  f = chain.deploy_fields("", kSystem, nullptr, "application/zip");
  f.data.as_object()["content"] = "0x" + to_hex(zip);
  EXPECT_EQ(chain.admit(f)->detail, "deploy refused: main.lua: the package has no main.lua (put it at the root of the zip, "
                                    "or in the zip's single top-level folder)");
  f = chain.deploy_fields(kV1);
  f.data.as_object()["params"] = "oops";
  EXPECT_EQ(chain.admit(f)->detail, "deploy data.params must be an object (the params of on_install/on_update)");
  f = chain.deploy_fields(kV1);
  f.value = Uint256(1);
  EXPECT_EQ(chain.admit(f)->detail, "a deploy cannot carry value");
}

TEST(Deploy, AFailingOnInstallLeavesNoContract) {
  DeployChain chain;
  TxFields f = chain.deploy_fields("fail_install\nexternal a");
  EXPECT_EQ(chain.admit(f), std::nullopt);  // only running it shows the failure
  auto rc = chain.send(f);
  EXPECT_EQ(code_of(rc), core::code_value(core::user_failure(1)));
  EXPECT_EQ(rc.failure->message, "on_install of " + acore::contract_address(user(1), kNow, std::nullopt).to_string() +
                                     " failed: install refused");
  EXPECT_FALSE(rc.score_address.has_value());
  EXPECT_FALSE(chain.info(acore::contract_address(user(1), kNow, std::nullopt)).has_value());
}

TEST(Deploy, StepLimitMustCoverTheCodeStored) {
  DeployChain chain;
  TxFields f = chain.deploy_fields(kV1);
  f.step_limit = chain.params.step_costs.contract_create;  // less than intrinsic + create + set per byte
  auto rejection = chain.admit(f);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, core::TxReject::kStepLimitTooLow);
  auto rc = chain.send(f);
  EXPECT_EQ(code_of(rc), core::code_value(core::FailureCode::kOutOfStep));
  EXPECT_EQ(rc.step_used, Uint256(f.step_limit));
}

TEST(Deploy, AllowListKeepsOthersOut) {
  DeployChain chain;
  chain.params.deployer_allow_list = true;
  chain.params.deployers = {user(2)};
  auto rejection = chain.admit(chain.deploy_fields(kV1));
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->detail, user(1).to_string() + " is not on this channel's list of deployers");
  EXPECT_EQ(code_of(chain.send(chain.deploy_fields(kV1))), core::code_value(core::FailureCode::kAccessDenied));
  TxFields f = chain.deploy_fields(kV1);
  f.from = user(2);
  EXPECT_TRUE(chain.send(f).success);
}

TEST(Deploy, WithAuditTheVersionWaitsForAnAuditor) {
  DeployChain chain;
  chain.params.audit_enabled = true;
  chain.params.auditors = {user(2)};
  TxFields f = chain.deploy_fields(kV1, kSystem, json::object{{"value", "audited"}});
  const Hash32 deploy_hash = make_tx(f).hash;
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success);
  const Address addr = *rc.score_address;
  EXPECT_EQ(chain.info(addr)->next->status, VersionStatus::kPending);
  EXPECT_FALSE(chain.info(addr)->current.has_value());
  EXPECT_EQ(code_of(chain.call(addr, "set", json::object{{"value", "x"}})), core::code_value(core::FailureCode::kContractNotFound));
  EXPECT_FALSE(chain.stored(addr, "installed").has_value());  // on_install waits too

  TxFields accept;
  accept.to = kSystem;
  accept.data = call_data("acceptScore", json::object{{"txHash", "0x" + deploy_hash.hex()}});
  auto refused = chain.admit(accept);  // user(1) is no auditor
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->detail, user(1).to_string() + " is not an auditor of this channel");
  accept.from = user(2);
  EXPECT_EQ(chain.admit(accept), std::nullopt);
  const Hash32 accept_hash = make_tx(accept).hash;
  rc = chain.send(accept);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  ASSERT_EQ(rc.logs.size(), 1u);
  EXPECT_EQ(rc.logs[0].indexed, (std::vector<std::string>{"Accepted(str)", "0x" + deploy_hash.hex()}));
  auto info = chain.info(addr);
  EXPECT_EQ(info->current->status, VersionStatus::kActive);
  EXPECT_EQ(info->current->audit_tx_hash, accept_hash);
  EXPECT_FALSE(info->next.has_value());
  EXPECT_EQ(chain.stored(addr, "installed"), "audited");  // on_install ran with the deploy's params, owner calling
  EXPECT_EQ(chain.admit(accept)->detail, "deploy 0x" + deploy_hash.hex() + " of " + addr.to_string() +
                                             " is not waiting for audit (accepted, rejected or replaced since)");

  // An update waits as next while the current version keeps running; a rejection leaves it so.
  TxFields up = chain.deploy_fields(kV2, addr);
  const Hash32 up_hash = make_tx(up).hash;
  ASSERT_TRUE(chain.send(up).success);
  EXPECT_EQ(chain.info(addr)->next->status, VersionStatus::kPending);
  EXPECT_EQ(code_of(chain.call(addr, "extra", json::object{{"value", "x"}})), core::code_value(core::FailureCode::kMethodNotFound));
  TxFields reject;
  reject.from = user(2);
  reject.to = kSystem;
  reject.data = call_data("rejectScore", json::object{{"txHash", "0x" + up_hash.hex()}, {"reason", "no tests"}});
  rc = chain.send(reject);
  ASSERT_TRUE(rc.success) << rc.failure->message;
  EXPECT_EQ(rc.logs[0].data, (std::vector<std::string>{"no tests"}));
  info = chain.info(addr);
  EXPECT_EQ(info->next->status, VersionStatus::kRejected);
  EXPECT_EQ(info->next->audit_tx_hash, make_tx(reject).hash);
  EXPECT_EQ(info->current->status, VersionStatus::kActive);
  EXPECT_TRUE(chain.call(addr, "set", json::object{{"value", "still v1"}}).success);
}

TEST(Deploy, TheDefaultRegistryRunsLuaContracts) {
  const auto* resolver = dynamic_cast<const acore::Resolver*>(default_registry().resolver());
  EXPECT_NE(resolver, nullptr);
  EXPECT_TRUE(default_registry().has_native(kSystem));
}

}  // namespace
}  // namespace cx::execution
