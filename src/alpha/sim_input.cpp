// Reading an instance's inputs (simulate.hpp): param values checked against their declarations,
// parties, samples of event fields and the pinned calendar's table. A value may be written as JSON
// (an integer, a bool, a string) or, for numbers, rates and durations, as a constant expression of
// the template language ("20%", "2000bps", "48_800_000", "P90D"); it is evaluated with no names in
// scope, so it means exactly what it would mean inside a template.
#include <cstdio>

#include "alpha/parse_util.hpp"
#include "alpha/simulate.hpp"
#include "alpha/strict_json.hpp"

namespace cx::alpha {

std::string format_time(int64_t time) {
  int64_t days = time >= 0 ? time / kSecondsPerDay : -((-time + kSecondsPerDay - 1) / kSecondsPerDay);
  int64_t sec = time - days * kSecondsPerDay;
  CivilDate d = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(d.year), d.month,
                d.day, static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                static_cast<long long>(sec % 60));
  return buf;
}

namespace {

using namespace detail;

// Constants only: every name is unknown, so an expression that names anything fails to evaluate.
class ConstEnv : public EvalEnv {
 public:
  Lookup name(std::string_view, Value*) const override { return Lookup::kUnbound; }
  Lookup field(std::string_view, std::string_view, Value*) const override { return Lookup::kUnbound; }
  std::optional<Uint256> paid(std::string_view, std::string_view) const override { return std::nullopt; }
  std::optional<Uint256> escrow(std::string_view) const override { return std::nullopt; }
  std::optional<std::string> sole_asset() const override { return std::nullopt; }
  const Calendar* calendar() const override { return nullptr; }
};

std::optional<Fraction> constant(const std::string& text) {
  auto parsed = parse_expr(text);
  if (!std::holds_alternative<Expr>(parsed)) return std::nullopt;
  EvalResult r = eval_expr(std::get<Expr>(parsed), ConstEnv());
  if (!r.value || r.value->kind == Kind::kBool) return std::nullopt;
  return r.value->num;
}

// "2026-01-01" or "2026-01-01T09:30:00Z".
std::optional<int64_t> parse_time_text(const std::string& s) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char z = 0;
  int n = 0;
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4u-%2u-%2u%n", &y, &mo, &d, &n) == 3 && n == 10) {
  } else if (s.size() == 20 &&
             std::sscanf(s.c_str(), "%4u-%2u-%2uT%2u:%2u:%2u%c%n", &y, &mo, &d, &h, &mi, &se, &z, &n) == 7 && n == 20 &&
             z == 'Z') {
  } else {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59) return std::nullopt;
  int64_t t = days_from_civil({y, mo, d}) * kSecondsPerDay + h * 3600 + mi * 60 + se;
  return t >= 0 && t <= kTimeMax ? std::optional<int64_t>(t) : std::nullopt;
}

bool read_time(Ctx& c, const json::value& v, const std::string& p, int64_t& out) {
  if (v.is_string()) {
    auto t = parse_time_text(std::string(v.as_string()));
    if (!t) return c.fail(p, "expected a date \"2026-01-01\", \"2026-01-01T09:30:00Z\" or seconds since 1970");
    out = *t;
    return true;
  }
  uint64_t s = 0;
  if (!read_uint(c, v, p, static_cast<uint64_t>(kTimeMax), s)) return false;
  out = static_cast<int64_t>(s);
  return true;
}

Uint256 scale_of(ValueType t) { return Uint256(t == ValueType::kBps ? 10'000 : t == ValueType::kPpm ? 1'000'000 : 1); }

bool valid_address(const std::string& s) {
  if (s.size() != 42 || (s.rfind("hx", 0) != 0 && s.rfind("cx", 0) != 0)) return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i])) || std::isupper(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

// A numeric value of a declaration: integers count the declaration's unit (bps, ppm, seconds).
bool read_number(Ctx& c, const json::value& v, const std::string& p, const Decl& d, Value& out, std::string& text) {
  Uint256 scale = scale_of(d.type);
  std::optional<Fraction> f;
  if (v.is_string()) {
    f = constant(std::string(v.as_string()));
    if (!f) return c.fail(p, "expected a number, a rate (\"20%\", \"75bps\") or a duration (\"P30D\")");
  } else {
    Uint256 u;
    if (!read_u256(c, v, p, u)) return false;
    f = Fraction::of(Int::of(u, false), scale);
  }
  // The value in the declaration's unit must be whole and within min/max.
  auto units = f->mul(Fraction(Int::of(scale, false)));
  if (!units || !units->is_integer() || units->num().negative())
    return c.fail(p, std::string("not a whole, non-negative number of ") + (d.type == ValueType::kBps   ? "bps"
                                                                            : d.type == ValueType::kPpm ? "ppm"
                                                                                                        : "units"));
  const Uint256& u = units->num().magnitude();
  if ((d.min && u < *d.min) || (d.max && u > *d.max))
    return c.fail(p, u.to_dec() + " is outside [" + (d.min ? d.min->to_dec() : "0") + ", " +
                         (d.max ? d.max->to_dec() : "max") + "]");
  Kind kind = d.type == ValueType::kAmount     ? Kind::kAmount
              : d.type == ValueType::kDuration ? Kind::kDuration
                                               : Kind::kNum;
  if (d.type == ValueType::kDuration && u > Uint256(kDurationMaxSeconds)) return c.fail(p, "longer than a century");
  out = Value{kind, *f, false, {}};
  // Rates read as percentages when they are whole ones ("20%"), else in their unit ("75bps").
  uint64_t per_percent = d.type == ValueType::kBps ? 100 : 10'000;
  bool whole_percent =
      (d.type == ValueType::kBps || d.type == ValueType::kPpm) && u.fits_u64() && u.low_u64() % per_percent == 0;
  text = d.type == ValueType::kDuration ? format_iso_duration(u.low_u64())
         : whole_percent                ? std::to_string(u.low_u64() / per_percent) + "%"
         : d.type == ValueType::kBps    ? u.to_dec() + "bps"
         : d.type == ValueType::kPpm    ? u.to_dec() + "ppm"
                                        : u.to_dec();
  return true;
}

bool read_value(Ctx& c, const json::value& v, const std::string& p, const Decl& d, Value& out, std::string& text) {
  switch (d.type) {
    case ValueType::kTime: {
      int64_t t = 0;
      if (!read_time(c, v, p, t)) return false;
      out = Value{Kind::kTime, Fraction(Int(static_cast<uint64_t>(t))), false, {}};
      text = format_time(t);
      return true;
    }
    case ValueType::kBool:
      out = Value{Kind::kBool, {}, false, {}};
      if (!read_bool(c, v, p, out.flag)) return false;
      text = out.flag ? "true" : "false";
      return true;
    case ValueType::kEnum:
      if (!read_id(c, v, p, text)) return false;
      if (std::find(d.values.begin(), d.values.end(), text) == d.values.end())
        return c.fail(p, "'" + text + "' is not one of the declared values");
      out = Value{Kind::kEnum, {}, false, text};
      return true;
    case ValueType::kAddress:
      if (!read_text(c, v, p, 42, text)) return false;
      if (!valid_address(text)) return c.fail(p, "expected hx or cx and 40 lowercase hex digits");
      out = Value{Kind::kAddress, {}, false, text};
      return true;
    default:
      return read_number(c, v, p, d, out, text);
  }
}

bool read_params(Ctx& c, const json::value& v, const Template& t, InstanceInput& in) {
  const json::object* o = as_object(c, v, "params");
  if (!o) return false;
  for (const auto& kv : *o)
    if (!find_param(t, kv.key())) return c.fail(at("params", kv.key()), "the template declares no such param");
  for (const Decl& d : t.params) {
    std::string p = at("params", d.id);
    if (!o->contains(d.id)) return c.fail(p, "missing: every param needs a value");
    if (!read_value(c, o->at(d.id), p, d, in.params[d.id], in.param_text[d.id])) return false;
  }
  return true;
}

// Unbound roles get synthetic addresses, so that a template can be simulated before its parties are
// known: hx + the role's index and the member's, spelled out in hex digits.
std::string synthetic_address(size_t role, size_t member) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "hx%020zx%020zx", role + 1, member + 1);
  return buf;
}

bool read_parties(Ctx& c, const json::value* v, const Template& t, InstanceInput& in) {
  const json::object* o = v ? as_object(c, *v, "parties") : nullptr;
  if (v && !o) return false;
  if (o)
    for (const auto& kv : *o)
      if (!find_role(t, kv.key())) return c.fail(at("parties", kv.key()), "the template declares no such role");
  for (size_t r = 0; r < t.roles.size(); ++r) {
    const Role& role = t.roles[r];
    std::string p = at("parties", role.id);
    auto& members = in.parties[role.id];
    if (o && o->contains(role.id)) {
      const json::value& pv = o->at(role.id);
      if (pv.is_string()) {
        members.emplace_back(pv.as_string());
      } else {
        const json::array* a = as_array(c, pv, p, role.members_max);
        if (!a) return false;
        for (const auto& m : *a) members.emplace_back(m.is_string() ? std::string(m.as_string()) : std::string());
      }
      if (members.empty() || members.size() > role.members_max)
        return c.fail(p, "between 1 and " + std::to_string(role.members_max) + " members");
      for (const std::string& m : members)
        if (!valid_address(m)) return c.fail(p, "'" + m + "' is not an address (hx or cx and 40 lowercase hex digits)");
      continue;
    }
    size_t n = std::min<size_t>(role.members_max, kGroupDefaultMembers);
    for (size_t k = 0; k < n; ++k) members.push_back(synthetic_address(r, k));
  }
  return true;
}

bool read_samples(Ctx& c, const json::value& v, const Template& t, InstanceInput& in) {
  const json::object* o = as_object(c, v, "samples");
  if (!o) return false;
  for (const auto& kv : *o) {
    std::string key(kv.key()), p = at("samples", key);
    size_t dot = key.find('.');
    const Event* e = dot == std::string::npos ? nullptr : find_event(t, key.substr(0, dot));
    const Decl* d = nullptr;
    static const Decl kTimeDecl{"time", ValueType::kTime, {}, {}, std::nullopt, std::nullopt};
    if (e && key.substr(dot + 1) == "time") d = &kTimeDecl;  // when the attestation comes
    if (e)
      for (const Decl& f : e->fields)
        if (f.id == key.substr(dot + 1)) d = &f;
    if (!d) return c.fail(p, "expected <event>.time or <event>.<field> of a declared event field");
    const json::array* a = as_array(c, kv.value(), p, kSamplesPerFieldMax);
    if (!a || a->empty()) return a ? c.fail(p, "at least one value") : false;
    for (size_t i = 0; i < a->size(); ++i) {
      Value val;
      std::string text;
      if (!read_value(c, (*a)[i], at(p, i), *d, val, text)) return false;
      in.samples[key].push_back(std::move(val));
    }
  }
  return true;
}

bool read_calendar(Ctx& c, const json::value& v, const Template& t, InstanceInput& in) {
  const json::object* o = as_object(c, v, "calendar");
  if (!o || !fields(c, *o, "calendar", {"utc_offset", "weekend", "holidays"})) return false;
  if (t.calendar.empty()) return c.fail("calendar", "the template pins no calendar");
  Calendar cal;
  cal.id = t.calendar;
  if (o->contains("utc_offset")) {
    uint64_t s = 0;
    if (!read_duration(c, o->at("utc_offset"), "calendar.utc_offset", s)) return false;
    if (s > 14 * 3600) return c.fail("calendar.utc_offset", "at most PT14H");
    cal.utc_offset_seconds = static_cast<int32_t>(s);
  }
  if (o->contains("weekend")) {
    const json::array* a = as_array(c, o->at("weekend"), "calendar.weekend", 7);
    if (!a) return false;
    cal.weekend_mask = 0;
    for (size_t i = 0; i < a->size(); ++i) {
      uint64_t d = 0;
      if (!read_uint(c, (*a)[i], at("calendar.weekend", i), 6, d)) return false;
      cal.weekend_mask = static_cast<uint8_t>(cal.weekend_mask | (1u << d));
    }
  }
  if (o->contains("holidays")) {
    const json::array* a = as_array(c, o->at("holidays"), "calendar.holidays", 1'000);
    if (!a) return false;
    for (size_t i = 0; i < a->size(); ++i) {
      int64_t day = 0;
      if (!read_time(c, (*a)[i], at("calendar.holidays", i), day)) return false;
      cal.holidays.push_back(day / kSecondsPerDay);
    }
    std::sort(cal.holidays.begin(), cal.holidays.end());
    cal.holidays.erase(std::unique(cal.holidays.begin(), cal.holidays.end()), cal.holidays.end());
  }
  in.calendar = std::move(cal);
  return true;
}

}  // namespace

std::variant<InstanceInput, ParseError> parse_instance_input(const Template& t, std::string_view json_text) {
  auto parsed = parse_strict_json(json_text, kInstanceBytesMax, kJsonDepthMax);
  if (auto* err = std::get_if<std::string>(&parsed)) return ParseError{"", *err};
  Ctx c;
  InstanceInput in;
  const json::value& v = std::get<json::value>(parsed);
  const json::object* o = as_object(c, v, "");
  if (o && fields(c, *o, "", {"signed_at", "params", "parties", "samples", "calendar"}, {"signed_at", "params"}) &&
      read_time(c, o->at("signed_at"), "signed_at", in.signed_at) && read_params(c, o->at("params"), t, in) &&
      read_parties(c, o->if_contains("parties"), t, in) &&
      (!o->contains("samples") || read_samples(c, o->at("samples"), t, in)) &&
      (!o->contains("calendar") || read_calendar(c, o->at("calendar"), t, in)))
    return in;
  if (!c.failed()) c.fail("", "not an instance");
  return c.error();
}

}  // namespace cx::alpha
