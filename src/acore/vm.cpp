#include "acore/vm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace cx::acore::lua {

namespace {

// Every block starts with the epoch of the call (or setup) that allocated it. Lua's blocks need
// 8-byte alignment (LUAI_MAXALIGN on x86-64/aarch64: doubles, pointers, 64-bit integers).
struct alignas(8) BlockHeader {
  uint64_t epoch;
};
static_assert(sizeof(BlockHeader) == 8);

BlockHeader* header_of(void* ptr) { return static_cast<BlockHeader*>(ptr) - 1; }

const char kFatalTag = 0;  // the error value of a fatal failure: a light userdata no Lua code can make
const char kProtected[] = "protected";

void count_hook(lua_State* L, lua_Debug*);

// Steps per instruction for the longest string so far, and the hook's batch to match (restarting its
// count). True if the price did not change.
bool price_instructions(Vm& vm) {
  const uint64_t surcharge = vm.longest_string >= kChargedStringBytesMin ? vm.longest_string / kComparedStringBytesPerStep : 0;
  const uint64_t steps = kStepsPerInstruction + surcharge;
  if (steps == vm.instruction_steps) return true;
  vm.instruction_steps = steps;
  vm.hook_count = static_cast<int>(std::max<uint64_t>(1, kInstructionsPerCharge / steps));
  lua_sethook(vm.L, count_hook, LUA_MASKCOUNT, vm.hook_count);
  return false;
}

// A string of `bytes` was made in the call: if it is the longest, instructions cost more from now on,
// and the new batch is paid at once (what was paid for the old one is not returned).
bool note_string(Vm& vm, size_t bytes) {
  if (!vm.metering || bytes <= vm.longest_string) return true;
  vm.longest_string = bytes;
  return price_instructions(vm) || charge(vm, static_cast<uint64_t>(vm.hook_count) * vm.instruction_steps);
}

void* allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
  Vm& vm = *static_cast<Vm*>(ud);
  if (nsize == 0) {
    if (ptr != nullptr) {
      BlockHeader* h = header_of(ptr);
      if (h->epoch == vm.epoch) vm.call_bytes -= osize;
      vm.total_bytes -= osize;
      std::free(h);
    }
    return nullptr;
  }
  if (ptr == nullptr) {
    // A new object; `osize` is its kind. After a fatal failure nothing new is made: the call unwinds.
    if (vm.fatal || vm.call_bytes + nsize > vm.cap_bytes) return nullptr;
    auto* h = static_cast<BlockHeader*>(std::malloc(sizeof(BlockHeader) + nsize));
    if (h == nullptr) return nullptr;
    h->epoch = vm.epoch;
    vm.call_bytes += nsize;
    vm.total_bytes += nsize;
    if (osize == LUA_TSTRING && nsize >= kChargedStringBytesMin && !note_string(vm, nsize)) {
      vm.call_bytes -= nsize;
      vm.total_bytes -= nsize;
      std::free(h);
      return nullptr;
    }
    if (osize == LUA_TSTRING && nsize >= kChargedStringBytesMin && vm.phase != Phase::kIdle) {
      vm.uncharged_string_bytes += nsize;
      // A loop of big concatenations must not run far ahead of the hook: charge as it goes.
      if (vm.uncharged_string_bytes >= kStringChargeChunkBytes && !charge_strings(vm)) {
        vm.call_bytes -= nsize;
        vm.total_bytes -= nsize;
        std::free(h);
        return nullptr;
      }
    }
    return h + 1;
  }
  BlockHeader* h = header_of(ptr);
  const bool mine = h->epoch == vm.epoch;  // blocks of earlier epochs (shared objects) are not the call's
  if (nsize > osize && mine && (vm.fatal || vm.call_bytes + (nsize - osize) > vm.cap_bytes)) return nullptr;
  auto* n = static_cast<BlockHeader*>(std::realloc(h, sizeof(BlockHeader) + nsize));
  if (n == nullptr) return nullptr;
  if (mine) vm.call_bytes = vm.call_bytes - osize + nsize;
  vm.total_bytes = vm.total_bytes - osize + nsize;
  return n + 1;
}

void count_hook(lua_State* L, lua_Debug*) {
  Vm& vm = vm_of(L);
  if (vm.fatal) raise_fatal(L);
  if (!charge(vm, static_cast<uint64_t>(vm.hook_count) * vm.instruction_steps) || !charge_strings(vm)) raise_fatal(L);
  lua_Debug ar;
  if (lua_getstack(L, kLuaDepthMax, &ar))
    raise_fatal(L, {core::FailureCode::kStackOverflow,
                    "Lua call depth above " + std::to_string(kLuaDepthMax) + " (recursion too deep)"});
}

int refuse_write(lua_State* L) {
  const char* key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
  return luaL_error(L, "'%s' is read-only: library and global tables cannot be changed", key);
}

int setup(lua_State* L) {
  open_stdlib(L);
  open_int(L);
  open_api(L);
  return 0;
}

}  // namespace

Vm::Vm() = default;
Vm::~Vm() {
  if (L != nullptr) lua_close(L);
}

bool nan_format_is_canonical(lua_State* L) {
  // Both NaNs a processor's 0/0 can make, through Lua's own float-to-text path (luaO_tostring).
  bool ok = true;
  for (const double sign : {1.0, -1.0}) {
    lua_pushnumber(L, std::copysign(std::numeric_limits<double>::quiet_NaN(), sign));
    size_t n = 0;
    const char* s = lua_tolstring(L, -1, &n);
    ok = ok && s != nullptr && std::string_view(s, n) == "nan";
    lua_pop(L, 1);
  }
  return ok;
}

std::unique_ptr<Vm> new_vm() {
  auto vm = std::make_unique<Vm>();
  vm->L = lua_newstate(allocate, vm.get());
  if (vm->L == nullptr) return nullptr;
  *static_cast<Vm**>(lua_getextraspace(vm->L)) = vm.get();
  if (!nan_format_interposed() || !nan_format_is_canonical(vm->L)) {
    std::fprintf(stderr, "acore: Lua does not write NaN canonically (nan_format.cpp is not in effect); "
                         "contracts would not be deterministic across processors\n");
    return nullptr;
  }
  lua_pushcfunction(vm->L, setup);
  if (lua_pcall(vm->L, 0, 0, 0) != LUA_OK) {
    std::fprintf(stderr, "acore: cannot set up a Lua state: %s\n", error_text(vm->L, -1).c_str());
    return nullptr;
  }
  // The setup's objects (libraries, the API) belong to no call. From here on the collector runs only
  // when told to (end_call) or when memory runs out (vm.hpp "garbage").
  lua_gc(vm->L, LUA_GCCOLLECT);
  lua_gc(vm->L, LUA_GCSTOP);
  vm->collected_bytes = vm->total_bytes;
  ++vm->epoch;
  vm->call_bytes = 0;
  return vm;
}

void begin_call(Vm& vm, contracts::Host* host, uint64_t local_steps, size_t code_string_bytes) {
  CX_ASSERT(vm.phase == Phase::kIdle && vm.host == nullptr);
  ++vm.epoch;
  vm.call_bytes = 0;
  vm.cap_bytes = kCallMemoryBytesMax;
  vm.uncharged_string_bytes = 0;
  vm.host = host;
  vm.local_steps = local_steps;
  vm.local_steps_used = 0;
  vm.fatal.reset();
  vm.declared = 0;
  vm.metering = true;
  vm.longest_string = code_string_bytes;
  vm.instruction_steps = 0;  // priced below
  (void)price_instructions(vm);
  // lua_sethook (in price_instructions) also restarts the instruction count, so every call is metered
  // from zero. The hook charges a batch when it has run; the first batch is paid up front.
  (void)charge(vm, static_cast<uint64_t>(vm.hook_count) * vm.instruction_steps);
}

void end_call(Vm& vm) {
  lua_sethook(vm.L, nullptr, 0, 0);
  vm.metering = false;
  lua_settop(vm.L, 0);
  vm.host = nullptr;
  vm.program = nullptr;
  vm.compiling = nullptr;
  vm.phase = Phase::kIdle;
  ++vm.epoch;
  vm.call_bytes = 0;
  vm.cap_bytes = kSetupMemoryBytesMax;
  if (vm.total_bytes > vm.collected_bytes + kGarbageBytesMax) {
    lua_gc(vm.L, LUA_GCCOLLECT);
    vm.collected_bytes = vm.total_bytes;
  }
}

bool charge(Vm& vm, uint64_t steps) {
  if (vm.fatal) return false;
  if (vm.host == nullptr) {
    if (steps > vm.local_steps - vm.local_steps_used) {
      vm.local_steps_used = vm.local_steps;
      vm.fatal = core::Failure{core::FailureCode::kOutOfStep, "out of step (the top level ran too long)"};
      return false;
    }
    vm.local_steps_used += steps;
    return true;
  }
  contracts::HostStatus s = vm.host->charge_steps(steps);
  if (!s) vm.fatal = s.failure();
  return vm.fatal == std::nullopt;
}

bool charge_strings(Vm& vm) {
  const uint64_t steps = vm.uncharged_string_bytes / kStringBytesPerStep;
  vm.uncharged_string_bytes %= kStringBytesPerStep;
  return steps == 0 || charge(vm, steps);
}

void raise_fatal(lua_State* L, core::Failure failure) {
  Vm& vm = vm_of(L);
  // `failure` is never destroyed (lua_error longjmps over this frame): its message goes to vm.fatal,
  // or is freed here when the call already has its failure.
  if (!vm.fatal) vm.fatal = std::move(failure);
  else std::string().swap(failure.message);
  raise_fatal(L);
}

void raise_fatal(lua_State* L) {
  CX_ASSERT(vm_of(L).fatal.has_value());
  lua_pushlightuserdata(L, const_cast<char*>(&kFatalTag));
  lua_error(L);
  CX_UNREACHABLE();
}

void raise_error(lua_State* L, std::string_view message, bool where) {
  if (where) {
    luaL_where(L, 1);
    lua_pushlstring(L, message.data(), message.size());
    lua_concat(L, 2);
  } else {
    lua_pushlstring(L, message.data(), message.size());
  }
  lua_error(L);
  CX_UNREACHABLE();
}

void protect_metatable(lua_State* L) {
  lua_pushstring(L, kProtected);
  lua_setfield(L, -2, "__metatable");
}

bool is_protected(lua_State* L, int index) {
  if (!lua_getmetatable(L, index)) return false;
  const bool locked = lua_getfield(L, -1, "__metatable") != LUA_TNIL;
  lua_pop(L, 2);
  return locked;
}

void push_readonly(lua_State* L, int index) {
  index = lua_absindex(L, index);
  lua_newtable(L);
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, refuse_write);
  lua_setfield(L, -2, "__newindex");
  protect_metatable(L);
  lua_setmetatable(L, -2);
}

std::string error_text(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TSTRING: {
      size_t n = 0;
      const char* s = lua_tolstring(L, index, &n);
      return std::string(s, n);
    }
    case LUA_TNUMBER: {
      if (lua_isinteger(L, index)) return std::to_string(lua_tointeger(L, index));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.14g", lua_tonumber(L, index));
      return buf;
    }
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, index) == &kFatalTag && vm_of(L).fatal) return vm_of(L).fatal->message;
      break;
    default:
      break;
  }
  return std::string("error object is a ") + luaL_typename(L, index) + " value";
}

}  // namespace cx::acore::lua
