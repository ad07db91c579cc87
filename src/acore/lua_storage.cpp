// VarDB, DictDB and ArrayDB over the contract's storage (docs/acore.md "Storage"). Keys:
//   VarDB   0x01 ‖ name
//   DictDB  0x02 ‖ len(name) ‖ name ‖ key₁ ‖ … ‖ keyₙ   (each key: tag, 4-byte length, bytes; append_key)
//   ArrayDB 0x03 ‖ len(name) ‖ name               holds the length (an int)
//           0x03 ‖ len(name) ‖ name ‖ i (8 bytes, big-endian)   element i, from 1
// Values are typed by the container (encode_value); an absent value reads as the type's zero.
#include "acore/lua_api.hpp"
#include "acore/lua_int.hpp"
#include "acore/lua_values.hpp"

namespace cx::acore::lua {

namespace {

constexpr char kVarMeta[] = "cx.VarDB";
constexpr char kDictMeta[] = "cx.DictDB";
constexpr char kArrayMeta[] = "cx.ArrayDB";
constexpr size_t kContainerNameBytesMax = 255;
constexpr int kDictDepthMax = 8;

struct Container {
  Type::Kind value;
  int depth;  // DictDB: levels of keys still to come
};

Type::Kind check_value_type(lua_State* L, int index) {
  const char* t = luaL_checkstring(L, index);
  static const std::pair<const char*, Type::Kind> kTypes[] = {{"int", Type::Kind::kInt}, {"str", Type::Kind::kStr},
                                                             {"bytes", Type::Kind::kBytes}, {"bool", Type::Kind::kBool},
                                                             {"Address", Type::Kind::kAddress}};
  for (const auto& [name, kind] : kTypes)
    if (std::string_view(t) == name) return kind;
  luaL_error(L, "unknown value type '%s' (int, str, bytes, bool, Address)", t);
  CX_UNREACHABLE();
}

// A container whose key prefix is vm.bytes.
void push_container(lua_State* L, const char* meta, Type::Kind value, int depth) {
  Vm& vm = vm_of(L);
  auto* c = static_cast<Container*>(lua_newuserdatauv(L, sizeof(Container), 1));
  *c = Container{value, depth};
  lua_pushlstring(L, reinterpret_cast<const char*>(vm.bytes.data()), vm.bytes.size());
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, meta);
}

// Copies the container's key prefix into vm.bytes.
Container& load_prefix(lua_State* L, int index, const char* meta) {
  auto* c = static_cast<Container*>(luaL_checkudata(L, index, meta));
  lua_getiuservalue(L, index, 1);
  size_t n = 0;
  const char* p = lua_tolstring(L, -1, &n);
  Vm& vm = vm_of(L);
  vm.bytes.assign(p, p + n);
  lua_pop(L, 1);
  return *c;
}

void new_prefix(lua_State* L, uint8_t tag, bool length_prefixed) {
  size_t n = 0;
  const char* name = luaL_checklstring(L, 1, &n);
  if (n == 0 || n > kContainerNameBytesMax) luaL_error(L, "a container name has 1 to %d bytes", static_cast<int>(kContainerNameBytesMax));
  Vm& vm = vm_of(L);
  vm.bytes.clear();
  vm.bytes.push_back(tag);
  if (length_prefixed) vm.bytes.push_back(static_cast<uint8_t>(n));
  vm.bytes.insert(vm.bytes.end(), name, name + n);
}

// Reads the key in vm.bytes and pushes its value.
void read_value(lua_State* L, Type::Kind kind) {
  Vm& vm = vm_of(L);
  require_run_phase(L, "storage");
  {
    auto r = vm.host->storage_get(vm.bytes);
    if (r) vm.stored = std::move(*r);
    else vm.fatal = r.failure();
  }
  if (vm.fatal) raise_fatal(L);
  push_stored(L, vm.stored, kind);
}

// Writes the value at `index` (nil deletes) under the key in vm.bytes.
void write_value(lua_State* L, int index, Type::Kind kind) {
  Vm& vm = vm_of(L);
  require_run_phase(L, "storage");
  if (lua_isnil(L, index)) {
    vm.stored.reset();
  } else {
    vm.stored.emplace();
    if (!encode_value(L, index, kind, *vm.stored, vm.text)) raise_error(L, vm.text);
  }
  const uint64_t bytes = vm.bytes.size() + (vm.stored ? vm.stored->size() : 0);
  if (!charge(vm, bytes * kStepsPerStoredByte)) raise_fatal(L);
  const std::optional<BytesView> value = vm.stored ? std::optional<BytesView>(*vm.stored) : std::nullopt;
  if (!host_ok(vm, vm.host->storage_set(vm.bytes, value))) raise_fatal(L);
}

void append_index(Bytes& key, uint64_t i) {
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<uint8_t>(i >> shift));
}

// ---- VarDB ----

int var_new(lua_State* L) {
  new_prefix(L, 0x01, /*length_prefixed=*/false);
  push_container(L, kVarMeta, check_value_type(L, 2), 0);
  return 1;
}
int var_get(lua_State* L) {
  read_value(L, load_prefix(L, 1, kVarMeta).value);
  return 1;
}
int var_set(lua_State* L) {
  luaL_checkany(L, 2);
  write_value(L, 2, load_prefix(L, 1, kVarMeta).value);
  return 0;
}
int var_remove(lua_State* L) {
  const Container c = load_prefix(L, 1, kVarMeta);
  lua_pushnil(L);
  write_value(L, lua_gettop(L), c.value);
  return 0;
}

// ---- DictDB ----

int dict_new(lua_State* L) {
  const Type::Kind value = check_value_type(L, 2);
  const lua_Integer depth = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, depth >= 1 && depth <= kDictDepthMax, 3, "a DictDB has 1 to 8 levels of keys");
  new_prefix(L, 0x02, /*length_prefixed=*/true);
  push_container(L, kDictMeta, value, static_cast<int>(depth));
  return 1;
}
const Container& dict_key(lua_State* L) {
  const Container& c = load_prefix(L, 1, kDictMeta);
  if (!append_key(L, 2, vm_of(L).bytes))
    luaL_error(L, "DictDB keys are strings, integers, ints or booleans, not %s", luaL_typename(L, 2));
  return c;
}
int dict_index(lua_State* L) {
  const Container c = dict_key(L);
  if (c.depth > 1) push_container(L, kDictMeta, c.value, c.depth - 1);
  else read_value(L, c.value);
  return 1;
}
int dict_newindex(lua_State* L) {
  const Container c = dict_key(L);
  if (c.depth > 1) return luaL_error(L, "this DictDB has %d more levels of keys: assign at the last level", c.depth - 1);
  write_value(L, 3, c.value);
  return 0;
}

// ---- ArrayDB ----

int array_new(lua_State* L) {
  new_prefix(L, 0x03, /*length_prefixed=*/true);
  push_container(L, kArrayMeta, check_value_type(L, 2), 0);
  return 1;
}
// The length, with vm.bytes left as the container's prefix.
uint64_t array_length(lua_State* L) {
  load_prefix(L, 1, kArrayMeta);
  read_value(L, Type::Kind::kInt);
  auto n = to_int(L, -1);
  lua_pop(L, 1);
  auto v = n ? n->to_int64() : std::nullopt;
  return v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
}
void set_length(lua_State* L, uint64_t n) {
  load_prefix(L, 1, kArrayMeta);
  lua_pushinteger(L, static_cast<lua_Integer>(n));
  write_value(L, lua_gettop(L), Type::Kind::kInt);
  lua_pop(L, 1);
}
uint64_t check_index(lua_State* L, int index, uint64_t length) {
  const lua_Integer i = luaL_checkinteger(L, index);
  if (i < 1 || static_cast<uint64_t>(i) > length)
    luaL_error(L, "ArrayDB index %I out of range 1..%I", static_cast<LUAI_UACINT>(i), static_cast<LUAI_UACINT>(length));
  return static_cast<uint64_t>(i);
}
int array_len(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(array_length(L)));
  return 1;
}
int array_get(lua_State* L) {
  const uint64_t i = check_index(L, 2, array_length(L));
  const Container& c = load_prefix(L, 1, kArrayMeta);
  append_index(vm_of(L).bytes, i);
  read_value(L, c.value);
  return 1;
}
int array_set(lua_State* L) {
  const uint64_t i = check_index(L, 2, array_length(L));
  luaL_checkany(L, 3);
  if (lua_isnil(L, 3)) return luaL_error(L, "ArrayDB elements cannot be nil (use pop)");
  const Container& c = load_prefix(L, 1, kArrayMeta);
  append_index(vm_of(L).bytes, i);
  write_value(L, 3, c.value);
  return 0;
}
int array_put(lua_State* L) {
  luaL_checkany(L, 2);
  if (lua_isnil(L, 2)) return luaL_error(L, "ArrayDB elements cannot be nil");
  const uint64_t n = array_length(L) + 1;
  const Container& c = load_prefix(L, 1, kArrayMeta);
  append_index(vm_of(L).bytes, n);
  write_value(L, 2, c.value);
  set_length(L, n);
  return 0;
}
int array_pop(lua_State* L) {
  const uint64_t n = array_length(L);
  if (n == 0) return luaL_error(L, "pop from an empty ArrayDB");
  const Container& c = load_prefix(L, 1, kArrayMeta);
  append_index(vm_of(L).bytes, n);
  read_value(L, c.value);
  lua_pushnil(L);
  write_value(L, lua_gettop(L), c.value);
  lua_pop(L, 1);
  set_length(L, n - 1);
  return 1;
}
int array_index(lua_State* L) {
  if (lua_type(L, 2) == LUA_TNUMBER) return array_get(L);
  luaL_getmetatable(L, kArrayMeta);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

void new_meta(lua_State* L, const char* name, std::initializer_list<luaL_Reg> fields) {
  luaL_newmetatable(L, name);
  for (const luaL_Reg& r : fields) {
    lua_pushcfunction(L, r.func);
    lua_setfield(L, -2, r.name);
  }
  protect_metatable(L);
}

}  // namespace

void open_storage(lua_State* L) {
  new_meta(L, kVarMeta, {});
  luaL_Reg var_methods[] = {{"get", var_get}, {"set", var_set}, {"remove", var_remove}, {nullptr, nullptr}};
  luaL_newlib(L, var_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  new_meta(L, kDictMeta, {{"__index", dict_index}, {"__newindex", dict_newindex}});
  lua_pop(L, 1);
  new_meta(L, kArrayMeta, {{"__index", array_index}, {"__newindex", array_set}, {"__len", array_len}});
  luaL_Reg array_methods[] = {{"length", array_len}, {"get", array_get}, {"set", array_set}, {"put", array_put},
                              {"pop", array_pop}, {nullptr, nullptr}};
  luaL_newlib(L, array_methods);
  lua_setfield(L, -2, "methods");
  lua_pop(L, 1);
  lua_pushcfunction(L, var_new);
  lua_setglobal(L, "VarDB");
  lua_pushcfunction(L, dict_new);
  lua_setglobal(L, "DictDB");
  lua_pushcfunction(L, array_new);
  lua_setglobal(L, "ArrayDB");
}

}  // namespace cx::acore::lua
