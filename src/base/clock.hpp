#pragma once
// The only way Complexchain reads time. The deterministic core never calls this: block time
// comes from the header; the simulator supplies its own Clock.
#include <cstdint>

namespace cx {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock microseconds since the Unix epoch (ICON timestamps are in µs).
  virtual int64_t now_us() const = 0;
  // Monotonic microseconds, for timers and measurements.
  virtual int64_t monotonic_us() const = 0;
};

// The real clock, used by node/ and channel/ at the edge.
Clock& system_clock();

}  // namespace cx
