// Genesis "validators": the old list of addresses and the weighted form (issue 13 §2).
#include "node/genesis.hpp"

#include <gtest/gtest.h>

#include "core/block.hpp"

namespace cx::node {
namespace {

const char* kA = "hx0000000000000000000000000000000000000001";
const char* kB = "hx0000000000000000000000000000000000000002";
const char* kC = "hx0000000000000000000000000000000000000003";

std::string genesis(const std::string& validators) {
  return std::string(R"({"channel":"c","nid":"0x3","treasury":"hx00000000000000000000000000000000000000ff","validators":)") +
         validators + "}";
}

TEST(Genesis, AListOfAddressesIsAnUnweightedSetAndKeepsItsJson) {
  auto p = parse_genesis(genesis(std::string("[\"") + kA + "\",\"" + kB + "\"]"));
  ASSERT_TRUE(p.is_ok()) << p.message();
  EXPECT_TRUE(p->validator_weights.empty());
  auto set = p->validator_set();
  EXPECT_EQ(set.total_weight(), 2u);
  EXPECT_EQ(set.hash(), core::validators_hash(p->validators));
  EXPECT_NE(p->to_json().find(std::string("\"validators\":[\"") + kA + "\",\"" + kB + "\"]"), std::string::npos);
  auto again = parse_genesis(p->to_json());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *p);
}

TEST(Genesis, WeightsAndGroupsParseRoundTripAndChangeTheHash) {
  auto text = genesis(std::string("[{\"address\":\"") + kA + "\",\"weight\":3},{\"address\":\"" + kB +
                      "\",\"weight\":2,\"group\":\"bank\"},{\"address\":\"" + kC + "\",\"weight\":2,\"group\":\"bank\"}]");
  auto p = parse_genesis(text);
  ASSERT_TRUE(p.is_ok()) << p.message();
  auto set = p->validator_set();
  EXPECT_EQ(set.total_weight(), 5u);  // 3 + the group's 2, once
  EXPECT_EQ(set.identity_count(), 2u);
  EXPECT_NE(set.hash(), core::validators_hash(p->validators));
  auto again = parse_genesis(p->to_json());
  ASSERT_TRUE(again.is_ok()) << again.message();
  EXPECT_EQ(*again, *p);
  EXPECT_EQ(again->validator_set().hash(), set.hash());
}

TEST(Genesis, BadValidatorEntriesAreRefusedWithTheReason) {
  auto err = [](const std::string& v) {
    auto p = parse_genesis(genesis(v));
    return p ? std::string() : p.message();
  };
  EXPECT_NE(err(std::string("[{\"address\":\"") + kA + "\",\"weight\":0}]").find("weight 0"), std::string::npos);
  EXPECT_NE(err(std::string("[{\"address\":\"") + kA + "\",\"weight\":20000}]").find("above"), std::string::npos);
  EXPECT_NE(err(std::string("[{\"address\":\"") + kA + "\",\"power\":1}]").find("unknown field 'power'"), std::string::npos);
  EXPECT_NE(err(std::string("[\"") + kA + "\",\"" + kA + "\"]").find("listed twice"), std::string::npos);
  EXPECT_NE(err(std::string("[{\"address\":\"") + kA + "\",\"weight\":2,\"group\":\"g\"},{\"address\":\"" + kB +
                "\",\"weight\":1,\"group\":\"g\"}]")
                .find("another member"),
            std::string::npos);
  EXPECT_NE(err("[]").find("validators must be"), std::string::npos);
}

TEST(Genesis, RpcAuthTlsNeedsTheChainCaAndKeepsItsJson) {
  const std::string base = std::string(R"({"channel":"c","nid":"0x3","treasury":"hx00000000000000000000000000000000000000ff",)") +
                           R"("validators":[")" + kA + R"("],"rpcAuth":"tls")";
  auto no_ca = parse_genesis(base + "}");
  ASSERT_FALSE(no_ca.is_ok());
  EXPECT_NE(no_ca.message().find("rpcAuth \"tls\" needs the chain CA"), std::string::npos) << no_ca.message();
  auto p = parse_genesis(base + R"(,"ca":{"name":"Bank CA","ras":[")" + kB + R"("]}})");
  ASSERT_TRUE(p.is_ok()) << p.message();
  EXPECT_TRUE(p->rpc_auth_tls);
  EXPECT_FALSE(p->rpc_auth_signed);
  auto again = parse_genesis(p->to_json());
  ASSERT_TRUE(again.is_ok()) << again.message();
  EXPECT_EQ(*again, *p);
  EXPECT_FALSE(parse_genesis(base.substr(0, base.size() - 5) + R"("kerberos"})").is_ok());
}

}  // namespace
}  // namespace cx::node
