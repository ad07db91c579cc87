#include "alpha/time.hpp"

#include <algorithm>

namespace cx::alpha {

std::optional<uint64_t> parse_iso_duration(std::string_view s) {
  if (s.size() < 3 || s.size() > 32 || s[0] != 'P') return std::nullopt;
  // Designators allowed in order: W, D before T; H, M, S after it.
  static constexpr std::string_view kDate = "WD", kClock = "HMS";
  static constexpr uint64_t kDateUnit[] = {7 * kSecondsPerDay, kSecondsPerDay};
  static constexpr uint64_t kClockUnit[] = {3600, 60, 1};
  uint64_t total = 0;
  bool in_clock = false, any = false, clock_any = false;
  size_t next_allowed = 0;  // index into the current designator list
  size_t i = 1;
  while (i < s.size()) {
    if (s[i] == 'T') {
      if (in_clock) return std::nullopt;
      in_clock = true;
      next_allowed = 0;
      ++i;
      continue;
    }
    uint64_t n = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s[i] - '0');
      if (++digits > 12) return std::nullopt;
      ++i;
    }
    if (digits == 0 || i == s.size()) return std::nullopt;
    std::string_view set = in_clock ? kClock : kDate;
    size_t k = set.find(s[i]);
    if (k == std::string_view::npos || k < next_allowed) return std::nullopt;
    total += n * (in_clock ? kClockUnit[k] : kDateUnit[k]);
    if (total > kDurationMaxSeconds) return std::nullopt;
    next_allowed = k + 1;
    any = true;
    clock_any |= in_clock;
    ++i;
  }
  if (!any || (in_clock && !clock_any)) return std::nullopt;
  return total;
}

std::string format_iso_duration(uint64_t seconds) {
  if (seconds == 0) return "PT0S";
  std::string out = "P";
  uint64_t d = seconds / kSecondsPerDay, rest = seconds % kSecondsPerDay;
  if (d) out += std::to_string(d) + "D";
  if (rest) {
    out += "T";
    if (rest / 3600) out += std::to_string(rest / 3600) + "H";
    if (rest % 3600 / 60) out += std::to_string(rest % 3600 / 60) + "M";
    if (rest % 60) out += std::to_string(rest % 60) + "S";
  }
  return out;
}

// Civil-calendar arithmetic over 400-year eras of 146,097 days, counted from 0000-03-01 so that the
// leap day falls at the end of each counted year.
int64_t days_from_civil(const CivilDate& d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;                                   // [0, 399]
  int64_t month_from_march = (d.month + 9) % 12;                         // Mar = 0 … Feb = 11
  int64_t day_of_year = (153 * month_from_march + 2) / 5 + d.day - 1;    // [0, 365]
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;  // 719,468 days from 0000-03-01 to 1970-01-01
}

CivilDate civil_from_days(int64_t days) {
  int64_t z = days + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t day_of_era = z - era * 146'097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  unsigned day = static_cast<unsigned>(day_of_year - (153 * mp + 2) / 5 + 1);
  unsigned month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<int64_t> add_months(int64_t time, int64_t months) {
  if (time < 0 || time > kTimeMax || months > 12 * 10'000 || months < -12 * 10'000) return std::nullopt;
  int64_t day = time / kSecondsPerDay, second_of_day = time % kSecondsPerDay;
  CivilDate c = civil_from_days(day);
  int64_t index = c.year * 12 + (c.month - 1) + months;
  CivilDate out{index / 12, static_cast<unsigned>(index % 12) + 1, 0};
  out.day = std::min(c.day, days_in_month(out.year, out.month));
  int64_t t = days_from_civil(out) * kSecondsPerDay + second_of_day;
  if (t < 0 || t > kTimeMax) return std::nullopt;
  return t;
}

bool Calendar::is_business_day(int64_t local_day) const {
  // 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
  int64_t weekday = ((local_day % 7) + 7 + 3) % 7;
  if (weekend_mask & (1u << weekday)) return false;
  return !std::binary_search(holidays.begin(), holidays.end(), local_day);
}

std::optional<int64_t> Calendar::add_business_days(int64_t time, uint32_t n) const {
  if (time < 0 || time > kTimeMax || n > kBusinessDaysMax) return std::nullopt;
  int64_t local = time + utc_offset_seconds;
  int64_t day = local / kSecondsPerDay, second_of_day = local % kSecondsPerDay;
  // At most n business days plus every closed day in between; a calendar that closes every day
  // would never end, so the walk is bounded by a fixed number of calendar days.
  int64_t limit = static_cast<int64_t>(n) * 7 + 400;
  for (uint32_t counted = 0; counted < n;) {
    ++day;
    if (--limit < 0) return std::nullopt;
    if (is_business_day(day)) ++counted;
  }
  int64_t t = day * kSecondsPerDay + second_of_day - utc_offset_seconds;
  if (t < 0 || t > kTimeMax) return std::nullopt;
  return t;
}

bool valid_calendar_id(std::string_view id) {
  size_t at = id.find('@');
  if (id.size() > 32 || at == std::string_view::npos || at == 0 || at + 1 == id.size()) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = i < at ? ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')
                     : (i == at || (c >= '0' && c <= '9') || c == '.');
    if (!ok) return false;
  }
  return true;
}

}  // namespace cx::alpha
