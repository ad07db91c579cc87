#pragma once
// What test_lua.cpp (the state, values, assertions) and test_lua_chain.cpp (the `chain` object) share.
#include <lua.hpp>

#include <boost/json/value.hpp>

#include "cli/test_lua.hpp"

namespace cx::cli {

struct TestScript::State {
  TestChain* chain = nullptr;
  std::string contract_dir;
  TestLimits limits;
  size_t memory = 0;
  uint64_t instructions = 0;
  int64_t started_us = 0;
};

namespace test_lua {

TestScript::State& state_of(lua_State* L);
// A Lua value as contract params/JSON: integers as 0x hex (ICON's ABI), booleans as 0x1/0x0, strings
// as they are, tables as arrays (1..n) or objects (string keys; an empty table is an object).
boost::json::value to_json(lua_State* L, int idx, int depth = 0);
// JSON as Lua: strings, booleans, integers, tables; null is nil.
void push_json(lua_State* L, const boost::json::value& v);
// An amount: a Lua integer, or a string in 0x hex or decimal.
Uint256 to_amount(lua_State* L, int idx);
// An address argument (hx… or cx…).
crypto::Address to_address(lua_State* L, int idx);
// A short rendering of a value for assertion messages.
std::string describe(lua_State* L, int idx);
void open_chain(lua_State* L, const std::vector<crypto::Address>& accounts);

}  // namespace test_lua
}  // namespace cx::cli
