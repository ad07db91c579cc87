#include "base/assert.hpp"

namespace cx::base {
void assert_fail(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "complexchain: assertion failed: %s at %s:%d%s%s\n", expr, file, line,
               msg ? ": " : "", msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace cx::base
