// The contract model end to end, through execution's host (ExecHost, a journal over genesis state):
// an IRC2 token (examples/contracts/irc2), storage containers, param and output conversion, context,
// read-only and payable rules, reverts, ICX transfers and calls between Lua contracts.
#include <gtest/gtest.h>

#include "acore/lua_chain_test.hpp"

namespace cx::acore {
namespace {

using core::Address;
using namespace testing;
namespace json = boost::json;

const std::string kOneCoin = "0x2540be400";  // 100 * 10^8

TEST(Irc2, InstallsMintsTransfersAndLogsAsIconDoes) {
  LuaChain chain;
  auto program = must_compile(read_example("irc2/main.lua"));
  ASSERT_TRUE(program);
  const Address token = chain.deploy(program, 1);
  auto rc = chain.call(token, "on_install",
                       json::object{{"_name", "Complex Coin"}, {"_symbol", "CXC"}, {"_decimals", "0x8"},
                                    {"_initialSupply", "0x64"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.query(token, "name").output, json::value("Complex Coin"));
  EXPECT_EQ(chain.query(token, "symbol").output, json::value("CXC"));
  EXPECT_EQ(chain.query(token, "decimals").output, json::value("0x8"));
  EXPECT_EQ(chain.query(token, "totalSupply").output, json::value(kOneCoin));
  EXPECT_EQ(chain.query(token, "balanceOf", json::object{{"_owner", user(1).to_string()}}).output, json::value(kOneCoin));

  rc = chain.call(token, "transfer", json::object{{"_to", user(2).to_string()}, {"_value", "0x2a"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  ASSERT_EQ(rc.logs.size(), 1u);
  const auto& log = rc.logs[0];
  EXPECT_EQ(log.score, token);
  EXPECT_EQ(log.indexed, (std::vector<std::string>{"Transfer(Address,Address,int,bytes)", user(1).to_string(),
                                                   user(2).to_string(), "0x2a"}));
  EXPECT_EQ(log.data, std::vector<std::string>{"0x"});
  EXPECT_EQ(chain.query(token, "balanceOf", json::object{{"_owner", user(2).to_string()}}).output, json::value("0x2a"));
  EXPECT_EQ(chain.query(token, "balanceOf", json::object{{"_owner", user(1).to_string()}}).output,
            json::value("0x2540be3d6"));

  rc = chain.send_from(user(2), token, "transfer",
                       json::object{{"_to", user(1).to_string()}, {"_value", "0x2b"}, {"_data", "0x6869"}});
  EXPECT_EQ(failure_of(rc), "37 out of balance");
  rc = chain.call(token, "transfer", json::object{{"_to", user(2).to_string()}, {"_value", "-0x1"}});
  EXPECT_EQ(failure_of(rc), "36 transferring a negative value");
  auto q = chain.query(token, "transfer", json::object{{"_to", user(2).to_string()}, {"_value", "0x1"}});
  EXPECT_EQ(q.code, core::FailureCode::kAccessDenied);
}

TEST(Irc2, TransferToAContractCallsItsTokenFallback) {
  LuaChain chain;
  const Address token = chain.deploy(must_compile(read_example("irc2/main.lua")), 1);
  ASSERT_TRUE(chain.call(token, "on_install", json::object{{"_name", "T"}, {"_symbol", "T"}, {"_decimals", "0x0"},
                                                            {"_initialSupply", "0x64"}})
                  .success);
  const Address receiver = chain.deploy(must_compile(R"LUA(
    local got = DictDB("got", "int")
    local last = VarDB("last", "bytes")
    external "tokenFallback(Address _from, int _value, bytes _data)" (function(_from, _value, _data)
      got[msg.sender] = got[msg.sender] + _value
      last:set(_data)
    end)
    readonly "got(Address _token) -> int" (function(_token) return got[_token] end)
    readonly "last() -> bytes" (function() return last:get() end))LUA"), 2);
  const Address mute = chain.deploy(must_compile("external \"noop()\" (function() end)"), 3);
  auto rc = chain.call(token, "transfer", json::object{{"_to", receiver.to_string()}, {"_value", "0x5"}, {"_data", "0xbeef"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.query(receiver, "got", json::object{{"_token", token.to_string()}}).output, json::value("0x5"));
  EXPECT_EQ(chain.query(receiver, "last").output, json::value("0xbeef"));
  // A contract without tokenFallback refuses the tokens: the whole transfer is undone.
  rc = chain.call(token, "transfer", json::object{{"_to", mute.to_string()}, {"_value", "0x5"}});
  EXPECT_EQ(core::code_value(rc.failure->code), core::code_value(core::FailureCode::kMethodNotFound));
  EXPECT_EQ(chain.query(token, "balanceOf", json::object{{"_owner", mute.to_string()}}).output, json::value("0x0"));
}

TEST(Irc2, ATransferCostsTheSameStepsEveryTime) {
  std::vector<Uint256> used;
  for (int i = 0; i < 2; ++i) {
    LuaChain chain;
    const Address token = chain.deploy(must_compile(read_example("irc2/main.lua")), 1);
    ASSERT_TRUE(chain.call(token, "on_install", json::object{{"_name", "T"}, {"_symbol", "T"}, {"_decimals", "0x12"},
                                                              {"_initialSupply", "0x64"}})
                    .success);
    auto rc = chain.call(token, "transfer", json::object{{"_to", user(2).to_string()}, {"_value", "0x1"}});
    ASSERT_TRUE(rc.success);
    used.push_back(rc.step_used);
  }
  EXPECT_EQ(used[0], used[1]);
  std::printf("IRC2 transfer: %s steps in all\n", used[0].to_dec().c_str());
}

// The 4 MiB bound is per value: event items must not add up across events and calls. (Before the
// fix, a pooled Lua state counted every event it had ever emitted, and after ~4 MiB of events in its
// lifetime every call failed, at a point that depends on pooling: not even the same on two nodes.)
TEST(Irc2, EventItemsDoNotAddUpAcrossEventsAndCalls) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(R"LUA(
    local Noted = eventlog "Noted(str note)"
    external "note(int times)" (function(times)
      local text = string.rep("n", 60000)
      for i = 1, times:tointeger() do Noted(text) end
    end)
  )LUA"), 1);
  for (int call = 0; call < 4; ++call) {  // 4 calls x 20 events x ~120 KB of JSON = ~9.6 MB in all
    auto rc = chain.call(c, "note", json::object{{"times", "0x14"}});
    ASSERT_TRUE(rc.success) << "call " << call << ": " << failure_of(rc);
  }
}

const char* kModel = R"LUA(
local owner = VarDB("owner", "Address")
local flags = DictDB("flags", "bool")
local allowed = DictDB("allowed", "int", 2)
local names = ArrayDB("names", "str")
local seen = VarDB("seen", "str")
local Paid = eventlog "Paid(Address indexed from, int amount, str note)"

on_install(function() owner:set(msg.sender) end)

external "approve(Address spender, int amount)" (function(spender, amount)
  allowed[msg.sender][spender] = amount
end)
readonly "allowance(Address from, Address spender) -> int" (function(from, spender)
  return allowed[from][spender]
end)
external "push(str name)" (function(name) names:put(name) end)
external "pop() -> str" (function() return names:pop() end)
readonly "names() -> []str" (function()
  local out = {}
  for i = 1, #names do out[i] = names[i] end
  return out
end)
readonly "at(int i) -> str" (function(i) return names:get(i:tointeger()) end)
external "flag(str key, bool on)" (function(key, on) flags[key] = on end)
readonly "flagged(str key) -> bool" (function(key) return flags[key] end)
readonly "echo(int a, str b = \"dflt\", bytes c = nil, bool d = false, []int e = nil, {str name, int age} f = nil) -> dict"
(function(a, b, c, d, e, f)
  return {a = a, b = b, c = c and tohex(c) or "none", d = d, e = e or {}, f = f or {name = "-", age = 0}}
end)
readonly "person() -> {str name, []int scores}" (function() return {name = "kim", scores = {1, 2}} end)
readonly "context() -> dict" (function()
  return {sender = msg.sender, value = msg.value, origin = tx.origin, hash = tx.hash or "none",
          height = block.height, time = block.timestamp, me = this.address, owner = owner:get()}
end)
payable "deposit(str note)" (function(note)
  Paid(msg.sender, msg.value, note)
  seen:set(tx.hash)
end)
external "payout(Address to, int amount)" (function(to, amount) transfer(to, amount) end)
readonly "sneaky() -> int" (function() seen:set("x") return 1 end)
readonly "sneakyPay() -> int" (function() transfer(msg.sender, 1) return 1 end)
external "fail(int code)" (function(code) seen:set("before") revert("failed on purpose", code:tointeger()) end)
external "oops()" (function() local t = nil return t.x end)
fallback(function() seen:set("fallback " .. tostring(msg.value)) end)
)LUA";

TEST(Model, ContainersNestAndKeepTheirTypes) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  const std::string a = user(1).to_string(), b = user(2).to_string();
  ASSERT_TRUE(chain.call(c, "approve", json::object{{"spender", b}, {"amount", "0x10"}}).success);
  EXPECT_EQ(chain.query(c, "allowance", json::object{{"from", a}, {"spender", b}}).output, json::value("0x10"));
  EXPECT_EQ(chain.query(c, "allowance", json::object{{"from", b}, {"spender", a}}).output, json::value("0x0"));
  for (const char* n : {"ann", "bob", "cy"}) ASSERT_TRUE(chain.call(c, "push", json::object{{"name", n}}).success);
  EXPECT_EQ(json::serialize(chain.query(c, "names").output), R"(["ann","bob","cy"])");
  EXPECT_EQ(chain.query(c, "at", json::object{{"i", "0x2"}}).output, json::value("bob"));
  auto r = chain.query(c, "at", json::object{{"i", "0x4"}});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("index 4 out of range 1..3"), std::string::npos) << r.message;
  ASSERT_TRUE(chain.call(c, "pop").success);
  EXPECT_EQ(json::serialize(chain.query(c, "names").output), R"(["ann","bob"])");
  ASSERT_TRUE(chain.call(c, "flag", json::object{{"key", "k"}, {"on", "0x1"}}).success);
  EXPECT_EQ(chain.query(c, "flagged", json::object{{"key", "k"}}).output, json::value("0x1"));
  EXPECT_EQ(chain.query(c, "flagged", json::object{{"key", "other"}}).output, json::value("0x0"));
}

TEST(Model, ParamsAreConvertedByTheirDeclaredTypes) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  auto r = chain.query(c, "echo", json::object{{"a", "-0x5"}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(json::serialize(r.output), R"({"a":"-0x5","b":"dflt","c":"none","d":"0x0","e":{},"f":{"age":"0x0","name":"-"}})");
  r = chain.query(c, "echo", json::object{{"a", "0x1"}, {"b", "x"}, {"c", "0x00ff"}, {"d", "0x1"}, {"e", json::array{"0x1", "0x2"}},
                                          {"f", json::object{{"name", "kim"}, {"age", "0x20"}}}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(json::serialize(r.output), R"({"a":"0x1","b":"x","c":"0x00ff","d":"0x1","e":["0x1","0x2"],"f":{"age":"0x20","name":"kim"}})");
  EXPECT_EQ(json::serialize(chain.query(c, "person").output), R"({"name":"kim","scores":["0x1","0x2"]})");
  const std::pair<json::object, const char*> kBad[] = {
      {{{"a", "12"}}, "echo param 'a': '12' is not a valid int"},
      {{{"a", 12}}, "expected a int as a string"},
      {{}, "echo: missing param 'a'"},
      {{{"a", "0x1"}, {"z", "0x1"}}, "echo has no param 'z'"},
      {{{"a", "0x1"}, {"c", "0xabc"}}, "param 'c': '0xabc' is not a valid bytes"},
      {{{"a", "0x1"}, {"d", "true"}}, "is not a valid bool"},
      {{{"a", "0x1"}, {"e", json::array{"0x1", "x"}}}, "item 2: 'x' is not a valid int"},
      {{{"a", "0x1"}, {"f", json::object{{"name", "kim"}}}}, "missing struct field 'age'"},
      {{{"a", "0x" + std::string(65, 'f')}}, "is not a valid int"},
  };
  for (const auto& [params, why] : kBad) {
    r = chain.query(c, "echo", params);
    EXPECT_EQ(r.code, core::FailureCode::kInvalidParameter) << json::serialize(params);
    EXPECT_NE(r.message.find(why), std::string::npos) << r.message;
  }
  auto rc = chain.call(c, "approve", json::object{{"spender", "hx12"}, {"amount", "0x1"}});
  EXPECT_EQ(failure_of(rc), "6 approve param 'spender': 'hx12' is not a valid Address");
}

TEST(Model, ContextComesFromTheHost) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  ASSERT_TRUE(chain.call(c, "on_install").success);
  auto r = chain.query(c, "context");
  ASSERT_TRUE(r.ok) << r.message;
  const auto& o = r.output.as_object();
  EXPECT_EQ(o.at("sender"), json::value(user(1).to_string()));
  EXPECT_EQ(o.at("origin"), json::value(user(1).to_string()));
  EXPECT_EQ(o.at("value"), json::value("0x0"));
  EXPECT_EQ(o.at("hash"), json::value("none"));  // icx_call: no tx
  EXPECT_EQ(o.at("height"), json::value("0x1"));
  EXPECT_EQ(o.at("time"), json::value(Uint256(chain.ctx.timestamp_us).to_icon_hex()));
  EXPECT_EQ(o.at("me"), json::value(c.to_string()));
  EXPECT_EQ(o.at("owner"), json::value(user(1).to_string()));

  execution::testing::TxFields f;
  f.to = c;
  f.value = Uint256(7);
  f.data = execution::testing::call_data("deposit", json::object{{"note", "rent"}});
  auto rc = chain.send(f);
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.balance(c), Uint256(7));
  ASSERT_EQ(rc.logs.size(), 2u);
  EXPECT_EQ(rc.logs[0].indexed[0], core::kIcxTransferSignature);
  EXPECT_EQ(rc.logs[1].indexed, (std::vector<std::string>{"Paid(Address,int,str)", user(1).to_string()}));
  EXPECT_EQ(rc.logs[1].data, (std::vector<std::string>{"0x7", "rent"}));
  EXPECT_EQ(chain.stored(c, std::string("\x01seen", 5)), "0x" + execution::testing::make_tx(f).hash.hex());
}

TEST(Model, ReadOnlyAndPayableRules) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  auto rc = chain.call(c, "sneaky");
  EXPECT_EQ(core::code_value(rc.failure->code), core::code_value(core::FailureCode::kAccessDenied));
  EXPECT_EQ(chain.query(c, "sneakyPay").code, core::FailureCode::kAccessDenied);
  rc = chain.call(c, "push", json::object{{"name", "x"}}, Uint256(1));
  EXPECT_EQ(core::code_value(rc.failure->code), core::code_value(core::FailureCode::kMethodNotPayable));
}

TEST(Model, RevertsAndErrorsFailWithTheirCodes) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  auto rc = chain.call(c, "fail", json::object{{"code", "0x7"}});
  EXPECT_EQ(failure_of(rc), "39 failed on purpose");
  EXPECT_EQ(chain.stored(c, std::string("\x01seen", 5)), std::nullopt);
  rc = chain.call(c, "oops");
  EXPECT_EQ(failure_of(rc), "1 main.lua:44: attempt to index a nil value (local 't')");
  // Found by fuzz_lua_contract: an empty revert message left the failure saying nothing.
  auto r = run_lua("revert('', 3)");
  EXPECT_EQ(r.code, core::user_failure(3));
  EXPECT_EQ(r.message, "reverted");
}

TEST(Model, ContractsPayOutAndTakePlainTransfersThroughTheirFallback) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kModel), 1);
  ASSERT_TRUE(chain.call(c, "deposit", json::object{{"note", "x"}}, Uint256(10)).success);
  const Uint256 before = chain.balance(user(2));
  auto rc = chain.call(c, "payout", json::object{{"to", user(2).to_string()}, {"amount", "0x4"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.balance(user(2)), *before.checked_add(Uint256(4)));
  EXPECT_EQ(chain.balance(c), Uint256(6));
  rc = chain.call(c, "payout", json::object{{"to", user(2).to_string()}, {"amount", "0x40"}});
  EXPECT_EQ(core::code_value(rc.failure->code), core::code_value(core::FailureCode::kOutOfBalance));
  rc = chain.call(c, "fallback", nullptr, Uint256(3));
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.stored(c, std::string("\x01seen", 5)), "fallback 3");
}

const char* kCaller = R"LUA(
local log = VarDB("log", "str")
local hits = VarDB("hits", "int")
external "poke(Address other, int code)" (function(other, code)
  log:set("start")
  local ok, err = pcall(call, other, "fail", {code = code})
  log:set(log:get() .. (ok and " ok" or (" caught " .. err.code .. ": " .. tostring(err))))
end)
external "relay(Address other, int code)" (function(other, code) call(other, "fail", {code = code}) end)
external "read(Address other) -> dict" (function(other) return call(other, "context") end)
external "again(int n) -> int" (function(n)
  hits:set(hits:get() + 1)
  if n > 0 then call(this.address, "again", {n = n - 1}) end
  return hits:get()
end)
)LUA";

TEST(Calls, AFailedCalleeRevertsOnlyItsOwnWrites) {
  LuaChain chain;
  const Address callee = chain.deploy(must_compile(kModel), 1);
  const Address caller = chain.deploy(must_compile(kCaller), 2);
  auto rc = chain.call(caller, "poke", json::object{{"other", callee.to_string()}, {"code", "0x3"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.stored(caller, std::string("\x01log", 4)), "start caught 3: failed on purpose");
  EXPECT_EQ(chain.stored(callee, std::string("\x01seen", 5)), std::nullopt);
  // Uncaught, the callee's failure is the caller's.
  rc = chain.call(caller, "relay", json::object{{"other", callee.to_string()}, {"code", "0x3"}});
  EXPECT_EQ(failure_of(rc), "35 failed on purpose");
  auto r = chain.query(caller, "read", json::object{{"other", callee.to_string()}});
  EXPECT_EQ(r.code, core::FailureCode::kAccessDenied);  // read is external: icx_call refuses it
  rc = chain.call(caller, "read", json::object{{"other", callee.to_string()}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
}

TEST(Calls, AContractCanCallItselfUntilTheHostsDepthLimit) {
  LuaChain chain;
  const Address c = chain.deploy(must_compile(kCaller), 1);
  auto rc = chain.call(c, "again", json::object{{"n", "0x5"}});
  ASSERT_TRUE(rc.success) << failure_of(rc);
  EXPECT_EQ(chain.stored(c, std::string("\x01hits", 5)), std::string("\x06", 1));
  rc = chain.call(c, "again", json::object{{"n", "0x64"}});
  EXPECT_EQ(core::code_value(rc.failure->code), core::code_value(core::FailureCode::kStackOverflow)) << failure_of(rc);
}

}  // namespace
}  // namespace cx::acore
