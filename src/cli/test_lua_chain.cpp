// The `chain` object of a contract test script (test_lua.hpp; docs/acore.md "Testing a contract").
#include <filesystem>

#include <boost/json.hpp>

#include "cli/contract_common.hpp"
#include "cli/test_lua_internal.hpp"
#include "contracts/native.hpp"

namespace cx::cli::test_lua {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Block time a next_block() adds per block, as ICON's ~2 s blocks.
constexpr int64_t kBlockUs = 2'000'000;
constexpr size_t kFilesMax = 256;

// The chain of a method called as chain:method(…); chain.method(…) is a mistake worth naming.
TestChain& chain_of(lua_State* L) {
  if (!lua_rawequal(L, 1, lua_upvalueindex(1)))
    luaL_error(L, "call the chain's methods with ':' (chain:deploy{…}, chain:call(…))");
  return *state_of(L).chain;
}

// opts[key] as an address; the first account when absent.
crypto::Address opt_from(lua_State* L, int opts) {
  lua_getfield(L, opts, "from");
  const crypto::Address a = lua_isnil(L, -1) ? chain_of(L).accounts().front() : to_address(L, -1);
  lua_pop(L, 1);
  return a;
}

// opts.step_limit, else `otherwise` (0: the chain's maximum).
uint64_t opt_step_limit(lua_State* L, int opts, uint64_t otherwise) {
  lua_getfield(L, opts, "step_limit");
  const lua_Integer n = lua_isnil(L, -1) ? static_cast<lua_Integer>(otherwise) : luaL_checkinteger(L, -1);
  lua_pop(L, 1);
  if (n < 0) luaL_error(L, "step_limit must not be negative");
  return static_cast<uint64_t>(n);
}

void set_string(lua_State* L, const char* key, const std::string& s) {
  lua_pushlstring(L, s.data(), s.size());
  lua_setfield(L, -2, key);
}

// A receipt as ICON's icx_getTransactionResult has it, plus `error` ("code N: message") and `revert`
// (the contract's own revert code) when it failed.
void push_receipt(lua_State* L, const core::Receipt& rc) {
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, rc.success ? 1 : 0);
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, rc.step_used.fits_u64() ? static_cast<lua_Integer>(rc.step_used.low_u64()) : -1);
  lua_setfield(L, -2, "steps");
  set_string(L, "to", rc.to.to_string());
  if (rc.score_address) set_string(L, "scoreAddress", rc.score_address->to_string());
  if (rc.failure) {
    const uint32_t code = core::code_value(rc.failure->code);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, code);
    lua_setfield(L, -2, "code");
    set_string(L, "message", rc.failure->message);
    lua_setfield(L, -2, "failure");
    set_string(L, "error", "code " + std::to_string(code) + ": " + rc.failure->message);
    const uint32_t base = core::code_value(core::FailureCode::kUserBase);
    if (code >= base) {
      lua_pushinteger(L, code - base);
      lua_setfield(L, -2, "revert");
    }
  }
  lua_createtable(L, static_cast<int>(rc.logs.size()), 0);
  for (size_t i = 0; i < rc.logs.size(); ++i) {
    const core::EventLog& log = rc.logs[i];
    json::object o{{"scoreAddress", log.score.to_string()}};
    o["indexed"] = json::array(log.indexed.begin(), log.indexed.end());
    o["data"] = json::array(log.data.begin(), log.data.end());
    push_json(L, o);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "logs");
}

core::Receipt must_send(lua_State* L, const TestChain::Tx& tx) {
  TestChain::Sent sent = chain_of(L).send(tx);
  if (!sent.receipt) luaL_error(L, "the tx was rejected: %s", sent.rejected.c_str());
  return std::move(*sent.receipt);
}

// The .lua files of `files` (a table path -> source) as deploy content.
Content files_content(lua_State* L, int files) {
  std::vector<std::pair<std::string, std::string>> sources;
  lua_pushnil(L);
  while (lua_next(L, files)) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "files maps paths to sources (strings)");
    if (sources.size() == kFilesMax) luaL_error(L, "at most %d files", static_cast<int>(kFilesMax));
    sources.emplace_back(lua_tostring(L, -2), lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  auto zip = zip_sources(std::move(sources));
  if (!zip) luaL_error(L, "files: %s", zip.message().c_str());
  return Content{"application/zip", std::move(*zip)};
}

Content deploy_content(lua_State* L, int opts) {
  lua_getfield(L, opts, "files");
  if (lua_istable(L, -1)) {
    Content c = files_content(L, lua_absindex(L, -1));
    lua_pop(L, 1);
    return c;
  }
  lua_getfield(L, opts, "dir");
  const std::string& base = state_of(L).contract_dir;
  const std::string dir = lua_isnil(L, -1) ? base : (fs::path(base) / luaL_checkstring(L, -1)).string();
  lua_pop(L, 2);
  auto content = read_content(dir);
  if (!content) luaL_error(L, "%s: %s", dir.c_str(), content.message().c_str());
  return std::move(*content);
}

// chain:try_deploy{params=, from=, dir= | files=, to= (an update), step_limit=} -> address or nil, receipt
int l_try_deploy(lua_State* L) {
  (void)chain_of(L);  // the form of the call, checked before its arguments
  luaL_checktype(L, 2, LUA_TTABLE);
  const Content content = deploy_content(L, 2);
  TestChain::Tx tx;
  tx.from = opt_from(L, 2);
  lua_getfield(L, 2, "to");
  tx.to = lua_isnil(L, -1) ? contracts::chain_contract_address() : to_address(L, -1);
  lua_getfield(L, 2, "params");
  json::object data{{"contentType", content.type}, {"content", "0x" + to_hex(content.bytes)}};
  if (!lua_isnil(L, -1)) data["params"] = to_json(L, -1);
  lua_pop(L, 2);
  tx.step_limit = opt_step_limit(L, 2, 0);
  tx.data_type = "deploy";
  tx.data = std::move(data);
  const core::Receipt rc = must_send(L, tx);
  if (rc.success && rc.score_address) lua_pushstring(L, rc.score_address->to_string().c_str());
  else lua_pushnil(L);
  push_receipt(L, rc);
  return 2;
}

// chain:deploy{...}: as try_deploy, an error if it failed.
int l_deploy(lua_State* L) {
  l_try_deploy(L);
  if (lua_isnil(L, -2)) {
    lua_getfield(L, -1, "error");
    return luaL_error(L, "the deploy failed: %s", lua_tostring(L, -1));
  }
  return 2;
}

// chain:send{to=, method=, params=, from=, value=, step_limit=} -> receipt
int l_send(lua_State* L) {
  (void)chain_of(L);  // the form of the call, checked before its arguments
  luaL_checktype(L, 2, LUA_TTABLE);
  TestChain::Tx tx;
  tx.from = opt_from(L, 2);
  lua_getfield(L, 2, "to");
  tx.to = to_address(L, -1);
  lua_getfield(L, 2, "value");
  if (!lua_isnil(L, -1)) tx.value = to_amount(L, -1);
  lua_getfield(L, 2, "method");
  lua_getfield(L, 2, "params");
  if (!lua_isnil(L, -2)) {
    json::object data{{"method", luaL_checkstring(L, -2)}};
    if (!lua_isnil(L, -1)) data["params"] = to_json(L, -1);
    tx.data_type = "call";
    tx.data = std::move(data);
  }
  lua_pop(L, 4);
  tx.step_limit = opt_step_limit(L, 2, kSendStepLimitDefault);
  push_receipt(L, must_send(L, tx));
  return 1;
}

// chain:transfer(to, value [, from]) -> receipt: a plain coin transfer.
int l_transfer(lua_State* L) {
  (void)chain_of(L);  // the form of the call, checked before its arguments
  TestChain::Tx tx;
  tx.to = to_address(L, 2);
  tx.value = to_amount(L, 3);
  tx.from = lua_isnoneornil(L, 4) ? chain_of(L).accounts().front() : to_address(L, 4);
  tx.step_limit = kSendStepLimitDefault;
  push_receipt(L, must_send(L, tx));
  return 1;
}

// chain:try_call(addr, method [, params [, from]]) -> value, or nil and {code=, message=}
int l_try_call(lua_State* L) {
  (void)chain_of(L);  // the form of the call, checked before its arguments
  const crypto::Address to = to_address(L, 2);
  const std::string method = luaL_checkstring(L, 3);
  json::value params = lua_isnoneornil(L, 4) ? json::value(nullptr) : to_json(L, 4);
  const crypto::Address from = lua_isnoneornil(L, 5) ? chain_of(L).accounts().front() : to_address(L, 5);
  contracts::CallResult r = chain_of(L).query(from, to, method, std::move(params));
  if (r.ok) {
    push_json(L, r.output);
    return 1;
  }
  lua_pushnil(L);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, core::code_value(r.code));
  lua_setfield(L, -2, "code");
  set_string(L, "message", r.message);
  return 2;
}

// chain:call(addr, method [, params [, from]]) -> value (icx_call); an error if the call failed.
int l_call(lua_State* L) {
  if (l_try_call(L) == 1) return 1;
  lua_getfield(L, -1, "code");
  lua_getfield(L, -2, "message");
  return luaL_error(L, "call %s failed: code %d: %s", lua_tostring(L, 3), static_cast<int>(lua_tointeger(L, -2)),
                    lua_tostring(L, -1));
}

int l_balance(lua_State* L) {
  lua_pushstring(L, chain_of(L).balance(to_address(L, 2)).to_icon_hex().c_str());
  return 1;
}

// chain:next_block([n]): n blocks (1 by default) of 2 s each; returns the new height.
int l_next_block(lua_State* L) {
  const lua_Integer n = luaL_optinteger(L, 2, 1);
  if (n < 1 || n > 1'000'000'000) return luaL_error(L, "next_block takes 1..10^9 blocks");
  chain_of(L).next_block(static_cast<uint64_t>(n), kBlockUs);
  lua_pushinteger(L, static_cast<lua_Integer>(chain_of(L).block().height));
  return 1;
}

// chain:set_time(seconds): the block timestamp contracts see (block.timestamp, in µs) becomes seconds * 10^6.
int l_set_time(lua_State* L) {
  const lua_Integer s = luaL_checkinteger(L, 2);
  if (s < 0 || s > 4'000'000'000'000LL) return luaL_error(L, "set_time takes seconds since 1970 (0..4*10^12)");
  chain_of(L).set_time_us(s * 1'000'000);
  return 0;
}

int l_height(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(chain_of(L).block().height));
  return 1;
}

// chain:time() -> the block timestamp in µs, as contracts see it.
int l_time(lua_State* L) {
  lua_pushinteger(L, chain_of(L).block().timestamp_us);
  return 1;
}

}  // namespace

void open_chain(lua_State* L, const std::vector<crypto::Address>& accounts) {
  const luaL_Reg methods[] = {{"deploy", l_deploy}, {"try_deploy", l_try_deploy}, {"send", l_send},
                              {"transfer", l_transfer}, {"call", l_call}, {"try_call", l_try_call},
                              {"balance", l_balance}, {"next_block", l_next_block}, {"set_time", l_set_time},
                              {"height", l_height}, {"time", l_time}, {nullptr, nullptr}};
  lua_newtable(L);
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, methods, 1);  // each method has the chain table as upvalue 1
  lua_createtable(L, static_cast<int>(accounts.size()), 0);
  for (size_t i = 0; i < accounts.size(); ++i) {
    lua_pushstring(L, accounts[i].to_string().c_str());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "accounts");
  lua_setglobal(L, "chain");
}

}  // namespace cx::cli::test_lua
