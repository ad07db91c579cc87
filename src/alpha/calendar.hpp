#pragma once
// Business-day calendars governed on chain (docs/alpha-engine.md "Calendars", ALPHA.md N8). The
// Alpha contract keeps every version of every calendar in its storage:
//   "calendar/<NAME>"      the latest version, a decimal counter from 1
//   "calendar/<NAME>/<v>"  that version's table {id, utc_offset, weekend_mask, holidays}
// Only the channel's calendar governors — its validators (ChainParams::validators) — register or
// amend a calendar; an amendment is a new version and old versions stay readable. An instance pins
// the latest version at proposal (a template's "NAME@V" asks for version V or later) and keeps its
// own copy of the table, so business_days() in its expressions never changes under it.
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "alpha/time.hpp"
#include "contracts/host.hpp"

namespace cx::alpha::calendar {

constexpr size_t kHolidaysMax = 1'000;
constexpr int32_t kUtcOffsetMaxSeconds = 14 * 3600;

boost::json::object to_json(const Calendar& c);
std::optional<Calendar> from_json(const boost::json::value& v);

// The calendar a template names, at the latest version, for an instance proposed now; *fail says why not.
std::optional<Calendar> pin(contracts::Host& h, const std::string& template_calendar, contracts::CallResult* fail);

// Methods of the Alpha contract. setCalendar({name, weekend?, holidays?, utcOffset?}) by a governor:
// weekend as weekday numbers (0 = Monday), holidays as "YYYY-MM-DD" local dates, each a JSON array or
// its JSON text; returns the new version. getCalendar({name, version?}) returns a version's table.
contracts::CallResult set_calendar(contracts::Host& h, const boost::json::value& p);
contracts::CallResult get_calendar(contracts::Host& h, const boost::json::value& p);

}  // namespace cx::alpha::calendar
