#pragma once
// Contract integers (ICON's `int`): signed, with a magnitude below 2^256, so every amount (an unsigned
// 256-bit loop value) and its negation fit. Arithmetic is checked: a result out of range is nullopt,
// never a wrap. Lua's `int` userdata (lua_int.cpp) is this type.
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/uint256.hpp"

namespace cx::acore {

class Int256 {
 public:
  Int256() = default;
  Int256(int64_t v);  // NOLINT: implicit from Lua integers is intended
  static Int256 from_magnitude(Uint256 magnitude, bool negative);

  // "0x1f", "-0x1f" (ICON's hex ints; at most 64 digits after leading zeros).
  static std::optional<Int256> from_icon_hex(std::string_view s);
  // "123", "-123".
  static std::optional<Int256> from_dec(std::string_view s);
  // Two's complement, big-endian, at most 33 bytes (as ICON's storage and Java's BigInteger hold ints).
  static std::optional<Int256> from_twos_complement(BytesView b);

  std::string to_icon_hex() const;  // "0x0", "0x1f", "-0x1f"
  std::string to_dec() const;
  Bytes to_twos_complement() const;  // minimal: 0 is one 0x00 byte

  bool is_zero() const { return m_magnitude.is_zero(); }
  bool negative() const { return m_negative; }
  const Uint256& magnitude() const { return m_magnitude; }
  // The value as int64 if it fits.
  std::optional<int64_t> to_int64() const;

  std::optional<Int256> add(const Int256& o) const;
  std::optional<Int256> sub(const Int256& o) const;
  std::optional<Int256> mul(const Int256& o) const;
  // Floor division and modulo, as Lua's // and % on integers; nullopt on a zero divisor.
  std::optional<Int256> floor_div(const Int256& o) const;
  std::optional<Int256> floor_mod(const Int256& o) const;
  std::optional<Int256> pow(uint64_t exponent) const;
  Int256 negated() const { return from_magnitude(m_magnitude, !m_negative); }

  std::strong_ordering operator<=>(const Int256& o) const;
  bool operator==(const Int256& o) const = default;

 private:
  Uint256 m_magnitude;
  bool m_negative = false;  // never true for zero
};

}  // namespace cx::acore
