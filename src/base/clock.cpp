#include "base/clock.hpp"

#include <chrono>

namespace cx {
namespace {
class SystemClock final : public Clock {
 public:
  int64_t now_us() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }
  int64_t monotonic_us() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
  }
};
}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}
}  // namespace cx
