#include "alpha/parse_util.hpp"

namespace cx::alpha::detail {

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > kIdMax || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char ch : s)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

bool valid_asset_id(std::string_view s) {
  if (s.empty() || s.size() > 12 || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  for (char ch : s)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
  return true;
}

const json::object* as_object(Ctx& c, const json::value& v, const std::string& path) {
  if (!v.is_object()) {
    c.fail(path, "expected an object");
    return nullptr;
  }
  return &v.get_object();
}

const json::array* as_array(Ctx& c, const json::value& v, const std::string& path, size_t max) {
  if (!v.is_array()) {
    c.fail(path, "expected an array");
    return nullptr;
  }
  if (v.get_array().size() > max) {
    c.fail(path, "more than " + std::to_string(max) + " entries");
    return nullptr;
  }
  return &v.get_array();
}

bool fields(Ctx& c, const json::object& o, const std::string& path, std::initializer_list<std::string_view> allowed,
            std::initializer_list<std::string_view> required) {
  for (const auto& kv : o) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return c.fail(at(path, k), "unknown field '" + std::string(k) + "' (expected one of: " + list + ")");
    }
  }
  for (auto r : required)
    if (!o.contains(r)) return c.fail(at(path, r), "missing");
  return true;
}

bool read_id(Ctx& c, const json::value& v, const std::string& path, std::string& out) {
  if (!v.is_string()) return c.fail(path, "expected an id string");
  std::string_view s(v.get_string().data(), v.get_string().size());
  if (!valid_id(s)) return c.fail(path, "'" + std::string(s.substr(0, 40)) + "' is not a valid id ([a-z][a-z0-9_]*, at most 32)");
  out = std::string(s);
  return true;
}

bool read_text(Ctx& c, const json::value& v, const std::string& path, size_t max, std::string& out) {
  if (!v.is_string()) return c.fail(path, "expected a string");
  if (v.get_string().size() > max) return c.fail(path, "longer than " + std::to_string(max) + " bytes");
  out.assign(v.get_string().data(), v.get_string().size());
  for (unsigned char ch : out)
    if (ch < 0x20) return c.fail(path, "control character in text");
  return true;
}

bool read_bool(Ctx& c, const json::value& v, const std::string& path, bool& out) {
  if (!v.is_bool()) return c.fail(path, "expected true or false");
  out = v.get_bool();
  return true;
}

bool read_u256(Ctx& c, const json::value& v, const std::string& path, Uint256& out) {
  if (v.is_uint64()) out = Uint256(v.get_uint64());
  else if (v.is_int64() && v.get_int64() >= 0) out = Uint256(static_cast<uint64_t>(v.get_int64()));
  else if (v.is_string()) {
    auto parsed = Uint256::from_dec(std::string_view(v.get_string().data(), v.get_string().size()));
    if (!parsed) return c.fail(path, "expected a non-negative decimal integer");
    out = *parsed;
  } else {
    return c.fail(path, "expected a non-negative integer");
  }
  return true;
}

bool read_uint(Ctx& c, const json::value& v, const std::string& path, uint64_t max, uint64_t& out) {
  Uint256 u;
  if (!read_u256(c, v, path, u)) return false;
  if (!u.fits_u64() || u.low_u64() > max) return c.fail(path, "greater than " + std::to_string(max));
  out = u.low_u64();
  return true;
}

bool read_duration(Ctx& c, const json::value& v, const std::string& path, uint64_t& seconds) {
  if (!v.is_string()) return c.fail(path, "expected an ISO-8601 duration such as \"P7D\"");
  auto d = parse_iso_duration(std::string_view(v.get_string().data(), v.get_string().size()));
  if (!d) return c.fail(path, "bad duration (ISO-8601 with W, D, H, M, S; months and years are not durations)");
  seconds = *d;
  return true;
}

bool read_expr(Ctx& c, const json::value& v, const std::string& path, Expr& out) {
  std::string text;
  if (v.is_uint64() || v.is_int64()) {
    text = v.is_uint64() ? std::to_string(v.get_uint64()) : std::to_string(v.get_int64());
  } else if (v.is_bool()) {
    text = v.get_bool() ? "true" : "false";
  } else if (!read_text(c, v, path, kExprTextMax, text)) {
    return false;
  }
  auto r = parse_expr(text);
  if (auto* err = std::get_if<ExprError>(&r)) return c.fail(path, err->message);
  out = std::move(std::get<Expr>(r));
  return true;
}

bool read_id_list(Ctx& c, const json::value& v, const std::string& path, size_t max, std::vector<std::string>& out) {
  const json::array* a = as_array(c, v, path, max);
  if (!a) return false;
  for (size_t i = 0; i < a->size(); ++i) {
    std::string id;
    if (!read_id(c, (*a)[i], at(path, i), id)) return false;
    if (std::find(out.begin(), out.end(), id) != out.end()) return c.fail(at(path, i), "'" + id + "' listed twice");
    out.push_back(std::move(id));
  }
  return true;
}

bool read_id_set(Ctx& c, const json::value& v, const std::string& path, size_t max, std::vector<std::string>& out) {
  if (!read_id_list(c, v, path, max, out)) return false;
  std::sort(out.begin(), out.end());
  return true;
}

namespace {
bool read_value_type(Ctx& c, const json::value& v, const std::string& path, ValueType& out) {
  static constexpr std::pair<std::string_view, ValueType> kTypes[] = {
      {"amount", ValueType::kAmount}, {"bps", ValueType::kBps},   {"ppm", ValueType::kPpm},
      {"int", ValueType::kInt},       {"time", ValueType::kTime}, {"duration", ValueType::kDuration},
      {"bool", ValueType::kBool},     {"enum", ValueType::kEnum}, {"address", ValueType::kAddress}};
  if (v.is_string()) {
    std::string_view s(v.get_string().data(), v.get_string().size());
    for (auto [name, t] : kTypes)
      if (s == name) {
        out = t;
        return true;
      }
  }
  return c.fail(path, "expected one of: amount, bps, ppm, int, time, duration, bool, enum, address");
}
}  // namespace

bool read_decl(Ctx& c, const json::value& v, const std::string& path, Decl& d) {
  // Shorthand: "time" instead of { "type": "time" }.
  if (v.is_string()) return read_value_type(c, v, path, d.type);
  const json::object* o = as_object(c, v, path);
  if (!o || !fields(c, *o, path, {"type", "asset", "values", "min", "max"}, {"type"})) return false;
  if (!read_value_type(c, o->at("type"), at(path, "type"), d.type)) return false;
  bool numeric = d.type == ValueType::kAmount || d.type == ValueType::kBps || d.type == ValueType::kPpm ||
                 d.type == ValueType::kInt;
  if (d.type == ValueType::kAmount) {
    if (!o->contains("asset")) return c.fail(at(path, "asset"), "missing: an amount names its asset");
    if (!read_text(c, o->at("asset"), at(path, "asset"), 12, d.asset)) return false;
    if (!valid_asset_id(d.asset)) return c.fail(at(path, "asset"), "not an asset id ([A-Z][A-Z0-9]*, at most 12)");
  } else if (o->contains("asset")) {
    return c.fail(at(path, "asset"), "only an amount has an asset");
  }
  if (d.type == ValueType::kEnum) {
    if (!o->contains("values")) return c.fail(at(path, "values"), "missing: an enum lists its values");
    if (!read_id_list(c, o->at("values"), at(path, "values"), kEnumValuesMax, d.values)) return false;
    if (d.values.empty()) return c.fail(at(path, "values"), "an enum needs at least one value");
  } else if (o->contains("values")) {
    return c.fail(at(path, "values"), "only an enum has values");
  }
  for (std::string_view bound : {"min", "max"}) {
    if (!o->contains(bound)) continue;
    if (!numeric) return c.fail(at(path, bound), "only amount, bps, ppm and int have bounds");
    Uint256 u;
    if (!read_u256(c, o->at(bound), at(path, bound), u)) return false;
    (bound == "min" ? d.min : d.max) = u;
  }
  if (d.min && d.max && *d.min > *d.max) return c.fail(at(path, "min"), "greater than max");
  return true;
}

bool read_settle(Ctx& c, const json::value& v, const std::string& path, Settle& out) {
  const json::object* o = as_object(c, v, path);
  if (!o || !fields(c, *o, path, {"claims", "rest"}, {"rest"})) return false;
  if (o->contains("claims")) {
    const json::array* a = as_array(c, o->at("claims"), at(path, "claims"), kClaimsMax);
    if (!a) return false;
    for (size_t i = 0; i < a->size(); ++i) {
      std::string p = at(at(path, "claims"), i);
      const json::object* co = as_object(c, (*a)[i], p);
      if (!co || !fields(c, *co, p, {"to", "amount", "from"}, {"to", "amount"})) return false;
      Claim cl;
      if (!read_id(c, co->at("to"), at(p, "to"), cl.to) || !read_expr(c, co->at("amount"), at(p, "amount"), cl.amount))
        return false;
      if (co->contains("from")) {
        cl.from.emplace();
        if (!read_expr(c, co->at("from"), at(p, "from"), *cl.from)) return false;
      }
      out.claims.push_back(std::move(cl));
    }
  }
  std::string rest;
  if (!read_id(c, o->at("rest"), at(path, "rest"), rest)) return false;
  out.rest = rest == "keep" ? Rest::kKeep : rest == "refund" ? Rest::kRefund : Rest::kRole;
  if (out.rest == Rest::kRole) out.rest_to = rest;
  return true;
}

bool read_edge(Ctx& c, const json::value& v, const std::string& path, Edge& out) {
  if (v.is_string()) return read_id(c, v, path, out.target);  // shorthand: just the target
  const json::object* o = as_object(c, v, path);
  if (!o || !fields(c, *o, path, {"goto", "refund", "release", "settle"}, {"goto"})) return false;
  if (!read_id(c, o->at("goto"), at(path, "goto"), out.target)) return false;
  int settles = o->contains("refund") + o->contains("release") + o->contains("settle");
  if (settles > 1) return c.fail(path, "at most one of refund, release, settle");
  if (o->contains("refund")) {
    const json::value& r = o->at("refund");
    if (!r.is_string() || r.get_string() != "all") return c.fail(at(path, "refund"), "expected \"all\"");
    out.settle = Settle{{}, Rest::kRefund, {}};
  } else if (o->contains("release")) {
    Settle s{{}, Rest::kRole, {}};
    if (!read_id(c, o->at("release"), at(path, "release"), s.rest_to)) return false;
    out.settle = std::move(s);
  } else if (o->contains("settle")) {
    out.settle.emplace();
    if (!read_settle(c, o->at("settle"), at(path, "settle"), *out.settle)) return false;
  }
  return true;
}

}  // namespace cx::alpha::detail
