#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cx {

using Bytes = std::vector<uint8_t>;
using BytesView = std::span<const uint8_t>;

inline BytesView as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
inline std::string_view as_string_view(BytesView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Value of one hex digit (either case), or -1.
int hex_digit_value(char c);

// Lower-case hex without prefix.
std::string to_hex(BytesView b);
// Accepts upper/lower case, no prefix; nullopt on odd length or a non-hex digit.
std::optional<Bytes> from_hex(std::string_view s);

// A fixed-size byte string (hashes, addresses, keys) that orders and compares by bytes.
template <size_t N>
struct FixedBytes {
  std::array<uint8_t, N> bytes{};

  static constexpr size_t size() { return N; }
  uint8_t* data() { return bytes.data(); }
  const uint8_t* data() const { return bytes.data(); }
  BytesView view() const { return {bytes.data(), N}; }
  bool is_zero() const { for (auto b : bytes) if (b) return false; return true; }
  std::string hex() const { return to_hex(view()); }
  static std::optional<FixedBytes> from_view(BytesView b) {
    if (b.size() != N) return std::nullopt;
    FixedBytes r; std::memcpy(r.bytes.data(), b.data(), N); return r;
  }
  // Hex with or without 0x prefix, exactly 2N digits.
  static std::optional<FixedBytes> from_hex_string(std::string_view s) {
    if (s.starts_with("0x")) s.remove_prefix(2);
    if (s.size() != 2 * N) return std::nullopt;
    auto b = from_hex(s);
    if (!b) return std::nullopt;
    return from_view(*b);
  }
  auto operator<=>(const FixedBytes&) const = default;
  bool operator==(const FixedBytes&) const = default;
};

using Hash32 = FixedBytes<32>;

struct FixedBytesHasher {
  template <size_t N>
  size_t operator()(const FixedBytes<N>& h) const {
    size_t v; static_assert(N >= sizeof(size_t)); std::memcpy(&v, h.data(), sizeof v); return v;
  }
};

}  // namespace cx
