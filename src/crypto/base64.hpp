#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace cx::crypto {
// Standard alphabet with '=' padding (RFC 4648 §4), as ICON signatures use.
std::string base64_encode(BytesView data);
// Strict decode: rejects bad characters, bad padding and non-canonical trailing bits.
std::optional<Bytes> base64_decode(std::string_view s);
}  // namespace cx::crypto
