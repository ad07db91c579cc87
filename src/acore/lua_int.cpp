// int: signed integers with a magnitude below 2^256 (Int256), for amounts. Arithmetic with other ints
// and Lua integers; a result out of range, a division by zero or a float operand is an error.
#include "acore/lua_int.hpp"

#include <cstring>
#include <new>
#include <type_traits>

namespace cx::acore::lua {

namespace {

Int256* test_int(lua_State* L, int index) { return static_cast<Int256*>(luaL_testudata(L, index, kIntMetatable)); }

int result_or_error(lua_State* L, const std::optional<Int256>& r, const char* op) {
  if (!r) return luaL_error(L, "int %s: %s", op, std::strcmp(op, "//") == 0 || std::strcmp(op, "%") == 0
                                                      ? "division by zero"
                                                      : "result out of range (|x| < 2^256)");
  push_int(L, *r);
  return 1;
}

template <std::optional<Int256> (Int256::*Op)(const Int256&) const>
int binary(lua_State* L, const char* op) {
  const Int256 a = check_int(L, 1, op), b = check_int(L, 2, op);
  return result_or_error(L, (a.*Op)(b), op);
}

int int_add(lua_State* L) { return binary<&Int256::add>(L, "+"); }
int int_sub(lua_State* L) { return binary<&Int256::sub>(L, "-"); }
int int_mul(lua_State* L) { return binary<&Int256::mul>(L, "*"); }
int int_idiv(lua_State* L) { return binary<&Int256::floor_div>(L, "//"); }
int int_mod(lua_State* L) { return binary<&Int256::floor_mod>(L, "%"); }
int int_div(lua_State* L) { return luaL_error(L, "int: '/' makes floats; use '//' for integer division"); }
int int_unm(lua_State* L) {
  push_int(L, check_int(L, 1, "-").negated());
  return 1;
}
int int_pow(lua_State* L) {
  const Int256 a = check_int(L, 1, "^"), e = check_int(L, 2, "^");
  auto small = e.to_int64();
  if (!small || *small < 0 || *small > 1024) return luaL_error(L, "int ^: the exponent must be 0..1024");
  return result_or_error(L, a.pow(static_cast<uint64_t>(*small)), "^");
}
int int_eq(lua_State* L) {
  lua_pushboolean(L, check_int(L, 1, "==") == check_int(L, 2, "=="));
  return 1;
}
int int_lt(lua_State* L) {
  lua_pushboolean(L, check_int(L, 1, "<") < check_int(L, 2, "<"));
  return 1;
}
int int_le(lua_State* L) {
  lua_pushboolean(L, check_int(L, 1, "<=") <= check_int(L, 2, "<="));
  return 1;
}
int int_tostring(lua_State* L) {
  Vm& vm = vm_of(L);
  vm.text = check_int(L, 1, "tostring").to_dec();
  lua_pushlstring(L, vm.text.data(), vm.text.size());
  return 1;
}
int int_concat(lua_State* L) {
  for (int i = 1; i <= 2; ++i) {
    if (test_int(L, i) == nullptr) continue;
    lua_pushcfunction(L, int_tostring);
    lua_pushvalue(L, i);
    lua_call(L, 1, 1);
    lua_replace(L, i);
  }
  lua_concat(L, 2);
  return 1;
}
int int_hex(lua_State* L) {
  Vm& vm = vm_of(L);
  vm.text = check_int(L, 1, "hex").to_icon_hex();
  lua_pushlstring(L, vm.text.data(), vm.text.size());
  return 1;
}
// The value as a Lua integer, or nil if it does not fit in 64 bits.
int int_tointeger(lua_State* L) {
  auto v = check_int(L, 1, "tointeger").to_int64();
  if (v) lua_pushinteger(L, *v);
  else lua_pushnil(L);
  return 1;
}
int int_is_zero(lua_State* L) {
  lua_pushboolean(L, check_int(L, 1, "is_zero").is_zero());
  return 1;
}

// int(x): x an int, a Lua integer, or a string "123", "-123", "0x7b", "-0x7b".
int int_new(lua_State* L) {
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t n = 0;
    const char* s = lua_tolstring(L, 1, &n);
    const std::string_view text(s, n);
    auto v = text.find("0x") != std::string_view::npos ? Int256::from_icon_hex(text) : Int256::from_dec(text);
    if (!v) return luaL_error(L, "int: '%s' is not an integer (decimal or 0x hex, below 2^256)", s);
    push_int(L, *v);
    return 1;
  }
  push_int(L, check_int(L, 1, "int()"));
  return 1;
}

}  // namespace

void push_int(lua_State* L, const Int256& v) {
  auto* p = static_cast<Int256*>(lua_newuserdatauv(L, sizeof(Int256), 0));
  new (p) Int256(v);  // trivially destructible: no __gc needed
  luaL_setmetatable(L, kIntMetatable);
}

std::optional<Int256> to_int(lua_State* L, int index) {
  if (const Int256* p = test_int(L, index)) return *p;
  if (lua_type(L, index) == LUA_TNUMBER && lua_isinteger(L, index)) return Int256(static_cast<int64_t>(lua_tointeger(L, index)));
  return std::nullopt;
}

Int256 check_int(lua_State* L, int index, const char* what) {
  if (auto v = to_int(L, index)) return *v;
  luaL_error(L, "%s: expected an int or an integer, got %s%s", what, luaL_typename(L, index),
             lua_type(L, index) == LUA_TNUMBER ? " (a float)" : "");
  CX_UNREACHABLE();
}

void open_int(lua_State* L) {
  static_assert(std::is_trivially_destructible_v<Int256>);
  luaL_newmetatable(L, kIntMetatable);
  const luaL_Reg ops[] = {{"__add", int_add}, {"__sub", int_sub}, {"__mul", int_mul}, {"__idiv", int_idiv},
                          {"__mod", int_mod}, {"__div", int_div}, {"__unm", int_unm}, {"__pow", int_pow},
                          {"__eq", int_eq}, {"__lt", int_lt}, {"__le", int_le}, {"__tostring", int_tostring},
                          {"__concat", int_concat}, {nullptr, nullptr}};
  luaL_setfuncs(L, ops, 0);
  const luaL_Reg methods[] = {{"hex", int_hex}, {"tointeger", int_tointeger}, {"is_zero", int_is_zero},
                              {"tostring", int_tostring}, {nullptr, nullptr}};
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "int");
  lua_setfield(L, -2, "__name");
  protect_metatable(L);
  lua_pop(L, 1);
  lua_pushcfunction(L, int_new);
  lua_setglobal(L, "int");
}

}  // namespace cx::acore::lua
