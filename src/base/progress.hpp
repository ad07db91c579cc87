#pragma once
// Progress of long work for people watching a log or a terminal: how much is left, the rate over the
// last interval and an estimated time to finish, at most one report per interval. Time comes with each
// call (the caller's clock), so the meter itself reads none.
#include <cstdint>
#include <optional>
#include <string>

namespace cx {

class ProgressMeter {
 public:
  struct Report {
    uint64_t done = 0;       // work done so far (a height, txs committed, ...)
    uint64_t remaining = 0;  // work left
    uint64_t rate_per_s = 0;       // done per second over the last interval (0: no progress)
    std::optional<uint64_t> eta_s;  // seconds to finish at that rate (none when nothing moved)
    bool finished = false;   // remaining reached 0 after a report said otherwise
    bool first = false;      // the work just appeared: no interval measured yet, so no rate
  };

  explicit ProgressMeter(int64_t interval_us) : m_interval_us(interval_us) {}

  // `done` counts up; `remaining` is what is left now. A report is due when work is left and the
  // interval passed since the last one (the first call starts the clock and reports at once), and
  // once more when the work is finished.
  std::optional<Report> update(int64_t now_us, uint64_t done, uint64_t remaining);

  // "1234 behind, 250/s, ETA 5s" (unit "" or e.g. " blocks"), for log lines.
  static std::string describe(const Report& r, const std::string& unit);

 private:
  int64_t m_interval_us;
  bool m_active = false;  // reported work left and not yet finished
  int64_t m_last_us = 0;
  uint64_t m_last_done = 0;
};

}  // namespace cx
