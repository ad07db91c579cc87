// The example contracts of examples/contracts, each deployed on a test chain (lua_chain_test.hpp: execution's
// host over genesis state, real txs and icx_calls) and driven as users would drive them: a lock-up
// vault for an IRC2 token, the chat on chain, a vote and a crowd-funding. How to unit-test a contract
// of your own this way: docs/acore.md "Testing a contract".
#include <gtest/gtest.h>

#include "acore/lua_chain_test.hpp"

namespace cx::acore {
namespace {

using core::Address;
using namespace testing;
namespace json = boost::json;

constexpr int64_t kYearUs = 365LL * 24 * 3600 * 1'000'000;

std::string hex(uint64_t n) { return Uint256(n).to_icon_hex(); }
std::string hex(const Uint256& n) { return n.to_icon_hex(); }
int user_code(const core::Receipt& rc) { return rc.success ? 0 : static_cast<int>(core::code_value(rc.failure->code)) - 32; }
int user_code(const contracts::CallResult& r) { return r.ok ? 0 : static_cast<int>(core::code_value(r.code)) - 32; }

struct ExampleChain : LuaChain {
  Address install(const std::string& example, uint8_t n, json::object params) {
    auto program = must_compile(read_example(example + "/main.lua"));
    EXPECT_TRUE(program) << example;
    const Address a = deploy(program, n);
    if (!program || !program->install_method()) return a;  // as a deploy: on_install runs if declared
    auto rc = call(a, "on_install", std::move(params));
    EXPECT_TRUE(rc.success) << example << ": " << failure_of(rc);
    return a;
  }
  // A plain ICX transfer from user(1), so that more than two accounts can send txs.
  void fund(const Address& to) {
    execution::testing::TxFields f;
    f.to = to;
    f.value = core::testing::icx(10);
    f.data_type.clear();
    ASSERT_TRUE(send(f).success);
  }
  json::value read(const Address& c, std::string_view method, json::object params = {}) {
    auto r = query(c, method, std::move(params));
    EXPECT_TRUE(r.ok) << method << ": " << r.message;
    return r.output;
  }
};

// ---- irc2-lockup: tranches of an 8-decimal token released at block times ----

TEST(ExampleLockup, TranchesReleaseAtTheirBlockTimeAndNotBefore) {
  ExampleChain chain;
  const Address token = chain.install("irc2", 1, {{"_name", "COSS"}, {"_symbol", "COSS"}, {"_decimals", "0x8"},
                                                  {"_initialSupply", hex(1000)}});
  const Address vault = chain.install("irc2-lockup", 2, {{"_token", token.to_string()}});
  const std::string owner = user(1).to_string(), member = user(2).to_string();
  const uint64_t kCoin = 100'000'000;  // 10^8: one token of 8 decimals
  // Funded with a plain token transfer: the token calls the vault's tokenFallback.
  auto rc = chain.call(token, "transfer", {{"_to", vault.to_string()}, {"_value", hex(600 * kCoin)}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.read(vault, "unallocated"), json::value(hex(600 * kCoin)));

  const int64_t now = chain.ctx.timestamp_us, t1 = now + kYearUs, t2 = now + 2 * kYearUs;
  for (auto [value, at] : {std::pair{100 * kCoin, t1}, std::pair{200 * kCoin, t2}}) {
    rc = chain.call(vault, "lockUp", {{"_beneficiary", member}, {"_value", hex(value)}, {"_releaseAt", hex(uint64_t(at))}});
    ASSERT_TRUE(rc.success) << failure_of(rc);
  }
  EXPECT_EQ(user_code(chain.call(vault, "lockUp", {{"_beneficiary", member}, {"_value", hex(301 * kCoin)},
                                                   {"_releaseAt", hex(uint64_t(t1))}})), 6);  // beyond what is left
  EXPECT_EQ(user_code(chain.send_from(user(2), vault, "lockUp", {{"_beneficiary", member}, {"_value", "0x1"},
                                                                 {"_releaseAt", "0x0"}})), 4);  // not the owner
  EXPECT_EQ(chain.read(vault, "lockedOf", {{"_beneficiary", member}}), json::value(hex(300 * kCoin)));
  EXPECT_EQ(user_code(chain.call(vault, "release", {{"_beneficiary", member}})), 8);

  chain.ctx.timestamp_us = t1;  // the first tranche is due, to the microsecond
  EXPECT_EQ(chain.read(vault, "releasableOf", {{"_beneficiary", member}}), json::value(hex(100 * kCoin)));
  rc = chain.call(vault, "release", {{"_beneficiary", member}});  // anyone may release it
  ASSERT_TRUE(rc.success) << failure_of(rc);
  ASSERT_EQ(rc.logs.size(), 2u);  // the token's Transfer, then Released
  EXPECT_EQ(rc.logs[1].indexed, (std::vector<std::string>{"Released(Address,int)", member}));
  EXPECT_EQ(chain.read(token, "balanceOf", {{"_owner", member}}), json::value(hex(100 * kCoin)));
  EXPECT_EQ(chain.read(vault, "lockedOf", {{"_beneficiary", member}}), json::value(hex(200 * kCoin)));
  EXPECT_EQ(user_code(chain.call(vault, "release", {{"_beneficiary", member}})), 8);  // nothing more yet

  chain.ctx.timestamp_us = t2 + 1;
  ASSERT_TRUE(chain.call(vault, "release", {{"_beneficiary", member}}).success);
  EXPECT_EQ(chain.read(token, "balanceOf", {{"_owner", member}}), json::value(hex(300 * kCoin)));
  EXPECT_EQ(chain.read(token, "balanceOf", {{"_owner", vault.to_string()}}), json::value(hex(300 * kCoin)));
  EXPECT_EQ(json::serialize(chain.read(vault, "grantsOf", {{"_beneficiary", member}})),
            R"([{"value":"0x2540be400","releaseAt":")" + hex(uint64_t(t1)) + R"(","released":"0x1"},)"
            R"({"value":"0x4a817c800","releaseAt":")" + hex(uint64_t(t2)) + R"(","released":"0x1"}])");
  // Only the owner funds the vault: the member's transfer is refused, and undone in the token too.
  rc = chain.send_from(user(2), token, "transfer", {{"_to", vault.to_string()}, {"_value", hex(kCoin)}});
  EXPECT_EQ(user_code(rc), 3) << failure_of(rc);
  EXPECT_EQ(chain.read(token, "balanceOf", {{"_owner", member}}), json::value(hex(300 * kCoin)));
}

// ---- chat: messages from signed txs, read back a page at a time ----

const char* kRelay = R"LUA(
external "relay(Address chat, str text)" (function(chat, text) call(chat, "post", {_text = text}) end))LUA";

TEST(ExampleChat, StoresSignedMessagesAndPagesThemBack) {
  ExampleChain chain;
  const Address chat = chain.install("chat", 1, {});
  const std::string a = user(1).to_string(), b = user(2).to_string();
  ASSERT_TRUE(chain.send_from(user(1), chat, "post", {{"_text", "hello"}}).success);
  chain.ctx.height = 2;
  ASSERT_TRUE(chain.send_from(user(2), chat, "post", {{"_text", "hi there"}}).success);
  auto rc = chain.send_from(user(1), chat, "post", {{"_text", "how are you?"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  ASSERT_EQ(rc.logs.size(), 1u);
  EXPECT_EQ(rc.logs[0].indexed, (std::vector<std::string>{"Posted(Address,int,str)", a, "0x3"}));
  EXPECT_EQ(rc.logs[0].data, std::vector<std::string>{"how are you?"});

  EXPECT_EQ(chain.read(chat, "count"), json::value("0x3"));
  EXPECT_EQ(chain.read(chat, "postsBy", {{"_author", a}}), json::value("0x2"));
  const std::string time = hex(uint64_t(chain.ctx.timestamp_us));
  EXPECT_EQ(json::serialize(chain.read(chat, "messages", {{"_offset", "0x1"}, {"_limit", "0x1"}})),
            R"([{"index":"0x2","author":")" + b + R"(","text":"hi there","height":"0x2","timestamp":")" + time + R"("}])");
  auto page = chain.read(chat, "messages", {{"_newestFirst", "0x1"}}).as_array();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].at("text"), json::value("how are you?"));
  EXPECT_EQ(page[2].at("height"), json::value("0x1"));
  EXPECT_TRUE(chain.read(chat, "messages", {{"_offset", "0x3"}}).as_array().empty());
  EXPECT_EQ(user_code(chain.query(chat, "messages", {{"_limit", "0x33"}})), 5);

  // Never from icx_call, never relayed by a contract, never empty or too long.
  EXPECT_EQ(chain.query(chat, "post", {{"_text", "x"}}).code, core::FailureCode::kAccessDenied);
  const Address relay = chain.deploy(must_compile(kRelay), 2);
  EXPECT_EQ(user_code(chain.call(relay, "relay", {{"chat", chat.to_string()}, {"text", "spoofed"}})), 2);
  EXPECT_EQ(user_code(chain.call(chat, "post", {{"_text", ""}})), 3);
  EXPECT_EQ(user_code(chain.call(chat, "post", {{"_text", std::string(281, 'x')}})), 3);
  EXPECT_EQ(chain.read(chat, "count"), json::value("0x3"));
}

// ---- vote: one vote per address, closed at a height, tallied ----

TEST(ExampleVote, OneVotePerAddressUntilTheClosingHeight) {
  ExampleChain chain;
  const Address vote = chain.install("vote", 1, {});
  for (uint8_t n = 3; n <= 4; ++n) chain.fund(user(n));
  auto rc = chain.call(vote, "propose", {{"_title", "Lunch"}, {"_options", json::array{"pizza", "sushi", "salad"}},
                                         {"_closesAt", "0x5"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(rc.logs.at(0).indexed, (std::vector<std::string>{"Proposed(int,Address,str,int)", "0x1", user(1).to_string()}));
  const std::pair<uint8_t, const char*> kBallots[] = {{1, "0x2"}, {2, "0x3"}, {3, "0x2"}};
  for (auto [who, option] : kBallots)
    ASSERT_TRUE(chain.send_from(user(who), vote, "vote", {{"_proposal", "0x1"}, {"_option", option}}).success) << int(who);
  EXPECT_EQ(user_code(chain.send_from(user(3), vote, "vote", {{"_proposal", "0x1"}, {"_option", "0x1"}})), 7);
  EXPECT_EQ(user_code(chain.send_from(user(4), vote, "vote", {{"_proposal", "0x1"}, {"_option", "0x4"}})), 6);
  EXPECT_EQ(user_code(chain.send_from(user(4), vote, "vote", {{"_proposal", "0x2"}, {"_option", "0x1"}})), 1);
  EXPECT_EQ(user_code(chain.query(vote, "winner", {{"_proposal", "0x1"}})), 8);  // still open
  EXPECT_EQ(json::serialize(chain.read(vote, "tally", {{"_proposal", "0x1"}})), R"(["0x0","0x2","0x1"])");
  EXPECT_EQ(chain.read(vote, "votedFor", {{"_proposal", "0x1"}, {"_voter", user(2).to_string()}}), json::value("0x3"));

  chain.ctx.height = 5;  // closed: the last vote does not count
  EXPECT_EQ(user_code(chain.send_from(user(4), vote, "vote", {{"_proposal", "0x1"}, {"_option", "0x1"}})), 5);
  EXPECT_EQ(chain.read(vote, "winner", {{"_proposal", "0x1"}}), json::value("0x2"));
  EXPECT_EQ(json::serialize(chain.read(vote, "proposal", {{"_proposal", "0x1"}})),
            R"({"title":"Lunch","proposer":")" + user(1).to_string() +
                R"(","options":["pizza","sushi","salad"],"closesAt":"0x5","open":"0x0"})");
  // Malformed proposals.
  EXPECT_EQ(user_code(chain.call(vote, "propose", {{"_title", "x"}, {"_options", json::array{"only"}}, {"_closesAt", "0x9"}})), 3);
  EXPECT_EQ(user_code(chain.call(vote, "propose", {{"_title", ""}, {"_options", json::array{"a", "b"}}, {"_closesAt", "0x9"}})), 2);
  EXPECT_EQ(user_code(chain.call(vote, "propose", {{"_title", "x"}, {"_options", json::array{"a", "b"}}, {"_closesAt", "0x5"}})), 4);
}

// ---- crowdfund: pays the beneficiary if the goal is met by the deadline, else refunds ----

struct Campaign {
  ExampleChain chain;
  Address fund;
  int64_t deadline = 0;
  explicit Campaign(uint64_t goal_icx) {
    deadline = chain.ctx.timestamp_us + 3600LL * 1'000'000;
    fund = chain.install("crowdfund", 1, {{"_beneficiary", user(3).to_string()}, {"_goal", hex(core::testing::icx(goal_icx))},
                                          {"_deadline", hex(uint64_t(deadline))}});
    for (auto [who, icx] : {std::pair{1, 4}, std::pair{2, 7}}) {
      auto rc = chain.send_from(user(uint8_t(who)), fund, "contribute", nullptr, core::testing::icx(uint64_t(icx)));
      EXPECT_TRUE(rc.success) << failure_of(rc);
    }
  }
};

TEST(ExampleCrowdfund, AReachedGoalPaysTheBeneficiaryOnce) {
  Campaign c(10);
  EXPECT_EQ(c.chain.balance(c.fund), core::testing::icx(11));
  EXPECT_EQ(user_code(c.chain.call(c.fund, "contribute")), 4);  // no value
  EXPECT_EQ(user_code(c.chain.call(c.fund, "claim")), 5);        // still open
  c.chain.ctx.timestamp_us = c.deadline;
  EXPECT_EQ(user_code(c.chain.call(c.fund, "contribute", nullptr, core::testing::icx(1))), 3);
  EXPECT_EQ(user_code(c.chain.call(c.fund, "refund")), 8);
  const Uint256 before = c.chain.balance(user(3));
  auto rc = c.chain.send_from(user(2), c.fund, "claim", nullptr);
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(c.chain.balance(user(3)), *before.checked_add(core::testing::icx(11)));
  EXPECT_EQ(c.chain.balance(c.fund), Uint256(0));
  EXPECT_EQ(user_code(c.chain.call(c.fund, "claim")), 7);
  const auto status = c.chain.read(c.fund, "status").as_object();
  EXPECT_EQ(status.at("succeeded"), json::value("0x1"));
  EXPECT_EQ(status.at("claimed"), json::value("0x1"));
  EXPECT_EQ(status.at("raised"), json::value(hex(core::testing::icx(11))));
}

TEST(ExampleCrowdfund, AMissedGoalRefundsEachContributorOnce) {
  Campaign c(100);
  c.chain.ctx.timestamp_us = c.deadline + 1;
  EXPECT_EQ(user_code(c.chain.call(c.fund, "claim")), 6);
  const Uint256 before = c.chain.balance(c.fund);
  auto rc = c.chain.send_from(user(2), c.fund, "refund", nullptr);
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(*before.checked_sub(c.chain.balance(c.fund)), core::testing::icx(7));
  EXPECT_EQ(c.chain.read(c.fund, "contributionOf", {{"_owner", user(2).to_string()}}), json::value("0x0"));
  EXPECT_EQ(user_code(c.chain.send_from(user(2), c.fund, "refund", nullptr)), 9);
  ASSERT_TRUE(c.chain.send_from(user(1), c.fund, "refund", nullptr).success);
  EXPECT_EQ(c.chain.balance(c.fund), Uint256(0));
  EXPECT_EQ(c.chain.read(c.fund, "status").at("succeeded"), json::value("0x0"));
}

TEST(ExampleCrowdfund, InstallChecksItsParams) {
  ExampleChain chain;
  auto program = must_compile(read_example("crowdfund/main.lua"));
  ASSERT_TRUE(program);
  const Address fund = chain.deploy(program, 1);
  auto rc = chain.call(fund, "on_install", {{"_beneficiary", user(3).to_string()}, {"_goal", "0x0"}, {"_deadline", "0x1"}});
  EXPECT_EQ(user_code(rc), 1);
  rc = chain.call(fund, "on_install", {{"_beneficiary", user(3).to_string()}, {"_goal", "0x1"}, {"_deadline", "0x1"}});
  EXPECT_EQ(user_code(rc), 2);
}

// ---- docs/acore.md "A first contract", as printed there ----

const char* kDocsCounter = R"LUA(
-- main.lua: a counter anyone may bump, and read with icx_call.
local count = VarDB("count", "int")
local Bumped = eventlog "Bumped(Address indexed by, int to)"

on_install "(int _start)" (function(_start) count:set(_start) end)

external "bump(int by = 1)" (function(by)
  if by <= 0 then revert("bump by a positive amount", 1) end
  count:set(count:get() + by)
  Bumped(msg.sender, count:get())
end)

readonly "get() -> int" (function() return count:get() end)
)LUA";

TEST(ExampleDocs, TheFirstContractWorksAsDocumented) {
  ExampleChain chain;
  const Address c = chain.deploy(must_compile(kDocsCounter), 1);
  ASSERT_TRUE(chain.call(c, "on_install", {{"_start", "0x10"}}).success);
  auto rc = chain.call(c, "bump", {{"by", "0x2"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(rc.logs.at(0).indexed, (std::vector<std::string>{"Bumped(Address,int)", user(1).to_string()}));
  EXPECT_EQ(rc.logs.at(0).data, std::vector<std::string>{"0x12"});
  ASSERT_TRUE(chain.call(c, "bump").success);  // the default, 1
  EXPECT_EQ(chain.read(c, "get"), json::value("0x13"));
  rc = chain.call(c, "bump", {{"by", "-0x1"}});
  EXPECT_EQ(failure_of(rc), "33 bump by a positive amount");
}

}  // namespace
}  // namespace cx::acore
