#pragma once
// Unsigned 256-bit integer for amounts (loop), steps and supply. No floats anywhere near money.
// Arithmetic that can overflow comes in checked form returning std::nullopt.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace cx {

class Uint256 {
 public:
  constexpr Uint256() = default;
  constexpr Uint256(uint64_t v) : m_limbs{v, 0, 0, 0} {}  // NOLINT: implicit from small ints is intended

  static Uint256 max();
  // ICON hex: "0x" + hex digits (1..64, either case). nullopt otherwise.
  static std::optional<Uint256> from_icon_hex(std::string_view s);
  // Decimal digits only (no sign), at most 78 digits, must fit.
  static std::optional<Uint256> from_dec(std::string_view s);
  // Big-endian, up to 32 bytes.
  static std::optional<Uint256> from_be_bytes(BytesView b);

  std::string to_icon_hex() const;  // "0x0" for zero, no leading zeros
  std::string to_dec() const;
  std::array<uint8_t, 32> to_be_bytes() const;
  Bytes to_be_bytes_trimmed() const;  // minimal big-endian (empty for zero)

  bool is_zero() const { return (m_limbs[0] | m_limbs[1] | m_limbs[2] | m_limbs[3]) == 0; }
  bool fits_u64() const { return (m_limbs[1] | m_limbs[2] | m_limbs[3]) == 0; }
  uint64_t low_u64() const { return m_limbs[0]; }
  unsigned bit_length() const;

  std::optional<Uint256> checked_add(const Uint256& o) const;
  std::optional<Uint256> checked_sub(const Uint256& o) const;
  std::optional<Uint256> checked_mul(const Uint256& o) const;
  // Division by zero is a bug (assert); callers check.
  Uint256 div(const Uint256& d, Uint256* rem = nullptr) const;

  std::strong_ordering operator<=>(const Uint256& o) const;
  bool operator==(const Uint256& o) const = default;

 private:
  std::array<uint64_t, 4> m_limbs{};  // little-endian limbs
};

}  // namespace cx
