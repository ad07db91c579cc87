// The explorer's JSON-RPC methods through the real dispatcher, in front of a real in-memory channel
// with the explorer's indexes: shapes, paging, and a -32602 naming the param for every bad input.
#include "rpc/explorer_reads.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "channel/single_validator_test.hpp"
#include "core/block.hpp"
#include "rpc/error_codes.hpp"
#include "rpc/json_format.hpp"

namespace cx::rpc {
namespace {

using namespace core::testing;
namespace json = boost::json;

class ExplorerRpc : public ::testing::Test {
 protected:
  channel::testing::SingleValidator fx;
  std::unique_ptr<channel::Channel> ch;
  std::unique_ptr<Dispatcher> dispatcher;

  void SetUp() override { open(/*indexes=*/true); }
  void TearDown() override {
    if (ch) ch->stop();
  }

  void open(bool indexes) {
    if (ch) ch->stop();
    auto o = fx.options("", indexes);
    o.params.members = {{address_of(fx.bob), core::MemberRole::kClient}};
    auto opened = channel::Channel::open(o, system_clock());
    ASSERT_TRUE(opened) << opened.message();
    ch = std::move(opened.value());
    ch->start();
    dispatcher = std::make_unique<Dispatcher>(ServerOptions{}, std::make_shared<LifeGuard>());
  }

  void transfers(size_t n) { fx.transfers(*ch, 0, n); }

  // The response object of one request.
  json::object call(std::string_view method, std::string_view params) {
    boost::asio::io_context io;
    RequestContext ctx;
    ctx.channel = ch.get();
    ctx.executor = io.get_executor();
    std::string body = std::string(R"({"jsonrpc":"2.0","id":1,"method":")") + std::string(method) + "\"";
    if (!params.empty()) body += ",\"params\":" + std::string(params);
    body += "}";
    std::string out;
    dispatcher->handle(body, ctx, [&](unsigned, std::string b) { out = std::move(b); });
    io.run();
    return json::parse(out).as_object();
  }
  json::object result(std::string_view method, std::string_view params) {
    auto r = call(method, params);
    EXPECT_TRUE(r.contains("result")) << json::serialize(r);
    return r.contains("result") ? r.at("result").as_object() : json::object{};
  }
  void expect_invalid(std::string_view method, std::string_view params, std::string_view says) {
    auto r = call(method, params);
    ASSERT_TRUE(r.contains("error")) << method << " " << params << ": " << json::serialize(r);
    EXPECT_EQ(r.at("error").at("code").as_int64(), error_code::kInvalidParams) << json::serialize(r);
    EXPECT_NE(std::string(r.at("error").at("message").as_string()).find(says), std::string::npos) << json::serialize(r);
  }
  std::string alice_address() { return address_of(fx.alice).to_string(); }
};

TEST_F(ExplorerRpc, AddressTxsPageNewestFirstWithAnOpaqueCursor) {
  transfers(5);
  const std::string a = alice_address();
  auto first = result("cx_getAddressTxs", R"({"address":")" + a + R"(","limit":"0x2"})");
  EXPECT_EQ(first.at("address").as_string(), a);
  auto& txs = first.at("txs").as_array();
  ASSERT_EQ(txs.size(), 2u);
  const auto& t = txs[0].as_object();
  for (auto k : {"txHash", "height", "index", "from", "to", "dataType", "value", "status", "timestamp"})
    EXPECT_TRUE(t.contains(k)) << k;
  EXPECT_EQ(t.at("from").as_string(), a);
  EXPECT_EQ(t.at("to").as_string(), address_of(fx.bob).to_string());
  EXPECT_EQ(t.at("status").as_string(), "0x1");
  EXPECT_TRUE(t.at("dataType").is_null());
  EXPECT_EQ(t.at("value").as_string(), icx(1).to_icon_hex());
  // The hash is the tx's: icx_getTransactionResult finds it.
  auto rc = result("icx_getTransactionResult", R"({"txHash":")" + std::string(t.at("txHash").as_string()) + R"("})");
  EXPECT_EQ(rc.at("status").as_string(), "0x1");
  // Walk all pages: 5 txs, 2 + 2 + 1, the last with next null.
  size_t seen = 2;
  std::string cursor(first.at("next").as_string());
  for (int i = 0; i < 5 && !cursor.empty(); ++i) {
    auto page = result("cx_getAddressTxs", R"({"address":")" + a + R"(","limit":"0x2","cursor":")" + cursor + R"("})");
    seen += page.at("txs").as_array().size();
    cursor = page.at("next").is_null() ? "" : std::string(page.at("next").as_string());
  }
  EXPECT_EQ(seen, 5u);
  EXPECT_TRUE(cursor.empty());
  // Default limit 0x19 (25) covers them all.
  auto all = result("cx_getAddressTxs", R"({"address":")" + a + R"("})");
  EXPECT_EQ(all.at("txs").as_array().size(), 5u);
  EXPECT_TRUE(all.at("next").is_null());
}

TEST_F(ExplorerRpc, EveryBadParamIsInvalidParamsNamingIt) {
  const std::string a = alice_address();
  expect_invalid("cx_getAddressTxs", "{}", "'address'");
  expect_invalid("cx_getAddressTxs", R"({"address":"hx12"})", "'address'");
  expect_invalid("cx_getAddressTxs", R"({"address":")" + a + R"(","limit":"0x0"})", "'limit'");
  expect_invalid("cx_getAddressTxs", R"({"address":")" + a + R"(","limit":"0x65"})", "'limit'");
  expect_invalid("cx_getAddressTxs", R"({"address":")" + a + R"(","limit":25})", "'limit'");
  expect_invalid("cx_getAddressTxs", R"({"address":")" + a + R"(","cursor":"abc"})", "'cursor'");
  expect_invalid("cx_getAddressTxs", R"({"address":")" + a + R"(","page":"0x1"})", "unknown param 'page'");
  expect_invalid("cx_getTokenTransfers", R"({})", "exactly one of 'address'");
  expect_invalid("cx_getTokenTransfers", R"({"address":")" + a + R"(","token":"cx0000000000000000000000000000000000000001"})",
                 "exactly one of 'address'");
  expect_invalid("cx_getTokenTransfers", R"({"token":")" + a + R"("})", "'token' is not a cx address");
  expect_invalid("cx_getTokens", R"({"address":"cxzz"})", "'address'");
  expect_invalid("cx_getValidators", R"({"height":"12"})", "height");
  expect_invalid("cx_getChannels", R"({"x":1})", "unknown param 'x'");
  // A height not reached yet is NotFound, like the other reads.
  auto r = call("cx_getValidators", R"({"height":"0x100000"})");
  EXPECT_EQ(r.at("error").at("code").as_int64(), error_code::kNotFound);
}

TEST_F(ExplorerRpc, ValidatorsTokensAndChannels) {
  transfers(2);
  auto v = result("cx_getValidators", "");
  EXPECT_EQ(v.at("totalWeight").as_string(), "0x1");
  ASSERT_EQ(v.at("validators").as_array().size(), 1u);
  const auto& val = v.at("validators").as_array()[0].as_object();
  EXPECT_EQ(val.at("address").as_string(), address_of(fx.node_key).to_string());
  EXPECT_EQ(val.at("weight").as_string(), "0x1");
  EXPECT_TRUE(val.at("group").is_null());
  EXPECT_FALSE(val.at("lastSignedHeight").is_null());
  EXPECT_EQ(val.at("missedBlocks").as_string(), "0x0");
  EXPECT_NE(val.at("signedBlocks").as_string(), "0x0");
  EXPECT_EQ(v.at("setHash").as_string().size(), 66u);
  auto at0 = result("cx_getValidators", R"({"height":"0x0"})");
  EXPECT_EQ(at0.at("height").as_string(), "0x0");

  auto tokens = result("cx_getTokens", R"({"address":")" + alice_address() + R"("})");
  EXPECT_TRUE(tokens.at("tokens").as_array().empty());
  EXPECT_EQ(tokens.at("tokensMax").as_string(), "0x3e8");
  auto transfers = result("cx_getTokenTransfers", R"({"address":")" + alice_address() + R"("})");
  EXPECT_TRUE(transfers.at("transfers").as_array().empty());
  EXPECT_TRUE(transfers.at("next").is_null());

  auto chans = result("cx_getChannels", "");
  ASSERT_EQ(chans.at("channels").as_array().size(), 1u);
  const auto& c = chans.at("channels").as_array()[0].as_object();
  EXPECT_EQ(c.at("name").as_string(), "test");
  EXPECT_EQ(c.at("nid").as_string(), "0x3");
  EXPECT_EQ(c.at("validators").as_string(), "0x1");
  const auto& members = c.at("members").as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].at("role").as_string(), "validator");
  EXPECT_EQ(members[1].at("address").as_string(), address_of(fx.bob).to_string());
  EXPECT_EQ(members[1].at("role").as_string(), "client");
}

TEST_F(ExplorerRpc, BlockHeaderGivesTheRoundTheSetsAndTheParentCertificate) {
  transfers(3);
  const std::string last = std::string(result("icx_getNetworkInfo", "").at("latest").as_string());
  auto block = result("icx_getBlockByHeight", R"({"height":")" + last + R"("})");
  auto h = result("cx_getBlockHeader", R"({"height":")" + last + R"("})");
  EXPECT_EQ(h.at("height").as_string(), last);
  EXPECT_EQ(h.at("hash").as_string(), "0x" + std::string(block.at("block_hash").as_string()));  // icx's has no 0x
  EXPECT_EQ(h.at("proposer").as_string(), block.at("peer_id").as_string());
  // A single validator certifies every block in its own round: round = height, parent's in the one before.
  const uint64_t height = *parse_hex_u64(last);
  EXPECT_EQ(*parse_hex_u64(h.at("round").as_string()), height);
  EXPECT_EQ(*parse_hex_u64(h.at("parentQcRound").as_string()), height - 1);
  EXPECT_EQ(h.at("parentQcVotes").as_string(), "0x1");
  EXPECT_EQ(*parse_hex_u64(h.at("txCount").as_string()), block.at("confirmed_transaction_list").as_array().size());
  const auto set = result("cx_getValidators", "").at("setHash");
  EXPECT_EQ(h.at("validatorsHash"), set);
  EXPECT_EQ(h.at("nextValidatorsHash"), set);
  expect_invalid("cx_getBlockHeader", "{}", "height");
  expect_invalid("cx_getBlockHeader", R"({"height":"0x1","x":1})", "unknown param 'x'");
  auto r = call("cx_getBlockHeader", R"({"height":"0x100000"})");
  EXPECT_EQ(r.at("error").at("code").as_int64(), error_code::kNotFound);
}

TEST_F(ExplorerRpc, WithTheIndexesOffTheReadsSaySoAndChannelsStillAnswer) {
  open(/*indexes=*/false);
  auto r = call("cx_getAddressTxs", R"({"address":")" + alice_address() + R"("})");
  ASSERT_TRUE(r.contains("error"));
  EXPECT_EQ(r.at("error").at("code").as_int64(), error_code::kMethodNotFound);
  EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("indexes"), std::string::npos);
  auto chans = result("cx_getChannels", "{}");
  EXPECT_FALSE(chans.at("channels").as_array()[0].at("explorerIndexes").as_bool());
}

// cx_getHeader and cx_getValidatorChanges (docs/ca.md §3, rpc/proof.hpp) on a channel whose set never
// changed: the header hashes to the block hash, names the genesis set as the next, and there are no changes.
TEST_F(ExplorerRpc, HeaderAndValidatorChangesForAVerifier) {
  transfers(2);
  auto h = result("cx_getHeader", R"({"height":"0x1"})");
  auto header = core::Header::decode(*from_hex(h.at("header").as_string()));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->height, 1u);
  EXPECT_EQ(h.at("hash").as_string(), header->hash().hex());
  EXPECT_EQ(header->hash(), ch->block_by_height(1)->hash());
  const auto& next = h.at("nextValidators").as_array();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].at("address").as_string(), ch->params().validators[0].to_string());
  EXPECT_EQ(header->next_validators(), ch->params().validator_set().hash());
  auto changes = result("cx_getValidatorChanges", "{}");
  EXPECT_TRUE(changes.at("changes").as_array().empty());
  EXPECT_FALSE(changes.contains("next"));
  expect_invalid("cx_getHeader", "{}", "height");
  expect_invalid("cx_getValidatorChanges", R"({"limit":"0x1"})", "unknown param 'limit'");
  auto beyond = call("cx_getHeader", R"({"height":"0x1000"})");
  ASSERT_TRUE(beyond.contains("error")) << json::serialize(beyond);
  EXPECT_EQ(beyond.at("error").at("code").as_int64(), error_code::kNotFound);
}

}  // namespace
}  // namespace cx::rpc
