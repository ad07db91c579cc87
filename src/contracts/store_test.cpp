// The ACORE Store against an in-memory host: publishing, reading, versions in semver order, licences,
// and refusals of bad input that name the cause and leave the storage as it was.
#include "contracts/store.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "contracts/native.hpp"
#include "crypto/hash.hpp"

namespace cx::contracts {
namespace {

namespace json = boost::json;
using core::FailureCode;

Address account(uint8_t n) {
  FixedBytes<20> id{};
  id.data()[19] = n;
  return Address{false, id};
}

// Storage in a map; transfers, events and steps recorded. Failures are not sticky here: the store
// returns them, and the tests check it wrote nothing before it did.
class StoreHost final : public Host {
 public:
  core::ChainParams chain_params;
  BlockInfo block_info{7, 0};
  TxInfo tx_info;
  Frame current;
  std::map<Bytes, Bytes> storage;
  std::vector<std::pair<Address, Uint256>> transfers;
  std::vector<core::EventLog> logs;
  uint64_t steps = 0;

  const core::ChainParams& params() const override { return chain_params; }
  const BlockInfo& block() const override { return block_info; }
  const TxInfo& tx() const override { return tx_info; }
  const Frame& frame() const override { return current; }
  HostResult<std::optional<Bytes>> storage_get(BytesView key) override {
    auto it = storage.find(Bytes(key.begin(), key.end()));
    return it == storage.end() ? std::optional<Bytes>() : std::optional<Bytes>(it->second);
  }
  HostStatus storage_set(BytesView key, std::optional<BytesView> value) override {
    if (current.read_only()) return core::Failure{FailureCode::kAccessDenied, "read-only"};
    if (value) storage[Bytes(key.begin(), key.end())] = Bytes(value->begin(), value->end());
    else storage.erase(Bytes(key.begin(), key.end()));
    return host_ok();
  }
  HostResult<Uint256> balance(const Address&) override { return Uint256(0); }
  HostResult<Uint256> total_supply() override { return Uint256(0); }
  HostStatus emit(core::EventLog log) override {
    logs.push_back(std::move(log));
    return host_ok();
  }
  HostStatus transfer(const Address& to, const Uint256& value) override {
    transfers.emplace_back(to, value);
    return host_ok();
  }
  HostStatus charge_steps(uint64_t n) override {
    steps += n;
    return host_ok();
  }
  uint64_t steps_left() const override { return UINT64_MAX - steps; }
  CallResult call(const CallArgs&) override { return CallResult::fail(FailureCode::kContractNotFound, "no calls"); }
};

class StoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Contract> store = make_store_contract();
  StoreHost host;
  Address alice = account(1), bob = account(2);

  CallResult run(std::string_view method, const json::value& params, const Address& caller, Uint256 value = Uint256(),
                 Access access = Access::kWrite) {
    host.current = Frame{store_contract_address(), caller, caller, value, 0, access};
    auto selected = select_method(*store, method, params, host.current);
    if (auto* f = std::get_if<core::Failure>(&selected)) return CallResult::fail(*f);
    return store->call(host, std::get<size_t>(selected), params);
  }

  static json::object publication(std::string_view name, std::string_view version, std::string_view price = "0x0") {
    return json::object{{"name", name}, {"version", version}, {"description", "a token"}, {"price", price},
                        {"contentType", "application/x-lua"}, {"content", "0x" + to_hex(as_bytes("-- code of " + std::string(version)))}};
  }

  CallResult publish(const json::object& p, const Address& who) { return run("publish", p, who); }

  json::value read(std::string_view method, const json::value& params) {
    CallResult r = run(method, params, alice, Uint256(), Access::kReadOnly);
    EXPECT_TRUE(r.ok) << method << ": " << r.message;
    return r.output;
  }

  // Refused with kInvalidParameter (or `code`), naming `why`, and nothing written.
  void expect_refused(std::string_view method, const json::value& params, const Address& who, std::string_view why,
                      FailureCode code = FailureCode::kInvalidParameter, Uint256 value = Uint256()) {
    const auto before = host.storage;
    const size_t logs = host.logs.size(), transfers = host.transfers.size();
    CallResult r = run(method, params, who, value);
    EXPECT_FALSE(r.ok) << json::serialize(params);
    EXPECT_EQ(r.code, code) << r.message;
    EXPECT_NE(r.message.find(why), std::string::npos) << "message: " << r.message << "\nexpected: " << why;
    EXPECT_EQ(host.storage, before) << r.message;
    EXPECT_EQ(host.logs.size(), logs);
    EXPECT_EQ(host.transfers.size(), transfers);
  }
};

TEST_F(StoreTest, LivesInTheDefaultRegistryAtItsFixedAddress) {
  EXPECT_EQ(store_contract_address().to_string(), "cx0000000000000000000000000000000000000002");
  EXPECT_TRUE(default_registry().has_native(store_contract_address()));
}

TEST_F(StoreTest, PublishThenReadEntryContentVersionsAndList) {
  const std::string content_hex = "0x" + to_hex(as_bytes(std::string("-- code of 1.0.0")));
  ASSERT_TRUE(publish(publication("irc2", "1.0.0", "0x64"), alice).ok);
  EXPECT_EQ(host.steps, host.chain_params.step_costs.contract_set * 16);  // contractSet per content byte
  ASSERT_EQ(host.logs.size(), 1u);
  const Hash32 code_hash = crypto::sha3_256(as_bytes(std::string("-- code of 1.0.0")));
  EXPECT_EQ(host.logs[0].indexed, (std::vector<std::string>{"Published(str,str,Address,bytes,int)", "irc2"}));
  EXPECT_EQ(host.logs[0].data, (std::vector<std::string>{"1.0.0", alice.to_string(), "0x" + code_hash.hex(), "0x64"}));

  for (const char* v : {"1.10.0", "1.2.0", "2.0.0-rc.1", "1.2.0-alpha", "2.0.0-rc.1.1", "2.0.0-alpha.beta"})
    ASSERT_TRUE(publish(publication("irc2", v), alice).ok) << v;
  ASSERT_TRUE(publish(publication("vote", "0.1.0"), bob).ok);

  const json::value e = read("get", json::object{{"name", "irc2"}, {"version", "1.0.0"}});
  EXPECT_EQ(e.at("publisher").as_string(), alice.to_string());
  EXPECT_EQ(e.at("price"), "0x64");
  EXPECT_EQ(e.at("codeHash").as_string(), "0x" + code_hash.hex());
  EXPECT_EQ(e.at("contentType"), "application/x-lua");
  EXPECT_EQ(e.at("description"), "a token");
  EXPECT_EQ(e.at("publishedHeight"), "0x7");
  const json::value c = read("getContent", json::object{{"name", "irc2"}, {"version", "1.0.0"}});
  EXPECT_EQ(c.at("content").as_string(), content_hex);

  EXPECT_EQ(json::serialize(read("versions", json::object{{"name", "irc2"}})),
            R"(["1.0.0","1.2.0-alpha","1.2.0","1.10.0","2.0.0-alpha.beta","2.0.0-rc.1","2.0.0-rc.1.1"])");
  const json::value all = read("list", nullptr);
  EXPECT_EQ(all.at("total"), "0x2");
  EXPECT_EQ(json::serialize(all.at("items")),
            R"([{"name":"irc2","publisher":")" + alice.to_string() + R"(","latest":"2.0.0-rc.1.1","versions":"0x7"},)"
            R"({"name":"vote","publisher":")" + bob.to_string() + R"(","latest":"0.1.0","versions":"0x1"}])");
  const json::value page = read("list", json::object{{"offset", "0x1"}, {"limit", "0x1"}});
  EXPECT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").at(0).at("name"), "vote");
}

TEST_F(StoreTest, BadInputIsRefusedWithItsCauseAndChangesNothing) {
  ASSERT_TRUE(publish(publication("irc2", "1.0.0"), alice).ok);
  auto with = [](json::object p, std::string_view field, json::value v) {
    if (v.is_null()) p.erase(field);
    else p[field] = std::move(v);
    return p;
  };
  const json::object ok = publication("token", "1.0.0");
  expect_refused("publish", with(ok, "name", ""), alice, "the name is empty");
  expect_refused("publish", with(ok, "name", "Token"), alice, "must start with a lower-case letter");
  expect_refused("publish", with(ok, "name", "to ken"), alice, "may hold only a-z, 0-9");
  expect_refused("publish", with(ok, "name", "token-"), alice, "must not end with");
  expect_refused("publish", with(ok, "name", json::string(std::string(65, 'a'))), alice, "longer than 64 bytes");
  expect_refused("publish", with(ok, "name", nullptr), alice, "params.name is missing");
  expect_refused("publish", with(ok, "name", 5), alice, "params.name must be a string");
  expect_refused("publish", with(ok, "version", "1.0"), alice, "needs three numbers");
  expect_refused("publish", with(ok, "version", "01.0.0"), alice, "MAJOR has a leading zero");
  expect_refused("publish", with(ok, "version", "1.x.0"), alice, "MINOR must be a number");
  expect_refused("publish", with(ok, "version", "1.0.0+build.5"), alice, "build metadata");
  expect_refused("publish", with(ok, "version", "1.0.0-"), alice, "empty pre-release identifier");
  expect_refused("publish", with(ok, "version", "1.0.0-01"), alice, "leading zero");
  expect_refused("publish", with(ok, "version", "1.0.0-a_b"), alice, "may hold only 0-9, A-Z");
  expect_refused("publish", with(ok, "version", "1000000000.0.0"), alice, "above 999999999");
  expect_refused("publish", with(ok, "contentType", "application/java"), alice, "is not application/zip or application/x-lua");
  expect_refused("publish", with(ok, "content", "abcd"), alice, "0x-prefixed hex");
  expect_refused("publish", with(ok, "content", "0x"), alice, "the content is empty");
  expect_refused("publish", with(ok, "content", json::string("0x" + std::string(2 * kStoreContentBytesMax + 2, 'a'))), alice,
                 "larger than 256 KiB");
  expect_refused("publish", with(ok, "price", "12"), alice, "params.price must be an amount in loop");
  expect_refused("publish", with(ok, "price", "-0x1"), alice, "params.price must be an amount in loop");
  expect_refused("publish", with(ok, "description", "bell\x07"), alice, "control character");
  expect_refused("publish", with(ok, "description", json::string(std::string(1025, 'd'))), alice, "longer than 1024 bytes");
  // A version is published once; a name is its first publisher's.
  expect_refused("publish", publication("irc2", "1.0.0"), alice, "irc2 1.0.0 is already published");
  expect_refused("publish", publication("irc2", "1.1.0"), bob, "only its publisher may publish versions of it",
                 FailureCode::kAccessDenied);
  // icx_call cannot publish; reads of what is not there say so.
  EXPECT_EQ(run("publish", ok, alice, Uint256(), Access::kReadOnly).code, FailureCode::kAccessDenied);
  EXPECT_NE(run("get", json::object{{"name", "irc2"}, {"version", "9.9.9"}}, alice).message.find("irc2 9.9.9 is not in the store"),
            std::string::npos);
  EXPECT_NE(run("versions", json::object{{"name", "nope"}}, alice).message.find("'nope' is not in the store"), std::string::npos);
  expect_refused("list", json::object{{"limit", "0x65"}}, alice, "params.limit is above 100");
}

TEST_F(StoreTest, BuyPaysThePublisherTheExactPriceOnceAndRecordsALicence) {
  ASSERT_TRUE(publish(publication("irc2", "1.0.0", "0x3e8"), alice).ok);
  const json::object ref{{"name", "irc2"}, {"version", "1.0.0"}};
  expect_refused("buy", ref, bob, "costs 0x3e8 loop; the call carried 0x3e7", FailureCode::kInvalidParameter, Uint256(999));
  expect_refused("buy", json::object{{"name", "irc2"}, {"version", "2.0.0"}}, bob, "not in the store",
                 FailureCode::kInvalidParameter, Uint256(1000));
  json::object query = ref;
  query["account"] = bob.to_string();
  EXPECT_EQ(read("hasLicense", query), "0x0");
  ASSERT_TRUE(run("buy", ref, bob, Uint256(1000)).ok);
  ASSERT_EQ(host.transfers.size(), 1u);
  EXPECT_EQ(host.transfers[0].first, alice);
  EXPECT_EQ(host.transfers[0].second, Uint256(1000));
  EXPECT_EQ(host.logs.back().indexed[0], "Purchased(str,str,Address,Address,int)");
  EXPECT_EQ(host.logs.back().data, (std::vector<std::string>{"1.0.0", bob.to_string(), alice.to_string(), "0x3e8"}));
  EXPECT_EQ(read("hasLicense", query), "0x1");
  expect_refused("buy", ref, bob, "already holds a licence", FailureCode::kInvalidParameter, Uint256(1000));
  query["account"] = "hx123";
  EXPECT_FALSE(run("hasLicense", query, alice, Uint256(), Access::kReadOnly).ok);
}

TEST(StoreVersions, PrecedenceFollowsSemver) {
  // semver.org §11's own example, in ascending order.
  const char* ordered[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                           "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0"};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_FALSE(store_version_problem(ordered[i]).has_value()) << ordered[i];
    EXPECT_LT(compare_versions(ordered[i], ordered[i + 1]), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(compare_versions(ordered[i + 1], ordered[i]), 0);
    EXPECT_EQ(compare_versions(ordered[i], ordered[i]), 0);
  }
}

}  // namespace
}  // namespace cx::contracts
