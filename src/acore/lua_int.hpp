#pragma once
// The `int` userdata: Int256 in Lua (docs/acore.md "Integers").
#include <optional>

#include "acore/int256.hpp"
#include "acore/vm.hpp"

namespace cx::acore::lua {

inline constexpr char kIntMetatable[] = "cx.int";

void push_int(lua_State* L, const Int256& v);
// The int at `index`: an `int` userdata or a Lua integer (not a float, not a string).
std::optional<Int256> to_int(lua_State* L, int index);
// As to_int, raising a Lua error naming `what` otherwise.
Int256 check_int(lua_State* L, int index, const char* what);

}  // namespace cx::acore::lua
