#pragma once
// The contract API's pieces shared between its files (internal to acore).
#include "acore/program.hpp"
#include "acore/vm.hpp"

namespace cx::acore::lua {

inline constexpr char kRevertMetatable[] = "cx.revert";
// Steps per byte a contract stores or logs, on top of the host's per-operation charges.
inline constexpr uint64_t kStepsPerStoredByte = 1;
inline constexpr uint64_t kStepsPerLoggedByte = 1;

// Raises a revert object with the failure's code and message (catchable by pcall; uncaught, the
// call fails with that code).
[[noreturn]] void raise_revert(lua_State* L, core::FailureCode code, std::string_view message);
// The revert object at `index`, if it is one: its code and message.
std::optional<core::Failure> to_revert(lua_State* L, int index);

// Raises a catchable error unless a function is running (storage, context, events, host calls).
void require_run_phase(lua_State* L, const char* what);

// Hands a host result to the call: false with vm.fatal set when the host failed the frame.
bool host_ok(Vm& vm, const contracts::HostStatus& s);

void open_storage(lua_State* L);  // VarDB, DictDB, ArrayDB (lua_storage.cpp)

}  // namespace cx::acore::lua
