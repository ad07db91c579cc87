// Business-day calendars governed on chain (calendar.hpp): their stored form, the governors' method
// that registers or amends one (a new version each time), the read method, and the pin an instance
// takes at proposal.
#include "alpha/calendar.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alpha/contract_store.hpp"
#include "governance/governance.hpp"

namespace cx::alpha::calendar {

using contracts::CallResult;
using contracts::Host;
namespace json = boost::json;

namespace {

constexpr core::FailureCode kRefused = core::user_failure(1);
CallResult bad(std::string m) { return CallResult::fail(core::FailureCode::kInvalidParameter, std::move(m)); }

// "KR-BANK": the name part of a calendar id; [A-Z0-9-], 1..24 characters.
bool valid_name(std::string_view n) {
  return !n.empty() && n.size() <= 24 &&
         std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'; });
}

// The calendar governors are the governance contract's active members of tiers 1–2 (docs/governance.md;
// a genesis without tiers makes its validators tier 1). A chain created before governance has none: its
// validators govern, as before.
bool is_governor(Host& h, const core::Address& who) {
  if (const auto m = governance::member_now(h, who)) return m->tier <= 2 && !m->suspended;
  const auto& validators = h.params().validators;
  return std::find(validators.begin(), validators.end(), who) != validators.end();
}

std::optional<uint64_t> latest(Host& h, const std::string& name, CallResult* fail) {
  auto v = store::get(h, "calendar/" + name, fail);
  if (!v) return fail->ok ? std::optional<uint64_t>(0) : std::nullopt;
  auto n = Uint256::from_dec(*v);
  return n && n->fits_u64() ? n->low_u64() : 0;
}

// A JSON array given as an array or as its JSON text (ICON tools send strings); absent: empty.
std::optional<json::array> array_param(const json::object& p, std::string_view k) {
  const json::value* v = p.if_contains(k);
  if (!v) return json::array();
  if (v->is_array()) return v->get_array();
  if (!v->is_string() || v->get_string().size() > 32 * 1024) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(v->get_string(), ec);
  if (ec || !parsed.is_array()) return std::nullopt;
  return parsed.get_array();
}

// "2026-01-01" -> local day number.
std::optional<int64_t> parse_date(const json::value& v) {
  if (!v.is_string() || v.get_string().size() != 10) return std::nullopt;
  std::string_view s = v.get_string();
  if (s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](size_t at, size_t len) -> int64_t {
    int64_t n = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      n = n * 10 + (s[i] - '0');
    }
    return n;
  };
  int64_t y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > static_cast<int64_t>(days_in_month(y, static_cast<unsigned>(m))))
    return std::nullopt;
  return days_from_civil({y, static_cast<unsigned>(m), static_cast<unsigned>(d)});
}

// The table of a setCalendar call, or why it is refused.
std::variant<Calendar, std::string> read_table(const json::object& p) {
  Calendar c;
  auto weekend = array_param(p, "weekend");
  auto holidays = array_param(p, "holidays");
  if (!weekend || weekend->size() > 7) return "weekend: expected an array of weekday numbers (0 = Monday .. 6)";
  if (!holidays || holidays->size() > kHolidaysMax)
    return "holidays: expected an array of at most " + std::to_string(kHolidaysMax) + " dates YYYY-MM-DD";
  if (p.contains("weekend")) c.weekend_mask = 0;
  for (const auto& d : *weekend) {
    if (!d.is_int64() || d.get_int64() < 0 || d.get_int64() > 6) return "weekend: weekday numbers are 0 (Monday) to 6";
    c.weekend_mask |= static_cast<uint8_t>(1u << d.get_int64());
  }
  if (c.weekend_mask == 0x7f) return "weekend: a calendar closed every day has no business day";
  for (const auto& d : *holidays) {
    auto day = parse_date(d);
    if (!day) return "holidays: '" + json::serialize(d) + "' is not a date YYYY-MM-DD";
    c.holidays.push_back(*day);
  }
  std::sort(c.holidays.begin(), c.holidays.end());
  c.holidays.erase(std::unique(c.holidays.begin(), c.holidays.end()), c.holidays.end());
  if (const json::value* off = p.if_contains("utcOffset")) {
    if (!off->is_int64() || off->get_int64() < -kUtcOffsetMaxSeconds || off->get_int64() > kUtcOffsetMaxSeconds)
      return "utcOffset: seconds between -50400 and 50400";
    c.utc_offset_seconds = static_cast<int32_t>(off->get_int64());
  }
  return c;
}

}  // namespace

json::object to_json(const Calendar& c) {
  return {{"id", c.id}, {"utc_offset", c.utc_offset_seconds}, {"weekend_mask", c.weekend_mask}, {"holidays", json::value_from(c.holidays)}};
}

std::optional<Calendar> from_json(const json::value& v) {
  auto integer = [](const json::value* x) -> std::optional<int64_t> {
    if (x && x->is_int64()) return x->get_int64();
    if (x && x->is_uint64() && x->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(x->get_uint64());
    return std::nullopt;
  };
  const json::object* o = v.if_object();
  if (!o) return std::nullopt;
  const json::value *id = o->if_contains("id"), *hol = o->if_contains("holidays");
  auto off = integer(o->if_contains("utc_offset")), mask = integer(o->if_contains("weekend_mask"));
  if (!id || !id->is_string() || !off || !mask || !hol || !hol->is_array()) return std::nullopt;
  Calendar c;
  c.id = std::string(id->get_string());
  c.utc_offset_seconds = static_cast<int32_t>(std::clamp<int64_t>(*off, -kUtcOffsetMaxSeconds, kUtcOffsetMaxSeconds));
  c.weekend_mask = static_cast<uint8_t>(*mask & 0x7f);
  for (const auto& d : hol->get_array()) {
    auto day = integer(&d);
    if (!day) return std::nullopt;
    c.holidays.push_back(*day);
  }
  return c;
}

std::optional<Calendar> pin(Host& h, const std::string& template_calendar, CallResult* fail) {
  size_t at = template_calendar.find('@');
  std::string name = template_calendar.substr(0, at);
  auto want = at == std::string::npos ? std::optional<Uint256>(Uint256(1)) : Uint256::from_dec(template_calendar.substr(at + 1));
  auto version = latest(h, name, fail);
  if (!version) return std::nullopt;
  if (*version == 0 || !want || Uint256(*version) < *want) {
    *fail = CallResult::fail(kRefused, "calendar " + template_calendar + " is not registered (latest version of " + name + ": " +
                                           std::to_string(*version) + ")");
    return std::nullopt;
  }
  auto text = store::get(h, "calendar/" + name + "/" + std::to_string(*version), fail);
  if (!text) return std::nullopt;
  auto c = from_json(json::parse(*text));
  if (!c) *fail = CallResult::fail(core::FailureCode::kInvalidInstance, "stored calendar " + name + " is corrupt");
  return c;
}

CallResult set_calendar(Host& h, const json::value& p) {
  const json::object* o = p.if_object();
  const json::value* n = o ? o->if_contains("name") : nullptr;
  if (!n || !n->is_string() || !valid_name(n->get_string())) return bad("name: expected a calendar name of [A-Z0-9-], at most 24");
  if (!is_governor(h, h.frame().caller))
    return CallResult::fail(kRefused, h.frame().caller.to_string() +
                                          " is not a calendar governor (an active tier 1 or 2 member of the channel's governance)");
  auto table = read_table(*o);
  if (auto* why = std::get_if<std::string>(&table)) return bad(*why);
  std::string name(n->get_string());
  CallResult fail;
  auto version = latest(h, name, &fail);
  if (!version) return fail;
  Calendar& c = std::get<Calendar>(table);
  c.id = name + "@" + std::to_string(*version + 1);
  if (!store::put(h, "calendar/" + name + "/" + std::to_string(*version + 1), json::serialize(to_json(c)), &fail) ||
      !store::put(h, "calendar/" + name, std::to_string(*version + 1), &fail))
    return fail;
  auto r = h.emit(core::EventLog{{}, {"CalendarSet(str,int)", name}, {Uint256(*version + 1).to_icon_hex()}});
  if (!r) return CallResult::fail(r.failure());
  return CallResult::success(json::value(Uint256(*version + 1).to_icon_hex()));
}

CallResult get_calendar(Host& h, const json::value& p) {
  const json::object* o = p.if_object();
  const json::value* n = o ? o->if_contains("name") : nullptr;
  if (!n || !n->is_string() || !valid_name(n->get_string())) return bad("name: expected a calendar name");
  std::string name(n->get_string());
  CallResult fail;
  auto version = latest(h, name, &fail);
  if (!version) return fail;
  if (const json::value* v = o->if_contains("version")) {
    auto want = v->is_string() ? (v->get_string().starts_with("0x") ? Uint256::from_icon_hex(v->get_string()) : Uint256::from_dec(v->get_string()))
                               : v->is_int64() ? std::optional<Uint256>(Uint256(static_cast<uint64_t>(std::max<int64_t>(v->get_int64(), 0)))) : std::nullopt;
    if (!want || !want->fits_u64()) return bad("version: expected a number");
    version = want->low_u64();
  }
  auto text = store::get(h, "calendar/" + name + "/" + std::to_string(*version), &fail);
  if (!fail.ok) return fail;
  if (!text) return bad("no calendar " + name + "@" + std::to_string(*version));
  return CallResult::success(json::parse(*text));
}

}  // namespace cx::alpha::calendar
