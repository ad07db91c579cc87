#pragma once
// Values crossing the contract's edge (docs/acore.md "Types"): JSON params in, outputs and call
// params out, storage values and keys, event items. ICON's forms: ints as "0x1f" (and "-0x1f"), bytes
// as "0x" hex, bools as "0x1"/"0x0", addresses as hx…/cx… strings. Floats never leave a contract.
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "acore/abi.hpp"
#include "acore/vm.hpp"

namespace cx::acore::lua {

inline constexpr int kJsonDepthMax = 16;
inline constexpr size_t kJsonItemsMax = 4096;  // elements of a list or fields of a dict, per level
// All of one value as JSON (an output, a call's params): tables may share their parts, so that a few
// kilobytes of Lua would make terabytes of JSON without this bound.
inline constexpr size_t kJsonBytesMax = 4u << 20;

// Pushes the param `v` converted to `t`; false with `error` set (nothing pushed) if it does not fit.
// May raise a Lua memory error: callers hold nothing on the C stack that needs destroying.
bool push_param(lua_State* L, const boost::json::value& v, const Type& t, std::string& error);
// Pushes untyped JSON (a call's output): strings, integers, booleans, null, arrays, objects.
void push_json(lua_State* L, const boost::json::value& v, int depth = 0);

// The Lua value at `index` as JSON of type `t` (null: untyped, by the value). Raw reads only: raises
// no Lua error and allocates nothing in Lua.
bool to_json(lua_State* L, int index, const Type* t, boost::json::value& out, std::string& error, int depth = 0);

// Storage values of a scalar type: int as minimal two's complement, str and bytes as they are, bool
// as one byte 0/1, Address as its 21 bytes (crypto::Address::to_bytes).
bool encode_value(lua_State* L, int index, Type::Kind kind, Bytes& out, std::string& error);
// Pushes a stored value, or the type's zero value (0, "", false, nil for Address) when absent.
void push_stored(lua_State* L, const std::optional<Bytes>& stored, Type::Kind kind);

// Appends a DictDB key: a tag ('i' int, 's' string, 'b' bool), its length as 4 bytes big-endian,
// its bytes. False for any other type.
bool append_key(lua_State* L, int index, Bytes& out);

// An event item in the receipt's form for `kind`.
bool event_item(lua_State* L, int index, Type::Kind kind, std::string& out, std::string& error);

// The Lua string at `index` if it is a valid address ("hx"/"cx" and 40 lower-case hex digits).
std::optional<crypto::Address> to_address(lua_State* L, int index);

}  // namespace cx::acore::lua
