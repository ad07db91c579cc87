#include "base/progress.hpp"

namespace cx {

std::optional<ProgressMeter::Report> ProgressMeter::update(int64_t now_us, uint64_t done, uint64_t remaining) {
  if (remaining == 0) {
    if (!m_active) return std::nullopt;
    m_active = false;
    return Report{done, 0, 0, std::nullopt, /*finished=*/true, /*first=*/false};
  }
  if (!m_active) {
    m_active = true;
    m_last_us = now_us;
    m_last_done = done;
    return Report{done, remaining, 0, std::nullopt, false, /*first=*/true};
  }
  const int64_t elapsed = now_us - m_last_us;
  if (elapsed < m_interval_us || elapsed <= 0) return std::nullopt;
  const uint64_t moved = done > m_last_done ? done - m_last_done : 0;
  Report r{done, remaining, moved * 1'000'000 / static_cast<uint64_t>(elapsed), std::nullopt, false, false};
  // The ETA uses the exact rate (moved per elapsed), not the rounded one shown.
  if (moved > 0) r.eta_s = (remaining * static_cast<uint64_t>(elapsed) / moved + 999'999) / 1'000'000;
  m_last_us = now_us;
  m_last_done = done;
  return r;
}

std::string ProgressMeter::describe(const Report& r, const std::string& unit) {
  if (r.finished) return "done at " + std::to_string(r.done);
  if (r.first) return std::to_string(r.remaining) + unit + " to go";
  std::string s = std::to_string(r.remaining) + unit + " to go, " + std::to_string(r.rate_per_s) + unit + "/s, ETA ";
  if (!r.eta_s) return s + "unknown (no progress in the last interval)";
  const uint64_t t = *r.eta_s;
  if (t >= 3600) return s + std::to_string(t / 3600) + "h" + std::to_string(t % 3600 / 60) + "m";
  if (t >= 60) return s + std::to_string(t / 60) + "m" + std::to_string(t % 60) + "s";
  return s + std::to_string(t) + "s";
}

}  // namespace cx
