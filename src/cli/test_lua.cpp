// A test script's Lua state for `complexchain contract test` (test_lua.hpp): bounds, values, assertions.
#include "cli/test_lua.hpp"

#include <algorithm>
#include <cstdlib>

#include <boost/json.hpp>

#include "base/clock.hpp"
#include "cli/test_lua_internal.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace test_lua {

namespace {

constexpr int kJsonDepthMax = 32;
constexpr int kHookEvery = 10'000;
const char* const kStateKey = "cx.test.state";

void* bounded_alloc(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* st = static_cast<TestScript::State*>(ud);
  if (!ptr) old_size = 0;
  if (new_size == 0) {
    st->memory -= old_size;
    std::free(ptr);
    return nullptr;
  }
  if (new_size > old_size && st->memory + (new_size - old_size) > st->limits.memory_bytes) return nullptr;
  void* p = std::realloc(ptr, new_size);
  if (p) st->memory = st->memory - old_size + new_size;
  return p;
}

// Raises `message` at the line the test script is running (level 0 in a hook is the hooked function).
void hook_error(lua_State* L, const std::string& message) {
  luaL_where(L, 0);
  lua_pushstring(L, message.c_str());
  lua_concat(L, 2);
  lua_error(L);
}

void bound_hook(lua_State* L, lua_Debug*) {
  TestScript::State& st = state_of(L);
  st.instructions += kHookEvery;
  if (st.instructions > st.limits.instructions)
    hook_error(L, "the test ran more than " + std::to_string(st.limits.instructions) + " Lua instructions");
  if (system_clock().monotonic_us() - st.started_us > st.limits.wall_us)
    hook_error(L, "the test ran longer than " + std::to_string(st.limits.wall_us / 1'000'000) + " s");
}

// The canonical 0x hex of a number-like value (a Lua integer, or a 0x / -0x hex string), else nullopt.
std::optional<std::string> as_number(lua_State* L, int idx) {
  if (lua_isinteger(L, idx)) {
    const lua_Integer n = lua_tointeger(L, idx);
    const uint64_t mag = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    return (n < 0 ? "-" : "") + Uint256(mag).to_icon_hex();
  }
  if (lua_type(L, idx) != LUA_TSTRING) return std::nullopt;
  std::string_view s = lua_tostring(L, idx);
  const bool neg = s.starts_with("-");
  if (neg) s.remove_prefix(1);
  if (!s.starts_with("0x")) return std::nullopt;
  auto v = Uint256::from_icon_hex(s);
  if (!v) return std::nullopt;
  return (neg && *v != Uint256(0) ? "-" : "") + v->to_icon_hex();
}

// ICON's ABI returns booleans as 0x1 / 0x0: a Lua boolean and such a string compare equal.
bool bool_matches(lua_State* L, int boolean, int other) {
  if (lua_type(L, other) != LUA_TSTRING) return false;
  return std::string_view(lua_tostring(L, other)) == (lua_toboolean(L, boolean) ? "0x1" : "0x0");
}

bool deep_equal(lua_State* L, int a, int b, int depth) {
  a = lua_absindex(L, a);
  b = lua_absindex(L, b);
  if (lua_type(L, a) == LUA_TBOOLEAN && lua_type(L, b) != LUA_TBOOLEAN) return bool_matches(L, a, b);
  if (lua_type(L, b) == LUA_TBOOLEAN && lua_type(L, a) != LUA_TBOOLEAN) return bool_matches(L, b, a);
  if (auto x = as_number(L, a)) {
    auto y = as_number(L, b);
    return y && *x == *y;
  }
  if (lua_type(L, a) != LUA_TTABLE || lua_type(L, b) != LUA_TTABLE) return lua_rawequal(L, a, b);
  if (depth > kJsonDepthMax) return false;
  for (int pass = 0; pass < 2; ++pass) {  // every key of a in b with an equal value, then the other way
    const int from = pass == 0 ? a : b, to = pass == 0 ? b : a;
    lua_pushnil(L);
    while (lua_next(L, from)) {
      lua_pushvalue(L, -2);
      lua_gettable(L, to);
      const bool same = pass == 1 ? !lua_isnil(L, -1) : deep_equal(L, -1, -2, depth + 1);
      lua_pop(L, 2);
      if (!same) {
        lua_pop(L, 1);
        return false;
      }
    }
  }
  return true;
}

int l_assert_eq(lua_State* L) {
  luaL_checkany(L, 2);
  if (deep_equal(L, 1, 2, 0)) return 0;
  const char* what = luaL_optstring(L, 3, "assert_eq");
  const std::string got = describe(L, 1), want = describe(L, 2);
  return luaL_error(L, "%s: got %s, want %s", what, got.c_str(), want.c_str());
}

int l_assert_ne(lua_State* L) {
  luaL_checkany(L, 2);
  if (!deep_equal(L, 1, 2, 0)) return 0;
  return luaL_error(L, "%s: both are %s", luaL_optstring(L, 3, "assert_ne"), describe(L, 1).c_str());
}

int l_assert_true(lua_State* L) {
  if (lua_toboolean(L, 1)) return 0;
  return luaL_error(L, "%s: got %s", luaL_optstring(L, 2, "assert_true"), describe(L, 1).c_str());
}

std::string field_string(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  std::string s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  return s;
}

// assert_ok(receipt): the tx succeeded.
int l_assert_ok(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "status");
  const bool ok = lua_tointeger(L, -1) == 1;
  if (ok) return 0;
  return luaL_error(L, "%s: the tx failed: %s", luaL_optstring(L, 2, "assert_ok"), field_string(L, 1, "error").c_str());
}

// assert_revert(receipt, code [, text]): the tx failed with the contract's revert code (revert(msg,
// code)) and, if given, a message containing `text`.
int l_assert_revert(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer want = luaL_checkinteger(L, 2);
  const char* text = luaL_optstring(L, 3, nullptr);
  lua_getfield(L, 1, "status");
  if (lua_tointeger(L, -1) == 1) return luaL_error(L, "assert_revert: the tx succeeded, want revert code %d", static_cast<int>(want));
  lua_getfield(L, 1, "revert");
  const bool has_code = lua_isinteger(L, -1);
  const lua_Integer got = has_code ? lua_tointeger(L, -1) : -1;
  const std::string error = field_string(L, 1, "error");
  if (!has_code || got != want)
    return luaL_error(L, "assert_revert: want revert code %d, got %s", static_cast<int>(want), error.c_str());
  if (text && error.find(text) == std::string::npos)
    return luaL_error(L, "assert_revert: the message is \"%s\", want one containing \"%s\"", error.c_str(), text);
  return 0;
}

// find_event(receipt, signature [, n]): the n-th (1 by default) log whose indexed[1] is `signature`, or nil.
int l_find_event(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const std::string sig = luaL_checkstring(L, 2);
  lua_Integer nth = luaL_optinteger(L, 3, 1);
  lua_getfield(L, 1, "logs");
  if (!lua_istable(L, -1)) return 0;
  const lua_Integer n = luaL_len(L, -1);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_geti(L, -1, i);
    lua_getfield(L, -1, "indexed");
    lua_geti(L, -1, 1);
    const bool match = lua_type(L, -1) == LUA_TSTRING && sig == lua_tostring(L, -1);
    lua_pop(L, 2);
    if (match && --nth == 0) return 1;
    lua_pop(L, 1);
  }
  return 0;
}

int l_hex(lua_State* L) {
  std::optional<std::string> h = as_number(L, 1);
  if (!h) return luaL_argerror(L, 1, "an integer or a 0x hex string");
  lua_pushstring(L, h->c_str());
  return 1;
}

// int("0x2a") == 42; an error if it does not fit a Lua integer.
int l_int(lua_State* L) {
  if (lua_isinteger(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  std::string_view s = luaL_checkstring(L, 1);
  const bool neg = s.starts_with("-");
  if (neg) s.remove_prefix(1);
  auto v = s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
  if (!v || !v->fits_u64() || v->low_u64() > static_cast<uint64_t>(INT64_MAX))
    return luaL_error(L, "int: %s is not an integer that fits 64 bits", lua_tostring(L, 1));
  const auto n = static_cast<lua_Integer>(v->low_u64());
  lua_pushinteger(L, neg ? -n : n);
  return 1;
}

// icx(n): n coins in loop (n * 10^18), as 0x hex.
int l_icx(lua_State* L) {
  const Uint256 n = to_amount(L, 1);
  auto loop = n.checked_mul(*Uint256::from_dec("1000000000000000000"));
  if (!loop) return luaL_error(L, "icx: the amount overflows");
  lua_pushstring(L, loop->to_icon_hex().c_str());
  return 1;
}

int l_print(lua_State* L) {
  std::string line = "  | ";
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    size_t len = 0;
    const char* text = luaL_tolstring(L, i, &len);
    if (i > 1) line += '\t';
    line.append(text, len);
    lua_pop(L, 1);
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  return 0;
}

void open_libs(lua_State* L) {
  const luaL_Reg libs[] = {{"_G", luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
                           {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8}};
  for (const luaL_Reg& lib : libs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  for (const char* gone : {"dofile", "loadfile", "collectgarbage"}) {
    lua_pushnil(L);
    lua_setglobal(L, gone);
  }
  const luaL_Reg fns[] = {{"assert_eq", l_assert_eq}, {"assert_ne", l_assert_ne}, {"assert_true", l_assert_true},
                          {"assert_ok", l_assert_ok}, {"assert_revert", l_assert_revert}, {"find_event", l_find_event},
                          {"hex", l_hex}, {"int", l_int}, {"icx", l_icx}, {"print", l_print}, {nullptr, nullptr}};
  lua_pushglobaltable(L);
  luaL_setfuncs(L, fns, 0);
  lua_pop(L, 1);
}

}  // namespace

TestScript::State& state_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kStateKey);
  auto* st = static_cast<TestScript::State*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *st;
}

json::value to_json(lua_State* L, int idx, int depth) {
  idx = lua_absindex(L, idx);
  if (depth > kJsonDepthMax) luaL_error(L, "params nest deeper than %d", kJsonDepthMax);
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return nullptr;
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "0x1" : "0x0";
    case LUA_TSTRING: return json::string(lua_tostring(L, idx));
    case LUA_TNUMBER:
      if (!lua_isinteger(L, idx)) luaL_error(L, "params take integers, not %s", lua_tostring(L, idx));
      return json::string(*as_number(L, idx));
    case LUA_TTABLE: break;
    default: luaL_error(L, "params cannot hold a %s", luaL_typename(L, idx));
  }
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, idx));
  if (n > 0) {
    json::array a;
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L, idx, i);
      a.push_back(to_json(L, -1, depth + 1));
      lua_pop(L, 1);
    }
    return a;
  }
  json::object o;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "a params table has string keys, or is a list 1..n");
    o[lua_tostring(L, -2)] = to_json(L, -1, depth + 1);
    lua_pop(L, 1);
  }
  return o;
}

void push_json(lua_State* L, const json::value& v) {
  luaL_checkstack(L, 4, "values nest too deep");
  if (v.is_string()) lua_pushlstring(L, v.get_string().data(), v.get_string().size());
  else if (v.is_bool()) lua_pushboolean(L, v.get_bool());
  else if (v.is_int64()) lua_pushinteger(L, v.get_int64());
  else if (v.is_uint64()) lua_pushstring(L, Uint256(v.get_uint64()).to_icon_hex().c_str());
  else if (v.is_array()) {
    lua_createtable(L, static_cast<int>(v.get_array().size()), 0);
    lua_Integer i = 0;
    for (const auto& e : v.get_array()) {
      push_json(L, e);
      lua_rawseti(L, -2, ++i);
    }
  } else if (v.is_object()) {
    lua_createtable(L, 0, static_cast<int>(v.get_object().size()));
    for (const auto& [k, e] : v.get_object()) {
      push_json(L, e);
      lua_setfield(L, -2, std::string(k).c_str());
    }
  } else lua_pushnil(L);
}

Uint256 to_amount(lua_State* L, int idx) {
  if (lua_isinteger(L, idx)) {
    if (lua_tointeger(L, idx) < 0) luaL_error(L, "an amount must not be negative");
    return Uint256(static_cast<uint64_t>(lua_tointeger(L, idx)));
  }
  std::string_view s = luaL_checkstring(L, idx);
  auto v = s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
  if (!v) luaL_error(L, "'%s' is not an amount (0x hex or decimal)", lua_tostring(L, idx));
  return *v;
}

crypto::Address to_address(lua_State* L, int idx) {
  auto a = crypto::Address::parse(luaL_checkstring(L, idx));
  if (!a) luaL_error(L, "'%s' is not an address", lua_tostring(L, idx));
  return *a;
}

std::string describe(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) return "\"" + std::string(lua_tostring(L, idx)) + "\"";
  if (lua_type(L, idx) != LUA_TTABLE) {
    std::string s = luaL_tolstring(L, idx, nullptr);
    lua_pop(L, 1);
    return s;
  }
  std::string s = "{";
  lua_pushnil(L);
  for (int n = 0; lua_next(L, idx); ++n) {
    if (n == 8) {
      s += ", …";
      lua_pop(L, 2);
      break;
    }
    s += (n ? ", " : "") + describe(L, -2) + "=" + describe(L, -1);
    lua_pop(L, 1);
  }
  return s + "}";
}

}  // namespace test_lua

TestScript::TestScript(TestChain& chain, std::string contract_dir, const TestLimits& limits)
    : m_state(std::make_unique<State>()) {
  m_state->chain = &chain;
  m_state->contract_dir = std::move(contract_dir);
  m_state->limits = limits;
  m_L = lua_newstate(test_lua::bounded_alloc, m_state.get());
  CX_ASSERT_MSG(m_L, "cannot create a Lua state");
  lua_pushlightuserdata(m_L, m_state.get());
  lua_setfield(m_L, LUA_REGISTRYINDEX, test_lua::kStateKey);
  test_lua::open_libs(m_L);
  test_lua::open_chain(m_L, chain.accounts());
  lua_sethook(m_L, test_lua::bound_hook, LUA_MASKCOUNT, test_lua::kHookEvery);
}

TestScript::~TestScript() {
  if (m_L) lua_close(m_L);
}

Status TestScript::load(const std::string& source, const std::string& chunk_name) {
  m_state->started_us = system_clock().monotonic_us();
  if (luaL_loadbuffer(m_L, source.data(), source.size(), ("@" + chunk_name).c_str()) != LUA_OK ||
      lua_pcall(m_L, 0, 0, 0) != LUA_OK) {
    std::string e = lua_type(m_L, -1) == LUA_TSTRING ? lua_tostring(m_L, -1) : "an error that is not a string";
    lua_pop(m_L, 1);
    return Status::error(e);
  }
  return Status::ok();
}

std::vector<std::string> TestScript::test_names() {
  std::vector<std::string> names;
  lua_pushglobaltable(m_L);
  lua_pushnil(m_L);
  while (lua_next(m_L, -2)) {
    if (lua_type(m_L, -2) == LUA_TSTRING && lua_isfunction(m_L, -1)) {
      std::string name = lua_tostring(m_L, -2);
      if (name.starts_with("test_")) names.push_back(std::move(name));
    }
    lua_pop(m_L, 1);
  }
  lua_pop(m_L, 1);
  std::sort(names.begin(), names.end());
  return names;
}

Status TestScript::run(const std::string& name) {
  m_state->started_us = system_clock().monotonic_us();
  m_state->instructions = 0;
  lua_getglobal(m_L, name.c_str());
  if (lua_pcall(m_L, 0, 0, 0) == LUA_OK) return Status::ok();
  std::string e = lua_type(m_L, -1) == LUA_TSTRING ? lua_tostring(m_L, -1)
                  : lua_type(m_L, -1) == LUA_TTABLE ? "error(" + test_lua::describe(m_L, -1) + ")"
                                                    : "an error that is not a string";
  lua_pop(m_L, 1);
  return Status::error(e);
}

}  // namespace cx::cli
