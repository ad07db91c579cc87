// The contract API (docs/acore.md): declarations, the call's environment, require, context, revert,
// ICX transfers, balances and calls to other contracts. Storage containers are in lua_storage.cpp.
#include "acore/lua_api.hpp"

#include <cstdlib>

#include "acore/lua_int.hpp"
#include "acore/lua_values.hpp"

namespace cx::acore::lua {

namespace {

using Kind = Declaration::Kind;

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kExternal: return "external";
    case Kind::kReadonly: return "readonly";
    case Kind::kPayable: return "payable";
    case Kind::kFallback: return "fallback";
    case Kind::kInstall: return "on_install";
    case Kind::kUpdate: return "on_update";
    case Kind::kEvent: return "eventlog";
  }
  return "?";
}

// "main.lua:12: " -> file and line of the caller of the running C function.
void caller_position(lua_State* L, std::string& file, uint32_t& line) {
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
    file = ar.short_src;
    line = ar.currentline > 0 ? static_cast<uint32_t>(ar.currentline) : 0;
  }
}

// compile(): parses the declaration's signature and records it in the program being built (where a
// Lua error cannot strand it). Returns its index.
size_t record(lua_State* L, Vm& vm, Kind kind, int sig_index) {
  auto& decls = vm.compiling->decls;
  Declaration& d = decls.emplace_back();
  d.kind = kind;
  caller_position(L, d.file, d.line);
  vm.text.clear();
  if (kind == Kind::kFallback) {
    d.sig.name = "fallback";
  } else if (sig_index != 0) {
    const SignatureKind sk = kind == Kind::kEvent ? SignatureKind::kEvent
                             : (kind == Kind::kInstall || kind == Kind::kUpdate) ? SignatureKind::kInstall
                                                                                  : SignatureKind::kFunction;
    auto parsed = parse_signature(lua_tostring(L, sig_index), sk);
    if (auto* e = std::get_if<std::string>(&parsed)) {
      vm.text = std::string(kind_name(kind)) + " \"" + lua_tostring(L, sig_index) + "\": " + *e;
    } else {
      d.sig = std::move(std::get<Signature>(parsed));
      if (sk == SignatureKind::kInstall && !d.sig.name.empty() && d.sig.name != kind_name(kind))
        vm.text = std::string(kind_name(kind)) + ": the signature names '" + d.sig.name + "'";
    }
  }
  if (kind == Kind::kInstall || kind == Kind::kUpdate) d.sig.name = kind_name(kind);
  if (kind == Kind::kEvent) d.event_signature = event_signature(d.sig);
  if (!vm.text.empty()) {
    decls.pop_back();
    raise_error(L, vm.text);
  }
  return decls.size() - 1;
}

void store_function(lua_State* L, size_t index, int fn) {
  luaL_checktype(L, fn, LUA_TFUNCTION);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kFunctionsKey);
  if (lua_rawgeti(L, -1, static_cast<lua_Integer>(index + 1)) != LUA_TNIL)
    luaL_error(L, "this declaration already has its function");
  lua_pop(L, 1);
  lua_pushvalue(L, fn);
  lua_rawseti(L, -2, static_cast<lua_Integer>(index + 1));
  lua_pop(L, 1);
}

int registrar(lua_State* L) {
  if (vm_of(L).phase != Phase::kLoad) return luaL_error(L, "declarations belong to the top level of a file");
  store_function(L, static_cast<size_t>(lua_tointeger(L, lua_upvalueindex(1))), 1);
  lua_settop(L, 1);
  return 1;
}

bool emit_to_host(Vm& vm) { return host_ok(vm, vm.host->emit(std::move(vm.event))); }

int emitter(lua_State* L) {
  Vm& vm = vm_of(L);
  require_run_phase(L, "events");
  const Declaration& d = vm.program->decls[static_cast<size_t>(lua_tointeger(L, lua_upvalueindex(1)))];
  const int n = static_cast<int>(d.sig.inputs.size());
  if (lua_gettop(L) > n) return luaL_error(L, "%s takes %d values", d.sig.name.c_str(), n);
  vm.event = core::EventLog{};
  vm.event.indexed.push_back(d.event_signature);
  uint64_t bytes = d.event_signature.size();
  for (int i = 0; i < n; ++i) {
    const Param& p = d.sig.inputs[static_cast<size_t>(i)];
    auto& items = p.indexed ? vm.event.indexed : vm.event.data;
    items.emplace_back();
    if (!event_item(L, i + 1, p.type.kind, items.back(), vm.text)) {
      vm.text = d.sig.name + " " + p.name + ": " + vm.text;
      raise_error(L, vm.text);
    }
    bytes += items.back().size();
  }
  if (!charge(vm, bytes * kStepsPerLoggedByte) || !emit_to_host(vm)) raise_fatal(L);
  return 0;
}

// external/readonly/payable "sig" (fn) or ("sig", fn); fallback(fn); on_install/on_update ["sig"] (fn);
// eventlog "sig" -> an emitter.
int declare(lua_State* L) {
  Vm& vm = vm_of(L);
  const Kind kind = static_cast<Kind>(lua_tointeger(L, lua_upvalueindex(1)));
  if (vm.phase != Phase::kLoad) return luaL_error(L, "%s: declarations belong to the top level of a file", kind_name(kind));
  const bool takes_bare_function = kind == Kind::kFallback || kind == Kind::kInstall || kind == Kind::kUpdate;
  int sig = 0, fn = 0;
  if (lua_type(L, 1) == LUA_TSTRING && kind != Kind::kFallback) {
    sig = 1;
    if (!lua_isnoneornil(L, 2)) fn = 2;
  } else if (lua_type(L, 1) == LUA_TFUNCTION && takes_bare_function) {
    fn = 1;
  } else {
    return luaL_error(L, "%s: expected %s", kind_name(kind), takes_bare_function ? "a function" : "a signature string");
  }
  if (kind == Kind::kEvent && fn != 0) return luaL_error(L, "eventlog takes a signature only");
  size_t index = vm.declared;
  if (vm.compiling != nullptr) {
    index = record(L, vm, kind, sig);
  } else if (index >= vm.program->decls.size() || vm.program->decls[index].kind != kind) {
    raise_fatal(L, {core::FailureCode::kUnknown, "the top level declared differently than when it was compiled"});
  }
  ++vm.declared;
  if (kind == Kind::kEvent || fn == 0) {
    lua_pushinteger(L, static_cast<lua_Integer>(index));
    lua_pushcclosure(L, kind == Kind::kEvent ? emitter : registrar, 1);
    return 1;
  }
  store_function(L, index, fn);
  lua_pushvalue(L, fn);
  return 1;
}

// The environment's __newindex: new globals while a file's top level runs, never a library name.
int global_assign(lua_State* L) {
  Vm& vm = vm_of(L);
  const char* name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
  if (vm.phase != Phase::kLoad)
    return luaL_error(L, "global '%s' cannot be assigned while a function runs (use locals or storage)", name);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushvalue(L, 2);
  if (lua_type(L, 2) != LUA_TSTRING || lua_rawget(L, -2) != LUA_TNIL || std::string_view(name) == "_G")
    return luaL_error(L, "'%s' is a library name: it cannot be assigned", name);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 0;
}

// require("lib.util") or require("lib/util"): the package's lib/util.lua, run once per call.
int package_require(lua_State* L) {
  size_t n = 0;
  const char* name = luaL_checklstring(L, 1, &n);
  lua_settop(L, 1);  // the indices below are absolute: extra arguments are dropped, as Lua's require does
  Vm& vm = vm_of(L);
  vm.text.assign(name, n);
  for (char& c : vm.text)
    if (c == '.') c = '/';
  vm.text += ".lua";
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kLoadedKey);  // 2
  lua_pushlstring(L, vm.text.data(), vm.text.size());  // 3: the path
  if (lua_rawget(L, 2) != LUA_TNIL) {
    if (lua_islightuserdata(L, -1)) return luaL_error(L, "require: '%s' requires itself (a cycle)", name);
    return 1;
  }
  lua_pop(L, 1);
  lua_pushlstring(L, vm.text.data(), vm.text.size());
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kFilesKey);
  lua_pushvalue(L, 3);
  if (lua_rawget(L, -2) != LUA_TFUNCTION) return luaL_error(L, "require: the package has no file '%s'", lua_tostring(L, 3));
  lua_pushvalue(L, 3);
  lua_pushlightuserdata(L, &vm);  // "loading"
  lua_rawset(L, 2);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvKey);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, 3);
  lua_pushvalue(L, -2);
  lua_rawset(L, 2);
  return 1;
}

int revert_tostring(lua_State* L) {
  luaL_checkudata(L, 1, kRevertMetatable);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

int revert_index(lua_State* L) {
  auto* code = static_cast<uint32_t*>(luaL_checkudata(L, 1, kRevertMetatable));
  const std::string_view key = luaL_checkstring(L, 2);
  if (key == "message") lua_getiuservalue(L, 1, 1);
  else if (key == "code") lua_pushinteger(L, *code >= 32 ? *code - 32 : *code);
  else lua_pushnil(L);
  return 1;
}

// revert(message [, code]): fails the call with failure code 32 + code (ICON's UserReversion). No
// message, or an empty one, is "reverted": a failure always says something.
int contract_revert(lua_State* L) {
  size_t n = 0;
  const char* message = luaL_optlstring(L, 1, "reverted", &n);
  if (n == 0) {
    message = "reverted";
    n = 8;
  }
  const lua_Integer code = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, code >= 0 && code <= 0x7fffffff, 2, "a revert code is 0..2^31-1");
  raise_revert(L, core::user_failure(static_cast<uint32_t>(code)), std::string_view(message, n));
}

// ---- context: msg, tx, block, this ----

enum class Context { kMsg, kTx, kBlock, kThis };

// Pushes vm.text. Whoever fills vm.text does it in a statement of its own: a std::string temporary
// still alive when the push raises (out of memory) is never destroyed, and after a move assignment
// such a temporary holds vm.text's old buffer (libstdc++ hands it over), so each call would leak it.
void push_vm_text(lua_State* L) {
  const Vm& vm = vm_of(L);
  lua_pushlstring(L, vm.text.data(), vm.text.size());
}

int context_index(lua_State* L) {
  const auto which = static_cast<Context>(lua_tointeger(L, lua_upvalueindex(1)));
  const std::string_view key = luaL_checkstring(L, 2);
  require_run_phase(L, "the call's context");
  Vm& vm = vm_of(L);
  contracts::Host& host = *vm.host;
  const contracts::Frame& f = host.frame();
  bool text = true;  // the strings first, each built into vm.text before it is pushed (push_vm_text)
  if (which == Context::kMsg && key == "sender") vm.text = f.caller.to_string();
  else if (which == Context::kTx && key == "origin") vm.text = f.origin.to_string();
  else if (which == Context::kTx && key == "hash" && !host.tx().hash.is_zero()) vm.text = "0x" + host.tx().hash.hex();
  else if (which == Context::kThis && key == "address") vm.text = f.contract.to_string();
  else text = false;
  if (text) push_vm_text(L);
  else if (which == Context::kMsg && key == "value") push_int(L, Int256::from_magnitude(f.value, false));
  else if (which == Context::kTx && key == "timestamp") lua_pushinteger(L, host.tx().timestamp_us);
  else if (which == Context::kTx && key == "nonce") push_int(L, Int256::from_magnitude(host.tx().nonce, false));
  else if (which == Context::kBlock && key == "height") lua_pushinteger(L, static_cast<lua_Integer>(host.block().height));
  else if (which == Context::kBlock && key == "timestamp") lua_pushinteger(L, host.block().timestamp_us);
  else if (which == Context::kThis && key == "readonly") lua_pushboolean(L, f.read_only());
  else lua_pushnil(L);
  return 1;
}

int refuse_context_write(lua_State* L) { return luaL_error(L, "the call's context is read-only"); }

// ---- host operations ----

crypto::Address check_address(lua_State* L, int index, const char* what) {
  auto a = to_address(L, index);
  if (!a) luaL_error(L, "%s: expected an Address (hx… or cx…), got %s", what, luaL_typename(L, index));
  return *a;
}

Uint256 check_amount(lua_State* L, int index, const char* what) {
  const Int256 v = check_int(L, index, what);
  if (v.negative()) luaL_error(L, "%s: the amount is negative", what);
  return v.magnitude();
}

// transfer(to, amount): ICX from this contract to any account.
int contract_transfer(lua_State* L) {
  require_run_phase(L, "transfer");
  const crypto::Address to = check_address(L, 1, "transfer");
  const Uint256 amount = check_amount(L, 2, "transfer");
  Vm& vm = vm_of(L);
  if (!host_ok(vm, vm.host->transfer(to, amount))) raise_fatal(L);
  return 0;
}

int contract_balance(lua_State* L) {
  require_run_phase(L, "balance");
  const crypto::Address a = check_address(L, 1, "balance");
  Vm& vm = vm_of(L);
  std::optional<Uint256> b;
  {
    auto r = vm.host->balance(a);
    if (r) b = *r;
    else vm.fatal = r.failure();
  }
  if (!b) raise_fatal(L);
  push_int(L, Int256::from_magnitude(*b, false));
  return 1;
}

// call(to, method [, params [, value]]): the callee's output (ints as "0x.." strings, as ICON returns
// them). A failed callee raises its failure as a revert object: pcall catches it; uncaught, this call
// fails with the callee's code. The callee's writes are undone either way.
int contract_call(lua_State* L) {
  require_run_phase(L, "call");
  Vm& vm = vm_of(L);
  vm.call_args.contract = check_address(L, 1, "call");
  if (!vm.call_args.contract.is_contract) return luaL_error(L, "call: %s is not a contract", lua_tostring(L, 1));
  vm.call_args.method = luaL_checkstring(L, 2);
  vm.call_args.params = nullptr;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    const bool converted = to_json(L, 3, nullptr, vm.call_args.params, vm.text);
    if (!converted || !vm.call_args.params.is_object()) {
      if (converted) vm.text = "params must be a table with string keys";
      vm.text = "call: " + vm.text;
      raise_error(L, vm.text);
    }
  }
  vm.call_args.value = lua_isnoneornil(L, 4) ? Uint256() : check_amount(L, 4, "call");
  vm.call_args.access = contracts::Access::kWrite;
  vm.call_args.step_limit = contracts::kAllSteps;
  vm.call_result = vm.host->call(vm.call_args);
  if (vm.fatal || !charge(vm, 0)) raise_fatal(L);
  if (!vm.call_result.ok) {
    vm.text = vm.call_result.message;
    raise_revert(L, vm.call_result.code, vm.text);
  }
  push_json(L, vm.call_result.output);
  return 1;
}

int is_address(lua_State* L) {
  lua_pushboolean(L, to_address(L, 1).has_value());
  return 1;
}

// tohex(bytes) -> "0x…"; fromhex("0x…") -> bytes (nil if not hex).
int bytes_tohex(lua_State* L) {
  size_t n = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  vm_of(L).text = "0x" + to_hex(as_bytes(std::string_view(s, n)));
  push_vm_text(L);
  return 1;
}

int bytes_fromhex(lua_State* L) {
  static const Type kBytes{Type::Kind::kBytes, {}, {}};
  Vm& vm = vm_of(L);
  vm.json = luaL_checkstring(L, 1);
  if (!push_param(L, vm.json, kBytes, vm.text)) lua_pushnil(L);
  return 1;
}

void add_context(lua_State* L, const char* name, Context which) {
  lua_newtable(L);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, static_cast<lua_Integer>(which));
  lua_pushcclosure(L, context_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, refuse_context_write);
  lua_setfield(L, -2, "__newindex");
  protect_metatable(L);
  lua_setmetatable(L, -2);
  lua_setglobal(L, name);
}

}  // namespace

void raise_revert(lua_State* L, core::FailureCode code, std::string_view message) {
  auto* box = static_cast<uint32_t*>(lua_newuserdatauv(L, sizeof(uint32_t), 1));
  *box = core::code_value(code);
  lua_pushlstring(L, message.data(), message.size());
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, kRevertMetatable);
  lua_error(L);
  CX_UNREACHABLE();
}

std::optional<core::Failure> to_revert(lua_State* L, int index) {
  auto* code = static_cast<uint32_t*>(luaL_testudata(L, index, kRevertMetatable));
  if (code == nullptr) return std::nullopt;
  lua_getiuservalue(L, index, 1);
  size_t n = 0;
  const char* s = lua_tolstring(L, -1, &n);
  core::Failure f{static_cast<core::FailureCode>(*code), std::string(s, n)};
  lua_pop(L, 1);
  return f;
}

void require_run_phase(lua_State* L, const char* what) {
  if (vm_of(L).phase != Phase::kRun)
    luaL_error(L, "%s is not available while the top level loads (only inside a declared function)", what);
}

bool host_ok(Vm& vm, const contracts::HostStatus& s) {
  if (!s) vm.fatal = s.failure();
  return s.is_ok();
}

void open_api(lua_State* L) {
  static const std::pair<const char*, Kind> kDeclarers[] = {
      {"external", Kind::kExternal}, {"readonly", Kind::kReadonly}, {"payable", Kind::kPayable},
      {"fallback", Kind::kFallback}, {"on_install", Kind::kInstall}, {"on_update", Kind::kUpdate},
      {"eventlog", Kind::kEvent}};
  for (const auto& [name, kind] : kDeclarers) {
    lua_pushinteger(L, static_cast<lua_Integer>(kind));
    lua_pushcclosure(L, declare, 1);
    lua_setglobal(L, name);
  }
  const luaL_Reg functions[] = {{"require", package_require}, {"revert", contract_revert},
                                {"transfer", contract_transfer}, {"balance", contract_balance},
                                {"call", contract_call}, {"is_address", is_address},
                                {"tohex", bytes_tohex}, {"fromhex", bytes_fromhex}};
  for (const luaL_Reg& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setglobal(L, f.name);
  }
  add_context(L, "msg", Context::kMsg);
  add_context(L, "tx", Context::kTx);
  add_context(L, "block", Context::kBlock);
  add_context(L, "this", Context::kThis);
  open_storage(L);

  luaL_newmetatable(L, kRevertMetatable);
  lua_pushcfunction(L, revert_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, revert_index);
  lua_setfield(L, -2, "__index");
  protect_metatable(L);
  lua_pop(L, 1);

  // Every call's environment: reads fall through to the globals above, writes go to global_assign.
  lua_createtable(L, 0, 3);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, global_assign);
  lua_setfield(L, -2, "__newindex");
  protect_metatable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kEnvMetaKey);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kFilesKey);
}

}  // namespace cx::acore::lua
