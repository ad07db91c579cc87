#pragma once
// Always-on invariant checks. A failed CX_ASSERT is a bug in Complexchain, never bad input:
// inputs are validated and rejected with a typed reason instead (see STYLE.md "Errors").
#include <cstdio>
#include <cstdlib>

namespace cx::base {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg);
}

#define CX_ASSERT(cond) \
  do { if (!(cond)) [[unlikely]] ::cx::base::assert_fail(#cond, __FILE__, __LINE__, nullptr); } while (0)
#define CX_ASSERT_MSG(cond, msg) \
  do { if (!(cond)) [[unlikely]] ::cx::base::assert_fail(#cond, __FILE__, __LINE__, (msg)); } while (0)
#define CX_UNREACHABLE() ::cx::base::assert_fail("unreachable", __FILE__, __LINE__, nullptr)
