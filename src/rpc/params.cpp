#include "rpc/params.hpp"

#include <algorithm>

#include "rpc/json_format.hpp"

namespace cx::rpc {

namespace ec = error_code;

[[noreturn]] void fail(int code, std::string message) { throw RpcError{code, std::move(message)}; }
[[noreturn]] void bad_param(std::string message) { fail(ec::kInvalidParams, "invalid params: " + message); }

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

const char* kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

static std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// goloop decodes params with DisallowUnknownFields: a misspelt param is an error, not ignored.
const json::object* params_object(const json::value* params, std::initializer_list<std::string_view> allowed,
                                  bool required) {
  if (!params || params->is_null()) {
    if (required) bad_param("'params' is required: an object with " + join(allowed));
    return nullptr;
  }
  const json::object* o = params->if_object();
  if (!o) bad_param(std::string("'params' must be an object, not ") + kind_of(*params));
  for (const auto& kv : *o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      if (allowed.size() == 0) bad_param("unknown param '" + clip(kv.key()) + "' (this method takes none)");
      bad_param("unknown param '" + clip(kv.key()) + "' (allowed: " + join(allowed) + ")");
    }
  }
  return o;
}

// JSON null counts as absent, as in goloop's pointer fields.
const json::value* member(const json::object* o, std::string_view key) {
  if (!o) return nullptr;
  auto it = o->find(key);
  if (it == o->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const json::string* string_param(const json::object* o, std::string_view key, bool required) {
  const json::value* v = member(o, key);
  if (!v) {
    if (required) bad_param("'" + std::string(key) + "' is required");
    return nullptr;
  }
  const json::string* s = v->if_string();
  if (!s) bad_param("'" + std::string(key) + "' must be a string, not " + kind_of(*v));
  return s;
}

std::optional<core::Address> address_param(const json::object* o, std::string_view key, AddressKind kind,
                                           bool required) {
  const json::string* s = string_param(o, key, required);
  if (!s) return std::nullopt;
  auto a = core::Address::parse(*s);
  const char* expected = kind == AddressKind::kEoa ? "an hx address" : kind == AddressKind::kContract ? "a cx address" : "an hx/cx address";
  if (!a || (kind == AddressKind::kEoa && a->is_contract) || (kind == AddressKind::kContract && !a->is_contract)) {
    bad_param("'" + std::string(key) + "' is not " + expected + ": " + clip(*s));
  }
  return a;
}

Hash32 hash_param(const json::object* o, std::string_view key) {
  const json::string* s = string_param(o, key, /*required=*/true);
  std::string_view text = *s;
  std::optional<Hash32> h;
  if (text.starts_with("0x")) h = Hash32::from_hex_string(text);
  if (!h) bad_param("'" + std::string(key) + "' is not a 0x-prefixed 32-byte hash: " + clip(text));
  return *h;
}

std::optional<uint64_t> height_param(const json::object* o, bool required) {
  const json::string* s = string_param(o, "height", required);
  if (!s) return std::nullopt;
  auto h = parse_hex_u64(*s);
  if (!h) bad_param("'height' is not a hex integer (0x...): " + clip(*s));
  return h;
}

// A state or block query at a height the chain has not reached is NotFound (goloop does the same
// for a block it does not have).
void require_height_available(channel::ChannelApi& ch, std::optional<uint64_t> height) {
  if (!height) return;
  uint64_t last = ch.last_height();
  if (*height > last) {
    fail(ec::kNotFound, "not found: height " + hex_u64(*height) + " is above the latest block " + hex_u64(last));
  }
}

const json::object& tx_object(const json::value* params) {
  if (!params || !params->is_object()) {
    bad_param(std::string("'params' must be the transaction object, not ") + (params ? kind_of(*params) : "absent"));
  }
  return params->get_object();
}

}  // namespace cx::rpc
