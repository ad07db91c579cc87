// The libraries a contract sees (docs/acore.md "Sandbox"): base, string, table, math and utf8, cut
// down and wrapped so that nothing depends on time, addresses, hashing or garbage collection, nothing
// reaches outside the state, and every library call is charged by the size of its arguments.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "acore/vm.hpp"

namespace cx::acore::lua {

namespace {

// A library call costs one step, plus one per kArgBytesPerStep bytes of each string argument and one
// per kArgElementsPerStep elements of each table argument (so O(n) functions pay for their n).
constexpr size_t kArgBytesPerStep = 64;
constexpr size_t kArgElementsPerStep = 8;
constexpr size_t kRepBytesMax = 1u << 20;

int metered(lua_State* L) {
  uint64_t steps = 1;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    const int t = lua_type(L, i);
    if (t == LUA_TSTRING) steps += lua_rawlen(L, i) / kArgBytesPerStep;
    else if (t == LUA_TTABLE) steps += lua_rawlen(L, i) / kArgElementsPerStep;
  }
  if (!charge(vm_of(L), steps)) raise_fatal(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces every C function of the table at `index` by a metered closure over it.
void meter_table(lua_State* L, int index) {
  index = lua_absindex(L, index);
  lua_pushnil(L);
  while (lua_next(L, index)) {
    if (lua_iscfunction(L, -1)) {
      lua_pushcclosure(L, metered, 1);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, index);  // assigning an existing field keeps the traversal valid
    } else {
      lua_pop(L, 1);
    }
  }
}

void remove_fields(lua_State* L, int index, std::initializer_list<const char*> names) {
  index = lua_absindex(L, index);
  for (const char* name : names) {
    lua_pushnil(L);
    lua_setfield(L, index, name);
  }
}

void set_function(lua_State* L, int index, const char* name, lua_CFunction f) {
  index = lua_absindex(L, index);
  lua_pushcfunction(L, f);
  lua_setfield(L, index, name);
}

// ---- canonical key order: integers ascending, then strings by bytes, then false, true ----

struct KeyRef {
  uint8_t rank;  // 0 integer, 1 string, 2 boolean
  int64_t i;
  const char* s;
  size_t len;
  lua_Integer slot;  // where pairs() keeps the key while it sorts
};

bool key_less(const KeyRef& a, const KeyRef& b) {
  if (a.rank != b.rank) return a.rank < b.rank;
  if (a.rank == 1) {
    const int c = std::memcmp(a.s, b.s, std::min(a.len, b.len));
    return c != 0 ? c < 0 : a.len < b.len;
  }
  return a.i < b.i;
}

// The key at `index` in canonical form; raises for keys with no canonical order.
KeyRef key_ref(lua_State* L, int index) {
  KeyRef k{0, 0, nullptr, 0, 0};
  switch (lua_type(L, index)) {
    case LUA_TNUMBER:
      if (!lua_isinteger(L, index)) raise_error(L, "pairs/next: a float key has no canonical order");
      k.i = lua_tointeger(L, index);
      return k;
    case LUA_TSTRING:
      k.rank = 1;
      k.s = lua_tolstring(L, index, &k.len);
      return k;
    case LUA_TBOOLEAN:
      k.rank = 2;
      k.i = lua_toboolean(L, index);
      return k;
    default:
      luaL_error(L, "pairs/next: a %s key has no canonical order (keys must be integers, strings or booleans)",
                 luaL_typename(L, index));
      CX_UNREACHABLE();
  }
}

uint64_t log2_ceil(uint64_t n) {
  uint64_t bits = 0;
  while ((uint64_t{1} << bits) < n) ++bits;
  return bits;
}

// next(t, k): the key after k in the canonical order (the least key above k). O(n) per call.
int canonical_next(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  const bool first = lua_isnil(L, 2);
  const KeyRef after = first ? KeyRef{} : key_ref(L, 2);
  uint64_t scanned = 0;
  bool found = false;
  KeyRef best{};
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    ++scanned;
    const KeyRef k = key_ref(L, -1);
    if ((first || key_less(after, k)) && (!found || key_less(k, best))) {
      best = k;
      found = true;
      lua_pushvalue(L, -1);
      lua_replace(L, 2);  // keeps the best key alive (its string) and at hand
    }
  }
  if (!charge(vm_of(L), 1 + scanned)) raise_fatal(L);
  if (!found) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 2);
  lua_rawget(L, 1);
  return 2;
}

int pairs_step(lua_State* L) {
  lua_Integer pos = lua_tointeger(L, lua_upvalueindex(3));
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(2)));
  while (pos < n) {
    ++pos;
    lua_rawgeti(L, lua_upvalueindex(2), pos);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {  // keys removed since pairs() are skipped
      lua_pushinteger(L, pos);
      lua_replace(L, lua_upvalueindex(3));
      return 2;
    }
    lua_pop(L, 2);
  }
  lua_pushinteger(L, pos);
  lua_replace(L, lua_upvalueindex(3));
  lua_pushnil(L);
  return 1;
}

// pairs(t): __pairs if t has one; otherwise the keys as they are now, in the canonical order. Keys
// added during the loop are not visited; keys removed are skipped.
int canonical_pairs(lua_State* L) {
  if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 3);
    return 3;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    ++n;
  }
  if (!charge(vm_of(L), 1 + static_cast<uint64_t>(n) * (1 + log2_ceil(static_cast<uint64_t>(n))))) raise_fatal(L);
  auto* refs = static_cast<KeyRef*>(lua_newuserdatauv(L, sizeof(KeyRef) * static_cast<size_t>(n), 0));  // 2
  lua_createtable(L, static_cast<int>(n), 0);  // 3: the keys in table order
  lua_Integer i = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    refs[i] = key_ref(L, -1);
    refs[i].slot = i + 1;
    lua_pushvalue(L, -1);
    lua_rawseti(L, 3, ++i);
  }
  std::sort(refs, refs + n, key_less);
  lua_createtable(L, static_cast<int>(n), 0);  // 4: the keys in canonical order
  for (lua_Integer j = 0; j < n; ++j) {
    lua_rawgeti(L, 3, refs[j].slot);
    lua_rawseti(L, 4, j + 1);
  }
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 4);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, pairs_step, 3);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// ---- table.sort: a stable bottom-up merge sort (Lua's own quicksort picks its pivot from the clock) ----

bool sort_less(lua_State* L, int a, int b) {
  if (lua_isnil(L, 2)) return lua_compare(L, a, b, LUA_OPLT) != 0;
  lua_pushvalue(L, 2);
  lua_pushvalue(L, a);
  lua_pushvalue(L, b);
  lua_call(L, 2, 1);
  const bool less = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  return less;
}

void merge_runs(lua_State* L, int src, int dst, lua_Integer lo, lua_Integer mid, lua_Integer hi) {
  lua_Integer i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    lua_rawgeti(L, src, i);
    lua_rawgeti(L, src, j);
    const int top = lua_gettop(L);
    // Stable: the right element goes first only if it is strictly less.
    if (sort_less(L, top, top - 1)) {
      lua_rawseti(L, dst, k++);
      lua_pop(L, 1);
      ++j;
    } else {
      lua_pop(L, 1);
      lua_rawseti(L, dst, k++);
      ++i;
    }
  }
  for (; i < mid; ++i) { lua_rawgeti(L, src, i); lua_rawseti(L, dst, k++); }
  for (; j < hi; ++j) { lua_rawgeti(L, src, j); lua_rawseti(L, dst, k++); }
}

int deterministic_sort(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  if (n < 2) return 0;
  if (!charge(vm_of(L), static_cast<uint64_t>(n) * log2_ceil(static_cast<uint64_t>(n)))) raise_fatal(L);
  lua_createtable(L, static_cast<int>(n), 0);  // 3
  int src = 1, dst = 3;
  for (lua_Integer width = 1; width < n; width *= 2) {
    for (lua_Integer lo = 1; lo <= n; lo += 2 * width) {
      const lua_Integer mid = std::min(lo + width, n + 1), hi = std::min(lo + 2 * width, n + 1);
      merge_runs(L, src, dst, lo, mid, hi);
    }
    std::swap(src, dst);
  }
  if (src != 1)
    for (lua_Integer k = 1; k <= n; ++k) { lua_rawgeti(L, src, k); lua_rawseti(L, 1, k); }
  return 0;
}

// ---- base functions ----

// tostring without addresses: tables, functions and userdata without __tostring print their type
// alone. Floats print as "%.14g" (glibc rounds exactly), with ".0" when integral; nan and inf spelled
// without a sign for nan.
void push_float(lua_State* L, double d) {
  char buf[64];
  if (std::isnan(d)) {
    lua_pushliteral(L, "nan");
    return;
  }
  if (std::isinf(d)) {
    lua_pushstring(L, d < 0 ? "-inf" : "inf");
    return;
  }
  int len = std::snprintf(buf, sizeof buf, "%.14g", d);
  if (std::strpbrk(buf, ".e") == nullptr) len += std::snprintf(buf + len, sizeof buf - static_cast<size_t>(len), ".0");
  lua_pushlstring(L, buf, static_cast<size_t>(len));
}

int safe_tostring(lua_State* L) {
  luaL_checkany(L, 1);
  if (luaL_callmeta(L, 1, "__tostring")) {
    if (!lua_isstring(L, -1)) return luaL_error(L, "'__tostring' must return a string");
    return 1;
  }
  switch (lua_type(L, 1)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, 1)) lua_pushfstring(L, "%I", static_cast<LUAI_UACINT>(lua_tointeger(L, 1)));
      else push_float(L, lua_tonumber(L, 1));
      return 1;
    case LUA_TSTRING: lua_pushvalue(L, 1); return 1;
    case LUA_TBOOLEAN: lua_pushstring(L, lua_toboolean(L, 1) ? "true" : "false"); return 1;
    case LUA_TNIL: lua_pushliteral(L, "nil"); return 1;
    default: lua_pushstring(L, luaL_typename(L, 1)); return 1;
  }
}

// t[name] without metamethods, pushed; its type.
int raw_field(lua_State* L, int index, const char* name) {
  index = lua_absindex(L, index);
  lua_pushstring(L, name);
  return lua_rawget(L, index);
}

int refuse_gc_setmetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const int t = lua_type(L, 2);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    // __gc runs at collection time and weak tables change with it: both would make results depend on
    // when the collector runs. Read raw, as the collector does: a metatable's own __index must not
    // answer nil for "__gc" and rawset the finalizer in while it does.
    if (raw_field(L, 2, "__gc") != LUA_TNIL) return luaL_error(L, "setmetatable: __gc is not allowed");
    if (raw_field(L, 2, "__mode") != LUA_TNIL) return luaL_error(L, "setmetatable: weak tables (__mode) are not allowed");
    lua_pop(L, 2);
  }
  if (is_protected(L, 1)) return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

int checked_rawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (is_protected(L, 1)) return luaL_error(L, "rawset: the table is protected (a library, _G or an API object)");
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int rethrow_fatal_or(lua_State* L, int status) {
  Vm& vm = vm_of(L);
  if (vm.fatal) raise_fatal(L);
  if (status == LUA_ERRMEM)
    raise_fatal(L, {core::FailureCode::kUnknown,
                    "out of memory: the call holds more than " + std::to_string(kCallMemoryBytesMax >> 20) + " MiB"});
  return status;
}

// pcall and xpcall catch contract errors and reverts, never a fatal failure (steps, memory, depth).
int safe_pcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int status = rethrow_fatal_or(L, lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0));
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, 1);
  return lua_gettop(L);
}

int xpcall_handler(lua_State* L) {
  if (vm_of(L).fatal) return 1;  // the contract's handler does not run for a fatal failure
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

int safe_xpcall(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, xpcall_handler, 1);
  lua_replace(L, 2);       // handler, f, args...
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_replace(L, 1);
  lua_replace(L, 2);       // handler at 1, f at 2
  const int status = rethrow_fatal_or(L, lua_pcall(L, n - 2, LUA_MULTRET, 1));
  lua_pushboolean(L, status == LUA_OK);
  lua_replace(L, 1);
  return lua_gettop(L);
}

// load(text [, name [, mode [, env]]]): text only, never a binary chunk; without env, the chunk sees
// the call's globals. Parsing takes ~16 ns a byte, some three plain instructions: kLoadStepsPerByte.
constexpr uint64_t kLoadStepsPerByte = 4;

int text_load(lua_State* L) {
  size_t n = 0;
  const char* text = luaL_checklstring(L, 1, &n);
  if (!charge(vm_of(L), n * kLoadStepsPerByte)) raise_fatal(L);
  const char* name = luaL_optstring(L, 2, "=(load)");
  const char* mode = luaL_optstring(L, 3, "t");
  if (std::strcmp(mode, "t") != 0) return luaL_error(L, "load: only text chunks can be loaded (mode \"t\")");
  const bool has_env = !lua_isnone(L, 4);
  // The parser runs protected: running out of memory or steps in it (a fatal failure) must not come
  // back as load's nil and message, which the contract could ignore and carry on.
  if (rethrow_fatal_or(L, luaL_loadbufferx(L, text, n, name, "t")) != LUA_OK) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  if (has_env) lua_pushvalue(L, 4);
  else lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvKey);
  lua_setupvalue(L, -2, 1);
  return 1;
}

int no_print(lua_State*) { return 0; }

// string.find is plain: Lua's pattern matcher backtracks without bound inside one C call, out of the
// count hook's reach, so patterns (and match, gmatch, gsub) are not offered. Even plain, a search
// compares up to (#s - #p + 1) * #p bytes (an "aaa…b" needle in an "aaa…" haystack: 1 MiB by 64 KiB
// is 64 GB of compares, seconds): charged as that, kFindBytesPerStep a step.
constexpr uint64_t kFindBytesPerStep = 128;

int plain_find(lua_State* L) {
  if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
    const uint64_t n = lua_rawlen(L, 1), m = lua_rawlen(L, 2);
    if (n >= m && !charge(vm_of(L), (n - m + 1) * m / kFindBytesPerStep)) raise_fatal(L);
  }
  lua_settop(L, 3);
  lua_pushboolean(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 4, LUA_MULTRET);
  return lua_gettop(L);
}

int capped_rep(lua_State* L) {
  size_t len = 0, sep = 0;
  luaL_checklstring(L, 1, &len);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &sep);
  if (n > 0 && (len + sep) > 0 && static_cast<uint64_t>(n) > kRepBytesMax / (len + sep))
    return luaL_error(L, "string.rep: the result would be above %d bytes", static_cast<int>(kRepBytesMax));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

// string.format without %p (an address), and with tables, functions and userdata printed by the
// address-free tostring above.
int safe_format(lua_State* L) {
  size_t n = 0;
  const char* f = luaL_checklstring(L, 1, &n);
  for (size_t i = 0; i + 1 < n; ++i) {
    if (f[i] != '%') continue;
    size_t j = i + 1;
    while (j < n && std::strchr("-+ #0123456789.", f[j]) != nullptr) ++j;
    if (j < n && f[j] == 'p') return luaL_error(L, "string.format: %%p (an address) is not allowed");
    i = j;
  }
  const int top = lua_gettop(L);
  for (int i = 2; i <= top; ++i) {
    const int t = lua_type(L, i);
    if (t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD || t == LUA_TLIGHTUSERDATA) {
      lua_pushcfunction(L, safe_tostring);
      lua_pushvalue(L, i);
      lua_call(L, 1, 1);
      lua_replace(L, i);
    } else if (t == LUA_TNUMBER && !lua_isinteger(L, i) && std::isnan(lua_tonumber(L, i))) {
      // "%f" and friends print a NaN's sign, which depends on the processor that made it (nan_format.cpp).
      lua_pushnumber(L, std::copysign(std::numeric_limits<double>::quiet_NaN(), 1.0));
      lua_replace(L, i);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, top, 1);
  return 1;
}

void wrap_with(lua_State* L, int table, const char* name, lua_CFunction wrapper) {
  table = lua_absindex(L, table);
  lua_getfield(L, table, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setfield(L, table, name);
}

// Opens library `name` with `open`, lets `edit` cut and wrap it, meters it, and sets a read-only view
// of it as a global.
void add_library(lua_State* L, const char* name, lua_CFunction open, void (*edit)(lua_State*, int)) {
  luaL_requiref(L, name, open, 0);
  const int lib = lua_gettop(L);
  if (edit) edit(L, lib);
  meter_table(L, lib);
  push_readonly(L, lib);
  lua_setglobal(L, name);
  lua_pop(L, 1);
}

void edit_string(lua_State* L, int lib) {
  remove_fields(L, lib, {"dump", "match", "gmatch", "gsub"});
  wrap_with(L, lib, "find", plain_find);
  wrap_with(L, lib, "rep", capped_rep);
  wrap_with(L, lib, "format", safe_format);
  // Strings index the library through their shared metatable: lock it as well.
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  protect_metatable(L);
  lua_pop(L, 2);
}

// Calls the wrapped library function (upvalue 1) with the arguments, returning all its results.
int call_wrapped(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// table.move(a1, f, e, t) and table.unpack(t, i, j) loop over the range f..e (i..j) in C, out of the
// count hook's reach, whatever the tables hold (table.move({}, 1, 1 << 40, 2) moves nils for hours):
// the range is charged, kArgElementsPerStep elements a step, before the loop starts.
int range_charged(lua_State* L) {
  int has_first = 0, has_last = 0;
  const lua_Integer first = lua_isnoneornil(L, 2) ? 1 : lua_tointegerx(L, 2, &has_first);
  lua_Integer last = lua_tointegerx(L, 3, &has_last);
  if (lua_isnoneornil(L, 3) && lua_type(L, 1) == LUA_TTABLE) {
    last = luaL_len(L, 1);  // unpack's default; the same __len (if any) answers again below
    has_last = 1;
  }
  if ((has_first || lua_isnoneornil(L, 2)) && has_last && last >= first) {
    const uint64_t n = static_cast<uint64_t>(last) - static_cast<uint64_t>(first);  // + 1, without wrapping
    if (!charge(vm_of(L), n / kArgElementsPerStep + 1)) raise_fatal(L);
  }
  return call_wrapped(L);
}

// table.insert(t, pos, v) and table.remove(t, pos) shift the elements from pos to #t in C; with a
// __len metamethod #t is whatever the contract says, and the table may hold nothing at all (a 2^40
// loop of nils). The shift is charged, kArgElementsPerStep elements a step, first. Appending and
// removing the last element shift nothing and cost nothing more.
void charge_shift(lua_State* L) {
  int ok = 0;
  const lua_Integer pos = lua_tointegerx(L, 2, &ok);
  if (!ok || lua_type(L, 1) != LUA_TTABLE) return;
  const lua_Integer n = luaL_len(L, 1);  // the same __len (if any) answers again in the library
  // A position below 1 shifts nothing: the library refuses it ("position out of bounds").
  if (pos >= 1 && n > pos && !charge(vm_of(L), (static_cast<uint64_t>(n) - static_cast<uint64_t>(pos)) / kArgElementsPerStep))
    raise_fatal(L);
}

int charged_insert(lua_State* L) {
  if (lua_gettop(L) >= 3) charge_shift(L);
  return call_wrapped(L);
}

int charged_remove(lua_State* L) {
  if (lua_gettop(L) >= 2) charge_shift(L);
  return call_wrapped(L);
}

void edit_table(lua_State* L, int lib) {
  set_function(L, lib, "sort", deterministic_sort);
  wrap_with(L, lib, "move", range_charged);
  wrap_with(L, lib, "unpack", range_charged);
  wrap_with(L, lib, "insert", charged_insert);
  wrap_with(L, lib, "remove", charged_remove);
}

void edit_math(lua_State* L, int lib) {
  // No randomness; no transcendental functions, whose last bits may differ between libm builds.
  remove_fields(L, lib, {"random", "randomseed", "sin", "cos", "tan", "asin", "acos", "atan", "exp", "log", "sqrt"});
}

}  // namespace

void open_stdlib(lua_State* L) {
  luaL_requiref(L, "_G", luaopen_base, 0);
  const int g = lua_gettop(L);
  remove_fields(L, g, {"dofile", "loadfile", "collectgarbage", "warn", "require", "_G"});
  set_function(L, g, "tostring", safe_tostring);
  set_function(L, g, "setmetatable", refuse_gc_setmetatable);
  set_function(L, g, "rawset", checked_rawset);
  set_function(L, g, "load", text_load);
  set_function(L, g, "print", no_print);
  lua_getfield(L, g, "error");  // kept apart: error's levels count frames, and a wrapper is a frame
  meter_table(L, g);            // the base functions above and Lua's own: charged by their arguments
  lua_setfield(L, g, "error");
  set_function(L, g, "pairs", canonical_pairs);
  set_function(L, g, "next", canonical_next);
  set_function(L, g, "pcall", safe_pcall);
  set_function(L, g, "xpcall", safe_xpcall);
  lua_pop(L, 1);
  add_library(L, LUA_STRLIBNAME, luaopen_string, edit_string);
  add_library(L, LUA_TABLIBNAME, luaopen_table, edit_table);
  add_library(L, LUA_MATHLIBNAME, luaopen_math, edit_math);
  add_library(L, LUA_UTF8LIBNAME, luaopen_utf8, nullptr);
}

}  // namespace cx::acore::lua
