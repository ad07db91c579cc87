#pragma once
// Time in Alpha Contracts (docs/alpha.md §3.4). The only clock is block time: a Time is whole seconds
// since 1970-01-01T00:00:00Z (the header's µs timestamp floored to seconds); a Duration is seconds.
// ISO-8601 durations use fixed 86,400-second days; months and years have no fixed length, so they are
// not durations — add_months() moves along the civil (UTC) calendar instead. Business days come from
// a Calendar: a governed, versioned table that an instance pins by id (e.g. "KR-BANK@2025.2").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cx::alpha {

constexpr int64_t kSecondsPerDay = 86'400;
// Durations and times are bounded so that any sum of a handful of them fits int64 comfortably.
constexpr uint64_t kDurationMaxSeconds = 100ull * 366 * kSecondsPerDay;  // a century
constexpr int64_t kTimeMax = 253'402'300'799;                            // 9999-12-31T23:59:59Z
constexpr uint32_t kBusinessDaysMax = 1'000;

// "P21D", "PT12H", "P1DT2H30M", "P2W", "PT90S". Designators in order, each at most once, integers
// only; Y and M (months) before T are refused. nullopt on any other text or above the maximum.
std::optional<uint64_t> parse_iso_duration(std::string_view text);
// The canonical spelling: days, then T with hours, minutes, seconds; zero parts omitted; "PT0S".
std::string format_iso_duration(uint64_t seconds);

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
int64_t days_from_civil(const CivilDate& d);  // days since 1970-01-01 (proleptic Gregorian)
CivilDate civil_from_days(int64_t days);
unsigned days_in_month(int64_t year, unsigned month);

// The same UTC time of day, `months` later (or earlier); the day clamps to the month's last day
// (Jan 31 + 1 month = Feb 28/29). nullopt outside [0, kTimeMax].
std::optional<int64_t> add_months(int64_t time, int64_t months);

struct Calendar {
  std::string id;                  // "KR-BANK@2025.2"
  int32_t utc_offset_seconds = 0;  // local day boundaries (KST: +32,400)
  uint8_t weekend_mask = 0x60;     // bit d set = weekday d is closed; 0 = Monday … 6 = Sunday
  std::vector<int64_t> holidays;   // local day numbers (days since 1970-01-01), sorted, unique

  bool is_business_day(int64_t local_day) const;
  // The same local time of day on the n-th business day after time's local day (n = 0: time itself).
  // nullopt above kBusinessDaysMax or outside [0, kTimeMax].
  std::optional<int64_t> add_business_days(int64_t time, uint32_t n) const;
  bool operator==(const Calendar&) const = default;
};

// "KR-BANK@2025.2": a name of [A-Z0-9-], '@', a version of [0-9.]; at most 32 characters.
bool valid_calendar_id(std::string_view id);

}  // namespace cx::alpha
