// The ACORE Store (contracts/store.hpp) through execution's real host: publish and buy as txs, reads
// as icx_calls, the price moved to the publisher, and a refused tx keeping only its fee.
#include <gtest/gtest.h>

#include "contracts/store.hpp"
#include "execution/test_probe.hpp"

namespace cx::execution::testing {
namespace {

const Address kStore = contracts::store_contract_address();

json::object publication(std::string_view version, std::string_view price) {
  return json::object{{"name", "irc2"}, {"version", version}, {"description", "token"}, {"price", price},
                      {"contentType", "application/x-lua"}, {"content", "0x2d2d20697263320a"}};
}

// user(2) buys irc2 1.0.0 with `value`.
TxFields buy_tx(uint64_t value) {
  TxFields buy;
  buy.from = user(2);
  buy.to = kStore;
  buy.value = Uint256(value);
  buy.data = call_data("buy", json::object{{"name", "irc2"}, {"version", "1.0.0"}});
  return buy;
}

Uint256 fee(const core::Receipt& r) { return *r.step_used.checked_mul(r.step_price); }

TEST(StoreThroughExecution, PublishThenBuyMovesThePriceToThePublisher) {
  ProbeChain chain;
  TxFields f;
  f.to = kStore;
  f.data = call_data("publish", publication("1.0.0", "0x64"));
  const core::Receipt published = chain.send(f);
  ASSERT_TRUE(published.success) << published.failure->message;
  ASSERT_EQ(published.logs.size(), 1u);
  EXPECT_EQ(published.logs[0].score, kStore);
  EXPECT_EQ(published.logs[0].indexed[0], "Published(str,str,Address,bytes,int)");
  // contractSet (30,000) for each of the content's 8 bytes is part of what the publish used.
  EXPECT_GT(published.step_used, Uint256(8 * chain.params.step_costs.contract_set));

  const CallResult got = chain.query(kStore, "get", json::object{{"name", "irc2"}, {"version", "1.0.0"}});
  ASSERT_TRUE(got.ok) << got.message;
  EXPECT_EQ(got.output.at("publisher").as_string(), user(1).to_string());

  const Uint256 publisher_before = chain.balance(user(1)), buyer_before = chain.balance(user(2));
  const core::Receipt bought = chain.send(buy_tx(100));
  ASSERT_TRUE(bought.success) << bought.failure->message;
  EXPECT_EQ(chain.balance(user(1)), *publisher_before.checked_add(Uint256(100)));
  EXPECT_EQ(chain.balance(user(2)), *buyer_before.checked_sub(*Uint256(100).checked_add(fee(bought))));
  EXPECT_EQ(chain.balance(kStore), Uint256(0));
  const CallResult held =
      chain.query(kStore, "hasLicense", json::object{{"name", "irc2"}, {"version", "1.0.0"}, {"account", user(2).to_string()}});
  ASSERT_TRUE(held.ok) << held.message;
  EXPECT_EQ(held.output, "0x1");
}

TEST(StoreThroughExecution, ARefusedPublishOrBuyKeepsOnlyItsFee) {
  ProbeChain chain;
  TxFields f;
  f.to = kStore;
  f.data = call_data("publish", publication("1.0.0", "0x64"));
  ASSERT_TRUE(chain.send(f).success);

  // Another account publishing a version of user(1)'s name.
  const Uint256 before = chain.balance(user(2));
  f.from = user(2);
  f.data = call_data("publish", publication("1.1.0", "0x0"));
  const core::Receipt stranger = chain.send(f);
  ASSERT_FALSE(stranger.success);
  EXPECT_EQ(stranger.failure->code, core::FailureCode::kAccessDenied);
  EXPECT_NE(stranger.failure->message.find("only its publisher may publish versions of it"), std::string::npos);
  EXPECT_TRUE(stranger.logs.empty());
  EXPECT_EQ(chain.balance(user(2)), *before.checked_sub(fee(stranger)));
  const CallResult versions = chain.query(kStore, "versions", json::object{{"name", "irc2"}});
  ASSERT_TRUE(versions.ok);
  EXPECT_EQ(json::serialize(versions.output), R"(["1.0.0"])");

  // A buy with less than the price: the value comes back, the publisher gets nothing.
  const Uint256 publisher = chain.balance(user(1)), buyer = chain.balance(user(2));
  const core::Receipt short_paid = chain.send(buy_tx(99));
  ASSERT_FALSE(short_paid.success);
  EXPECT_NE(short_paid.failure->message.find("costs 0x64 loop; the call carried 0x63"), std::string::npos);
  EXPECT_EQ(chain.balance(user(1)), publisher);
  EXPECT_EQ(chain.balance(user(2)), *buyer.checked_sub(fee(short_paid)));

  // icx_call cannot publish.
  const CallResult read_only = chain.query(kStore, "publish", publication("2.0.0", "0x0"));
  EXPECT_FALSE(read_only.ok);
  EXPECT_EQ(read_only.code, core::FailureCode::kAccessDenied);
}

}  // namespace
}  // namespace cx::execution::testing
