#pragma once
// Logging facade: one line per event, "LEVEL component: message", to stderr.
#include <sstream>
#include <string_view>

namespace cx::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_level(Level level);
Level level();
void write(Level level, std::string_view component, std::string_view message);

}  // namespace cx::log

#define CX_LOG(lvl, component, expr)                                              \
  do {                                                                            \
    if (static_cast<int>(lvl) >= static_cast<int>(::cx::log::level())) {          \
      std::ostringstream cx_log_os_;                                              \
      cx_log_os_ << expr;                                                         \
      ::cx::log::write(lvl, component, cx_log_os_.str());                         \
    }                                                                             \
  } while (0)
#define CX_DEBUG(c, e) CX_LOG(::cx::log::Level::kDebug, c, e)
#define CX_INFO(c, e) CX_LOG(::cx::log::Level::kInfo, c, e)
#define CX_WARN(c, e) CX_LOG(::cx::log::Level::kWarn, c, e)
#define CX_ERROR(c, e) CX_LOG(::cx::log::Level::kError, c, e)
