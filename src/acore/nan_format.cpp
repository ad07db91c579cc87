// One spelling of NaN wherever Lua turns a float into text (docs/acore.md "Sandbox", Floats).
//
// Lua writes a float as text through C's snprintf with the format LUAI_NUMFFORMAT ("%.14g"): for `..`,
// for a float passed where a string is expected, for string.format's "%.14g". glibc prints a NaN whose
// sign bit is set as "-nan", and which NaN `0/0` makes depends on the processor: x86 makes the negative
// one, ARM the positive one. So `"" .. 0/0` is "-nan" on one validator and "nan" on another, and a
// contract that stores, hashes or compares it diverges. That code is in Debian's liblua5.4, which we do
// not build; the format is a compile-time constant there.
//
// The executable therefore defines snprintf and __snprintf_chk (liblua calls the latter when built with
// _FORTIFY_SOURCE, the former otherwise). The dynamic linker resolves liblua's calls to the executable's
// definitions first, as for any symbol an executable defines. Both forward every call to glibc's
// vsnprintf family unchanged, except the one case that leaks: the format "%.14g" with a NaN argument,
// which prints "nan" (as tostring does). string.format's other conversions get NaN arguments with the
// sign bit cleared (lua_stdlib.cpp, safe_format). new_vm checks at start that the interposition holds
// (nan_format_is_canonical) and refuses to make a Lua state otherwise.
// This file includes no stdio header on purpose: glibc's own declarations (and, under _FORTIFY_SOURCE,
// its inline wrappers) of snprintf must not meet the definitions below.
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstring>

extern "C" {
// glibc's formatters (exported since 2.2.5 and 2.3.4), which its own snprintf and __snprintf_chk call.
int vsnprintf(char* s, size_t maxlen, const char* format, va_list ap) noexcept;  // NOLINT
int __vsnprintf_chk(char* s, size_t maxlen, int flag, size_t slen, const char* format, va_list ap) noexcept;  // NOLINT

namespace {

constexpr char kLuaFloatFormat[] = "%.14g";

// The text for (format, args) when it must not come from glibc, or nullptr.
const char* canonical_text(const char* format, va_list ap) {
  if (std::strcmp(format, kLuaFloatFormat) != 0) return nullptr;
  va_list copy;
  va_copy(copy, ap);
  const double d = va_arg(copy, double);
  va_end(copy);
  return std::isnan(d) ? "nan" : nullptr;
}

int write_text(char* s, size_t maxlen, const char* text) {
  const size_t n = std::strlen(text);
  if (maxlen > 0) {
    const size_t k = n < maxlen - 1 ? n : maxlen - 1;
    std::memcpy(s, text, k);
    s[k] = '\0';
  }
  return static_cast<int>(n);
}

}  // namespace

int __snprintf_chk(char* s, size_t maxlen, int flag, size_t slen, const char* format, ...) noexcept {  // NOLINT
  va_list ap;
  va_start(ap, format);
  const char* text = canonical_text(format, ap);
  const int n = text != nullptr ? write_text(s, maxlen, text) : __vsnprintf_chk(s, maxlen, flag, slen, format, ap);
  va_end(ap);
  return n;
}

int snprintf(char* s, size_t maxlen, const char* format, ...) noexcept {  // NOLINT
  va_list ap;
  va_start(ap, format);
  const char* text = canonical_text(format, ap);
  const int n = text != nullptr ? write_text(s, maxlen, text) : vsnprintf(s, maxlen, format, ap);
  va_end(ap);
  return n;
}

}  // extern "C"

namespace cx::acore::lua {

// Referenced by new_vm, so that this file is always linked into a program that runs contracts.
bool nan_format_interposed() { return true; }

}  // namespace cx::acore::lua
