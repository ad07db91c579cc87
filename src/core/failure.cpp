#include "core/failure.hpp"

namespace cx::core {
namespace {

constexpr std::string_view kEllipsis = "\xe2\x80\xa6";  // "…"

// The largest n <= bytes_max at which `text` can be cut without splitting a UTF-8 sequence: a cut
// never lands on a continuation byte (10xxxxxx).
size_t utf8_cut(std::string_view text, size_t bytes_max) {
  if (text.size() <= bytes_max) return text.size();
  size_t n = bytes_max;
  while (n > 0 && (static_cast<uint8_t>(text[n]) & 0xc0) == 0x80) --n;
  return n;
}

}  // namespace

std::string clip_utf8(std::string_view text, size_t bytes_max) {
  if (text.size() <= bytes_max) return std::string(text);
  const size_t keep = bytes_max < kEllipsis.size() ? 0 : bytes_max - kEllipsis.size();
  std::string out(text.substr(0, utf8_cut(text, keep)));
  if (bytes_max >= kEllipsis.size()) out += kEllipsis;
  return out;
}

Failure make_failure(FailureCode code, std::string message) {
  if (message.size() > kFailureMessageBytesMax) message = clip_utf8(message, kFailureMessageBytesMax);
  return Failure{code, std::move(message)};
}

}  // namespace cx::core
