// Values of an instance: params and event fields in their canonical stored form, the expression
// environment over an instance (docs/alpha-engine.md "The instance engine"), and party lookups.
#include <boost/json.hpp>

#include "alpha/checker_impl.hpp"
#include "alpha/engine_impl.hpp"
#include "crypto/address.hpp"

namespace cx::alpha::detail {
namespace {

// A non-negative integer from a JSON number, a decimal string or an ICON "0x" hex string.
std::optional<Uint256> to_uint(const json::value& v) {
  if (v.is_uint64()) return Uint256(v.get_uint64());
  if (v.is_int64()) return v.get_int64() < 0 ? std::nullopt : std::optional(Uint256(static_cast<uint64_t>(v.get_int64())));
  if (!v.is_string() || v.get_string().size() > 80) return std::nullopt;
  std::string_view s = v.get_string();
  return s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
}

std::optional<std::string> check_bounds(const Decl& d, const Uint256& u) {
  if (d.min && u < *d.min) return "below the minimum " + d.min->to_dec();
  if (d.max && u > *d.max) return "above the maximum " + d.max->to_dec();
  return std::nullopt;
}

std::variant<json::value, std::string> canon_number(const Decl& d, const json::value& v) {
  std::optional<Uint256> u;
  if (d.type == ValueType::kDuration && v.is_string() && v.get_string().starts_with("P")) {
    auto secs = parse_iso_duration(v.get_string());
    if (secs) u = Uint256(*secs);
  } else {
    u = to_uint(v);
  }
  if (!u) return std::string("expected a non-negative integer");
  if (auto why = check_bounds(d, *u)) return *why;
  if (d.type == ValueType::kAmount) return json::value(u->to_dec());
  uint64_t cap = d.type == ValueType::kBps      ? 10'000
                 : d.type == ValueType::kPpm    ? 1'000'000
                 : d.type == ValueType::kTime   ? static_cast<uint64_t>(kTimeMax)
                 : d.type == ValueType::kDuration ? kDurationMaxSeconds
                                                 : (uint64_t(1) << 53);
  if (!u->fits_u64() || u->low_u64() > cap) return "above " + std::to_string(cap);
  return json::value(u->low_u64());
}

}  // namespace

std::variant<json::value, std::string> canon_value(const Decl& d, const json::value& v) {
  switch (d.type) {
    case ValueType::kBool:
      if (!v.is_bool()) return std::string("expected true or false");
      return v;
    case ValueType::kEnum:
      if (!v.is_string() || std::find(d.values.begin(), d.values.end(), v.get_string()) == d.values.end())
        return std::string("expected one of the enum's values");
      return v;
    case ValueType::kAddress: {
      auto a = v.is_string() ? crypto::Address::parse(v.get_string()) : std::nullopt;
      if (!a) return std::string("expected an hx or cx address");
      return json::value(a->to_string());
    }
    default: return canon_number(d, v);
  }
}

Value value_of(const Decl& d, const json::value& v) {
  auto whole = [&](Kind k) {
    Uint256 u = v.is_string() ? *Uint256::from_dec(v.get_string()) : Uint256(v.to_number<uint64_t>());
    return Value{k, Fraction(Int::of(u, false)), false, {}};
  };
  switch (d.type) {
    case ValueType::kAmount: return whole(Kind::kAmount);
    case ValueType::kBps: return Value{Kind::kNum, *Fraction::of(Int(v.to_number<uint64_t>()), Uint256(10'000)), false, {}};
    case ValueType::kPpm: return Value{Kind::kNum, *Fraction::of(Int(v.to_number<uint64_t>()), Uint256(1'000'000)), false, {}};
    case ValueType::kInt: return whole(Kind::kNum);
    case ValueType::kTime: return whole(Kind::kTime);
    case ValueType::kDuration: return whole(Kind::kDuration);
    case ValueType::kBool: return Value{Kind::kBool, {}, v.as_bool(), {}};
    case ValueType::kEnum: return Value{Kind::kEnum, {}, false, std::string(v.as_string())};
    case ValueType::kAddress: return Value{Kind::kAddress, {}, false, std::string(v.as_string())};
  }
  return {};
}

json::value value_to_json(const Value& v) {
  json::object o;
  o["kind"] = static_cast<uint64_t>(v.kind);
  o["num"] = v.num.num().to_dec();
  o["den"] = v.num.den().to_dec();
  o["flag"] = v.flag;
  o["sym"] = v.sym;
  return o;
}

std::optional<Value> value_from_json(const json::value& j) {
  const json::object* o = j.if_object();
  if (!o || !o->contains("num") || !o->contains("den") || !o->contains("kind")) return std::nullopt;
  std::string_view num = o->at("num").as_string();
  bool neg = num.starts_with("-");
  auto mag = Uint256::from_dec(neg ? num.substr(1) : num);
  auto den = Uint256::from_dec(o->at("den").as_string());
  if (!mag || !den) return std::nullopt;
  auto f = Fraction::of(Int::of(*mag, neg), *den);
  if (!f) return std::nullopt;
  return Value{static_cast<Kind>(o->at("kind").to_number<uint64_t>()), *f, o->at("flag").as_bool(),
               std::string(o->at("sym").as_string())};
}

std::optional<std::string> amount_asset(const Template& t, const Expr& e) {
  if (t.assets.size() == 1) return t.assets[0].id;
  auto ty = expr_type(t, e);
  if (!ty || ty->kind != Kind::kAmount) return std::nullopt;
  return ty->domain;
}

// ---- parties ----

std::string member_key(const Instance& inst, const std::string& role, const std::string& address) {
  auto it = inst.parties.find(role);
  if (it == inst.parties.end()) return "";
  for (size_t i = 0; i < it->second.size(); ++i)
    if (it->second[i] == address) return role + "#" + std::to_string(i);
  return "";
}

bool is_member(const Instance& inst, const std::string& role, const std::string& address) {
  return !member_key(inst, role, address).empty();
}

std::string address_of(const Instance& inst, const std::string& key) {
  size_t hash = key.find('#');
  if (hash == std::string::npos) return "";
  auto it = inst.parties.find(key.substr(0, hash));
  if (it == inst.parties.end()) return "";
  size_t i = 0;
  for (char c : key.substr(hash + 1)) i = i * 10 + static_cast<size_t>(c - '0');
  return i < it->second.size() ? it->second[i] : "";
}

// ---- evaluation ----
namespace {

class InstanceEnv final : public EvalEnv {
 public:
  explicit InstanceEnv(const Run& r) : m_r(r), m_t(r.t), m_i(r.inst) {}

  Lookup name(std::string_view n, Value* out) const override {
    if (const Decl* d = find_param(m_t, n)) {
      auto it = m_i.params.find(n);
      if (it == m_i.params.end()) return Lookup::kUnbound;
      *out = value_of(*d, it->value());
      return Lookup::kFound;
    }
    if (const Binding* b = find_let(m_t, n)) return sub(b->value, out);
    if (find_role(m_t, n)) return set(out, Value{Kind::kRole, {}, false, std::string(n)});
    if (find_asset(m_t, n)) return set(out, Value{Kind::kAsset, {}, false, std::string(n)});
    if (n == "now") return set(out, time(m_r.now));
    if (n == "signed_at") return m_i.signed_at < 0 ? Lookup::kUnbound : set(out, time(m_i.signed_at));
    return Lookup::kNotAName;
  }

  Lookup field(std::string_view obj, std::string_view f, Value* out) const override {
    if (const Event* e = find_event(m_t, obj)) return event_field(*e, f, out);
    if (const Decision* d = find_decision(m_t, obj)) {
      auto it = m_i.decisions.find(d->id);
      if (it == m_i.decisions.end() || !it->second.exercised) return Lookup::kUnbound;
      if (f == "time") return set(out, time(it->second.time));
      Kind k = d->member_of.empty() ? Kind::kEnum : Kind::kRole;
      return set(out, Value{k, {}, false, it->second.choice});
    }
    if (find_stage(m_t, obj) >= 0) {
      const auto& m = f == "entered" ? m_i.entered : m_i.left;
      auto it = m.find(std::string(obj));
      return it == m.end() ? Lookup::kUnbound : set(out, time(it->second));
    }
    if (obj == "vp" && m_t.virtual_person) return vp_field(*m_t.virtual_person, f, out);
    return Lookup::kNotAName;
  }

  std::optional<Uint256> paid(std::string_view who, std::string_view asset) const override {
    Uint256 sum;
    auto it = m_i.paid.find(std::string(asset));
    if (it == m_i.paid.end()) return sum;
    bool member = who.find('#') != std::string_view::npos;
    for (const auto& [key, amount] : it->second) {
      std::string_view k = key;
      if (member ? k == who : (k.starts_with(who) && k.size() > who.size() && k[who.size()] == '#'))
        sum = sum.checked_add(amount).value_or(Uint256::max());
    }
    return sum;
  }
  std::optional<Uint256> escrow(std::string_view asset) const override {
    auto it = m_i.escrow.find(std::string(asset));
    return it == m_i.escrow.end() ? Uint256() : it->second;
  }
  std::optional<std::string> sole_asset() const override {
    if (m_t.assets.size() == 1) return m_t.assets[0].id;
    return std::nullopt;
  }
  const Calendar* calendar() const override { return m_i.calendar.id.empty() ? nullptr : &m_i.calendar; }

 private:
  static Value time(int64_t s) { return Value{Kind::kTime, Fraction(Int(static_cast<uint64_t>(s))), false, {}}; }
  static Lookup set(Value* out, Value v) {
    *out = std::move(v);
    return Lookup::kFound;
  }
  Lookup sub(const Expr& e, Value* out) const {
    if (m_depth >= kLetsMax) return Lookup::kUnbound;
    ++m_depth;
    EvalResult r = eval_expr(e, *this);
    --m_depth;
    return r.value ? set(out, *r.value) : Lookup::kUnbound;
  }

  Lookup event_field(const Event& e, std::string_view f, Value* out) const {
    auto it = m_i.events.find(e.id);
    if (it == m_i.events.end() || it->second.time < 0) return Lookup::kUnbound;
    if (f == "time") return set(out, time(it->second.time));
    // The payload is the engine's own canonical text; a shape it did not write reads as unbound.
    boost::system::error_code ec;
    json::value p = json::parse(it->second.payload, ec);
    const json::object* o = ec ? nullptr : p.if_object();
    if (!o) return Lookup::kUnbound;
    if (f == "result") {
      const json::value* r = o->if_contains("result");
      return r && r->is_string() ? set(out, Value{Kind::kEnum, {}, false, std::string(r->get_string())}) : Lookup::kUnbound;
    }
    const json::value* fields = o->if_contains("fields");
    const json::value* v = fields && fields->is_object() ? fields->get_object().if_contains(f) : nullptr;
    for (const Decl& d : e.fields)
      if (d.id == f && v && std::holds_alternative<json::value>(canon_value(d, *v))) return set(out, value_of(d, *v));
    return Lookup::kUnbound;
  }

  Lookup vp_field(const VirtualPerson& vp, std::string_view f, Value* out) const {
    auto it = m_i.vp.find(std::string(f));
    if (it != m_i.vp.end()) {
      auto v = value_from_json(it->second);
      return v ? set(out, *v) : Lookup::kUnbound;
    }
    for (const Binding& b : vp.inputs)
      if (b.id == f) return sub(b.value, out);
    return Lookup::kUnbound;
  }

  const Run& m_r;
  const Template& m_t;
  const Instance& m_i;
  mutable size_t m_depth = 0;
};

}  // namespace

std::optional<Value> eval(Run& r, const Expr& e, const std::string& place) {
  InstanceEnv env(r);
  EvalResult res = eval_expr(e, env);
  if (res.value) return res.value;
  if (r.fault.empty())
    r.fault = place + ": '" + to_text(e) + "' failed (" + failure_name(res.failure) + (res.detail.empty() ? "" : ": " + res.detail) + ")";
  return std::nullopt;
}

std::optional<Uint256> eval_amount(Run& r, const Expr& e, const std::string& place) {
  auto v = eval(r, e, place);
  if (!v) return std::nullopt;
  Int w = v->num.floor();
  if (w.negative()) {
    r.fault = place + ": '" + to_text(e) + "' is negative (" + v->num.to_string() + ")";
    return std::nullopt;
  }
  return w.magnitude();
}

std::optional<int64_t> eval_time(Run& r, const Expr& e, const std::string& place) {
  auto v = eval(r, e, place);
  if (!v) return std::nullopt;
  Int w = v->num.floor();
  if (w.negative() || !w.magnitude().fits_u64() || w.magnitude().low_u64() > static_cast<uint64_t>(kTimeMax)) {
    r.fault = place + ": '" + to_text(e) + "' is not a time";
    return std::nullopt;
  }
  return static_cast<int64_t>(w.magnitude().low_u64());
}

}  // namespace cx::alpha::detail
