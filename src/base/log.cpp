#include "base/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>
#include <sys/time.h>

#include "base/mutex.hpp"

namespace cx::log {

static std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
// Held while a line is written, so lines from different threads never interleave on stderr.
constinit static Mutex g_mutex;

void set_level(Level l) { g_level.store(static_cast<int>(l)); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

void write(Level l, std::string_view component, std::string_view message) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char ts[32];
  std::snprintf(ts, sizeof ts, "%02d:%02d:%02d.%03d", t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(tv.tv_usec / 1000));
  MutexLock lock(g_mutex);
  std::fprintf(stderr, "%s %-5s %.*s: %.*s\n", ts, kNames[static_cast<int>(l)],
               static_cast<int>(component.size()), component.data(), static_cast<int>(message.size()),
               message.data());
}

}  // namespace cx::log
