#include "acore/lua_values.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "acore/lua_int.hpp"
#include "crypto/address.hpp"

namespace cx::acore::lua {

namespace json = boost::json;

namespace {

std::string_view lua_view(lua_State* L, int index) {
  size_t n = 0;
  const char* s = lua_tolstring(L, index, &n);
  return {s, n};
}

std::string hex_of(std::string_view raw) { return "0x" + to_hex(as_bytes(raw)); }

// Pushes the bytes of "0x…" hex; false if it is not even-length hex.
bool push_hex_bytes(lua_State* L, std::string_view s) {
  if (!s.starts_with("0x") || s.size() % 2 != 0) return false;
  s.remove_prefix(2);
  for (char c : s)
    if (hex_digit_value(c) < 0) return false;
  luaL_Buffer b;
  char* p = luaL_buffinitsize(L, &b, s.size() / 2);
  for (size_t i = 0; i < s.size(); i += 2)
    p[i / 2] = static_cast<char>(hex_digit_value(s[i]) * 16 + hex_digit_value(s[i + 1]));
  luaL_pushresultsize(&b, s.size() / 2);
  return true;
}

bool push_scalar(lua_State* L, std::string_view s, Type::Kind kind) {
  switch (kind) {
    case Type::Kind::kInt: {
      auto v = Int256::from_icon_hex(s);
      if (!v) return false;
      push_int(L, *v);
      return true;
    }
    case Type::Kind::kStr: lua_pushlstring(L, s.data(), s.size()); return true;
    case Type::Kind::kBytes: return push_hex_bytes(L, s);
    case Type::Kind::kBool:
      if (s != "0x1" && s != "0x0") return false;
      lua_pushboolean(L, s == "0x1");
      return true;
    case Type::Kind::kAddress:
      if (!crypto::Address::parse(s)) return false;
      lua_pushlstring(L, s.data(), s.size());
      return true;
    default: return false;
  }
}

bool json_fail(std::string& error, const std::string& message) {
  error = message;
  return false;
}

// Counts `bytes` of JSON against kJsonBytesMax (vm.json_bytes, reset by each top-level to_json).
bool json_spend(lua_State* L, size_t bytes, std::string& error) {
  Vm& vm = vm_of(L);
  vm.json_bytes += bytes;
  if (vm.json_bytes <= kJsonBytesMax) return true;
  return json_fail(error, "the value is larger than " + std::to_string(kJsonBytesMax >> 20) + " MiB as JSON");
}

}  // namespace

bool push_param(lua_State* L, const json::value& v, const Type& t, std::string& error) {
  if (!lua_checkstack(L, 4)) return json_fail(error, "params nest too deep");
  if (t.scalar()) {
    if (!v.is_string()) return json_fail(error, "expected a " + t.name() + " as a string");
    if (!push_scalar(L, v.get_string(), t.kind))
      return json_fail(error, "'" + std::string(core::clip_utf8(v.get_string(), 80)) + "' is not a valid " + t.name());
    return true;
  }
  if (t.kind == Type::Kind::kList) {
    const json::array* a = v.if_array();
    if (!a) return json_fail(error, "expected a list (" + t.name() + ")");
    if (a->size() > kJsonItemsMax) return json_fail(error, "a list of more than " + std::to_string(kJsonItemsMax) + " items");
    lua_createtable(L, static_cast<int>(a->size()), 0);
    for (size_t i = 0; i < a->size(); ++i) {
      if (!push_param(L, (*a)[i], t.element[0], error)) {
        lua_pop(L, 1);
        error = "item " + std::to_string(i + 1) + ": " + error;
        return false;
      }
      lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
    }
    return true;
  }
  const json::object* o = v.if_object();
  if (!o) return json_fail(error, "expected a struct (an object)");
  for (const auto& kv : *o) {
    const bool known = std::any_of(t.fields.begin(), t.fields.end(), [&](const Field& f) { return f.name == kv.key(); });
    if (!known) return json_fail(error, "unknown struct field '" + core::clip_utf8(kv.key(), 64) + "'");
  }
  lua_createtable(L, 0, static_cast<int>(t.fields.size()));
  for (const Field& f : t.fields) {
    const json::value* fv = o->if_contains(f.name);
    if (!fv) {
      lua_pop(L, 1);
      return json_fail(error, "missing struct field '" + f.name + "'");
    }
    if (!push_param(L, *fv, f.type, error)) {
      lua_pop(L, 1);
      error = "field '" + f.name + "': " + error;
      return false;
    }
    lua_setfield(L, -2, f.name.c_str());
  }
  return true;
}

void push_json(lua_State* L, const json::value& v, int depth) {
  luaL_checkstack(L, 4, "call output nests too deep");
  if (depth > kJsonDepthMax) luaL_error(L, "call output nests deeper than %d", kJsonDepthMax);
  switch (v.kind()) {
    case json::kind::string: lua_pushlstring(L, v.get_string().data(), v.get_string().size()); return;
    case json::kind::bool_: lua_pushboolean(L, v.get_bool()); return;
    case json::kind::int64: lua_pushinteger(L, v.get_int64()); return;
    case json::kind::uint64: push_int(L, Int256::from_magnitude(Uint256(v.get_uint64()), false)); return;
    case json::kind::array: {
      const auto& a = v.get_array();
      lua_createtable(L, static_cast<int>(a.size()), 0);
      for (size_t i = 0; i < a.size(); ++i) {
        push_json(L, a[i], depth + 1);
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
      }
      return;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      lua_createtable(L, 0, static_cast<int>(o.size()));
      for (const auto& kv : o) {
        lua_pushlstring(L, kv.key().data(), kv.key().size());
        push_json(L, kv.value(), depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
    default: lua_pushnil(L); return;
  }
}

namespace {

bool scalar_to_json(lua_State* L, int index, Type::Kind kind, json::value& out, std::string& error) {
  constexpr size_t kItemBytes = 8;  // a value's own share, whatever it holds
  if (!json_spend(L, kItemBytes + (lua_type(L, index) == LUA_TSTRING ? 2 * lua_rawlen(L, index) : 0), error)) return false;
  switch (kind) {
    case Type::Kind::kInt: {
      auto v = to_int(L, index);
      if (!v) return json_fail(error, std::string("expected an int, got ") + luaL_typename(L, index));
      out = v->to_icon_hex();
      return true;
    }
    case Type::Kind::kStr:
    case Type::Kind::kBytes:
    case Type::Kind::kAddress:
      if (lua_type(L, index) != LUA_TSTRING) return json_fail(error, std::string("expected a string, got ") + luaL_typename(L, index));
      if (kind == Type::Kind::kAddress && !crypto::Address::parse(lua_view(L, index)))
        return json_fail(error, "'" + core::clip_utf8(lua_view(L, index), 64) + "' is not an Address");
      out = kind == Type::Kind::kBytes ? json::value(hex_of(lua_view(L, index))) : json::value(lua_view(L, index));
      return true;
    case Type::Kind::kBool:
      if (lua_type(L, index) != LUA_TBOOLEAN) return json_fail(error, std::string("expected a boolean, got ") + luaL_typename(L, index));
      out = lua_toboolean(L, index) ? "0x1" : "0x0";
      return true;
    default: return false;
  }
}

// An untyped value: by what it is in Lua.
bool any_to_json(lua_State* L, int index, json::value& out, std::string& error, int depth);

bool table_to_json(lua_State* L, int index, const Type* t, json::value& out, std::string& error, int depth) {
  index = lua_absindex(L, index);
  const size_t n = lua_rawlen(L, index);
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, index)) {
    lua_pop(L, 1);
    if (++count > kJsonItemsMax) {
      lua_pop(L, 1);
      return json_fail(error, "a table of more than " + std::to_string(kJsonItemsMax) + " entries");
    }
  }
  const bool list = t ? t->kind == Type::Kind::kList : (count == n && count > 0);  // {} is an empty dict
  if (list) {
    if (count != n) return json_fail(error, "expected a list (keys 1..n)");
    json::array a;
    for (size_t i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, static_cast<lua_Integer>(i));
      json::value item;
      const bool ok = t && !t->element.empty() ? to_json(L, -1, &t->element[0], item, error, depth + 1)
                                               : any_to_json(L, -1, item, error, depth + 1);
      lua_pop(L, 1);
      if (!ok) return false;
      a.push_back(std::move(item));
    }
    out = std::move(a);
    return true;
  }
  // A struct or a dict: string keys; each value converted where lua_next finds it (no Lua string is
  // made, so nothing here can raise), then written in field order or, for a dict, in byte order.
  std::vector<std::pair<std::string, json::value>> entries;
  lua_pushnil(L);
  while (lua_next(L, index)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      return json_fail(error, "expected string keys (a struct or a dict)");
    }
    std::string key(lua_view(L, -2));
    const Type* ft = nullptr;
    if (t && t->kind == Type::Kind::kStruct) {
      auto f = std::find_if(t->fields.begin(), t->fields.end(), [&](const Field& x) { return x.name == key; });
      if (f == t->fields.end()) {
        lua_pop(L, 2);
        return json_fail(error, "unknown struct field '" + core::clip_utf8(key, 64) + "'");
      }
      ft = &f->type;
    }
    json::value item;
    const bool ok = ft ? to_json(L, -1, ft, item, error, depth + 1) : any_to_json(L, -1, item, error, depth + 1);
    lua_pop(L, 1);
    if (!ok) {
      lua_pop(L, 1);
      error = "'" + core::clip_utf8(key, 64) + "': " + error;
      return false;
    }
    entries.emplace_back(std::move(key), std::move(item));
  }
  json::object o;
  if (t && t->kind == Type::Kind::kStruct) {
    for (const Field& f : t->fields) {
      auto e = std::find_if(entries.begin(), entries.end(), [&](const auto& x) { return x.first == f.name; });
      if (e == entries.end()) return json_fail(error, "missing struct field '" + f.name + "'");
      o[f.name] = std::move(e->second);
    }
  } else {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [k, v] : entries) o[k] = std::move(v);
  }
  out = std::move(o);
  return true;
}

bool any_to_json(lua_State* L, int index, json::value& out, std::string& error, int depth) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: out = nullptr; return json_spend(L, 8, error);
    case LUA_TBOOLEAN: out = lua_toboolean(L, index) ? "0x1" : "0x0"; return json_spend(L, 8, error);
    case LUA_TSTRING:
      if (!json_spend(L, 8 + lua_rawlen(L, index), error)) return false;
      out = lua_view(L, index);
      return true;
    case LUA_TNUMBER:
      if (!lua_isinteger(L, index)) return json_fail(error, "a float cannot leave a contract (use integers)");
      return scalar_to_json(L, index, Type::Kind::kInt, out, error);
    case LUA_TUSERDATA:
      if (to_int(L, index)) return scalar_to_json(L, index, Type::Kind::kInt, out, error);
      break;
    case LUA_TTABLE: return table_to_json(L, index, nullptr, out, error, depth);
    default: break;
  }
  return json_fail(error, std::string("a ") + luaL_typename(L, index) + " cannot leave a contract");
}

}  // namespace

bool to_json(lua_State* L, int index, const Type* t, json::value& out, std::string& error, int depth) {
  if (depth == 0) vm_of(L).json_bytes = 0;
  if (depth > kJsonDepthMax || !lua_checkstack(L, 4)) return json_fail(error, "the value nests too deep");
  if (t == nullptr) return any_to_json(L, index, out, error, depth);
  if (t->scalar()) return scalar_to_json(L, index, t->kind, out, error);
  if (t->kind == Type::Kind::kList && t->element.empty() && lua_type(L, index) != LUA_TTABLE)
    return json_fail(error, "expected a list");
  if (lua_type(L, index) != LUA_TTABLE) return json_fail(error, "expected a table for " + t->name());
  return table_to_json(L, index, t, out, error, depth);
}

bool encode_value(lua_State* L, int index, Type::Kind kind, Bytes& out, std::string& error) {
  out.clear();
  switch (kind) {
    case Type::Kind::kInt: {
      auto v = to_int(L, index);
      if (!v) return json_fail(error, std::string("expected an int, got ") + luaL_typename(L, index));
      out = v->to_twos_complement();
      return true;
    }
    case Type::Kind::kStr:
    case Type::Kind::kBytes: {
      if (lua_type(L, index) != LUA_TSTRING) return json_fail(error, std::string("expected a string, got ") + luaL_typename(L, index));
      auto s = as_bytes(lua_view(L, index));
      out.assign(s.begin(), s.end());
      return true;
    }
    case Type::Kind::kBool:
      if (lua_type(L, index) != LUA_TBOOLEAN) return json_fail(error, std::string("expected a boolean, got ") + luaL_typename(L, index));
      out.push_back(lua_toboolean(L, index) ? 1 : 0);
      return true;
    case Type::Kind::kAddress: {
      auto a = to_address(L, index);
      if (!a) return json_fail(error, "expected an Address (hx… or cx…)");
      auto b = a->to_bytes();
      out.assign(b.begin(), b.end());
      return true;
    }
    default: return json_fail(error, "not a storable type");
  }
}

void push_stored(lua_State* L, const std::optional<Bytes>& stored, Type::Kind kind) {
  if (!stored) {
    switch (kind) {
      case Type::Kind::kInt: push_int(L, Int256()); return;
      case Type::Kind::kBool: lua_pushboolean(L, 0); return;
      case Type::Kind::kAddress: lua_pushnil(L); return;
      default: lua_pushliteral(L, ""); return;
    }
  }
  const Bytes& b = *stored;
  switch (kind) {
    case Type::Kind::kInt: {
      auto v = Int256::from_twos_complement(b);
      push_int(L, v ? *v : Int256());
      return;
    }
    case Type::Kind::kBool: lua_pushboolean(L, !b.empty() && b[0] != 0); return;
    case Type::Kind::kAddress: {
      auto a = crypto::Address::from_bytes(b);
      if (!a) {
        lua_pushnil(L);
        return;
      }
      Vm& vm = vm_of(L);
      vm.text = a->to_string();
      lua_pushlstring(L, vm.text.data(), vm.text.size());
      return;
    }
    default: lua_pushlstring(L, reinterpret_cast<const char*>(b.data()), b.size()); return;
  }
}

bool append_key(lua_State* L, int index, Bytes& out) {
  char tag = 0;
  Bytes body;
  if (auto v = to_int(L, index)) {
    tag = 'i';
    body = v->to_twos_complement();
  } else if (lua_type(L, index) == LUA_TSTRING) {
    tag = 's';
    auto s = as_bytes(lua_view(L, index));
    body.assign(s.begin(), s.end());
  } else if (lua_type(L, index) == LUA_TBOOLEAN) {
    tag = 'b';
    body.push_back(lua_toboolean(L, index) ? 1 : 0);
  } else {
    return false;
  }
  out.push_back(static_cast<uint8_t>(tag));
  const uint32_t n = static_cast<uint32_t>(body.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  out.insert(out.end(), body.begin(), body.end());
  return true;
}

bool event_item(lua_State* L, int index, Type::Kind kind, std::string& out, std::string& error) {
  if (kind == Type::Kind::kBytes && lua_isnil(L, index)) {
    out = "0x";
    return true;
  }
  json::value v;
  vm_of(L).json_bytes = 0;  // each item is its own value: what earlier events spent must not count
  if (!scalar_to_json(L, index, kind, v, error)) return false;
  out = std::string(v.get_string());
  return true;
}

std::optional<crypto::Address> to_address(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TSTRING) return std::nullopt;
  return crypto::Address::parse(lua_view(L, index));
}

}  // namespace cx::acore::lua
