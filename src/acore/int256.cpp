#include "acore/int256.hpp"

namespace cx::acore {

namespace {
constexpr size_t kTwosComplementBytesMax = 33;  // 256 magnitude bits and a sign bit

// Subtracts the magnitude from 2^(8n) in n bytes: two's complement of a negative value.
void negate_bytes(uint8_t* b, size_t n) {
  unsigned carry = 1;
  for (size_t i = n; i-- > 0;) {
    unsigned v = static_cast<uint8_t>(~b[i]) + carry;
    b[i] = static_cast<uint8_t>(v);
    carry = v >> 8;
  }
}
}  // namespace

Int256::Int256(int64_t v)
    : m_magnitude(v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v)), m_negative(v < 0) {}

Int256 Int256::from_magnitude(Uint256 magnitude, bool negative) {
  Int256 r;
  r.m_magnitude = magnitude;
  r.m_negative = negative && !magnitude.is_zero();
  return r;
}

std::optional<Int256> Int256::from_icon_hex(std::string_view s) {
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  auto m = Uint256::from_icon_hex(s);
  if (!m) return std::nullopt;
  return from_magnitude(*m, negative);
}

std::optional<Int256> Int256::from_dec(std::string_view s) {
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  auto m = Uint256::from_dec(s);
  if (!m) return std::nullopt;
  return from_magnitude(*m, negative);
}

std::optional<Int256> Int256::from_twos_complement(BytesView b) {
  if (b.empty() || b.size() > kTwosComplementBytesMax) return std::nullopt;
  uint8_t buf[kTwosComplementBytesMax];
  std::copy(b.begin(), b.end(), buf);
  const bool negative = (buf[0] & 0x80) != 0;
  if (negative) negate_bytes(buf, b.size());
  size_t skip = 0;
  while (skip < b.size() && buf[skip] == 0) ++skip;
  if (b.size() - skip > 32) return std::nullopt;
  auto m = Uint256::from_be_bytes(BytesView(buf + skip, b.size() - skip));
  if (!m) return std::nullopt;
  return from_magnitude(*m, negative);
}

std::string Int256::to_icon_hex() const { return (m_negative ? "-" : "") + m_magnitude.to_icon_hex(); }
std::string Int256::to_dec() const { return (m_negative ? "-" : "") + m_magnitude.to_dec(); }

Bytes Int256::to_twos_complement() const {
  Bytes mag = m_magnitude.to_be_bytes_trimmed();
  Bytes out;
  out.reserve(mag.size() + 1);
  if (mag.empty() || (mag[0] & 0x80) != 0) out.push_back(0);
  out.insert(out.end(), mag.begin(), mag.end());
  if (!m_negative) return out;
  negate_bytes(out.data(), out.size());
  // Minimal form: drop a leading 0xff while the next byte keeps the sign bit.
  size_t skip = 0;
  while (skip + 1 < out.size() && out[skip] == 0xff && (out[skip + 1] & 0x80) != 0) ++skip;
  out.erase(out.begin(), out.begin() + static_cast<ptrdiff_t>(skip));
  return out;
}

std::optional<int64_t> Int256::to_int64() const {
  if (!m_magnitude.fits_u64()) return std::nullopt;
  const uint64_t m = m_magnitude.low_u64();
  if (!m_negative) {
    if (m > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(m);
  }
  if (m > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
  return static_cast<int64_t>(~m + 1);
}

std::optional<Int256> Int256::add(const Int256& o) const {
  if (m_negative == o.m_negative) {
    auto m = m_magnitude.checked_add(o.m_magnitude);
    if (!m) return std::nullopt;
    return from_magnitude(*m, m_negative);
  }
  if (m_magnitude >= o.m_magnitude) return from_magnitude(*m_magnitude.checked_sub(o.m_magnitude), m_negative);
  return from_magnitude(*o.m_magnitude.checked_sub(m_magnitude), o.m_negative);
}

std::optional<Int256> Int256::sub(const Int256& o) const { return add(o.negated()); }

std::optional<Int256> Int256::mul(const Int256& o) const {
  auto m = m_magnitude.checked_mul(o.m_magnitude);
  if (!m) return std::nullopt;
  return from_magnitude(*m, m_negative != o.m_negative);
}

std::optional<Int256> Int256::floor_div(const Int256& o) const {
  if (o.is_zero()) return std::nullopt;
  Uint256 rem;
  Uint256 q = m_magnitude.div(o.m_magnitude, &rem);
  const bool negative = m_negative != o.m_negative;
  // Floor: a negative quotient with a remainder rounds away from zero.
  if (negative && !rem.is_zero()) {
    auto q1 = q.checked_add(Uint256(1));
    if (!q1) return std::nullopt;
    q = *q1;
  }
  return from_magnitude(q, negative);
}

std::optional<Int256> Int256::floor_mod(const Int256& o) const {
  if (o.is_zero()) return std::nullopt;
  Uint256 rem;
  (void)m_magnitude.div(o.m_magnitude, &rem);
  if (rem.is_zero()) return Int256();
  // Lua's %: the result takes the divisor's sign.
  if (m_negative != o.m_negative) return from_magnitude(*o.m_magnitude.checked_sub(rem), o.m_negative);
  return from_magnitude(rem, o.m_negative);
}

std::optional<Int256> Int256::pow(uint64_t exponent) const {
  Int256 result(1), base = *this;
  while (exponent != 0) {
    if (exponent & 1) {
      auto r = result.mul(base);
      if (!r) return std::nullopt;
      result = *r;
    }
    exponent >>= 1;
    if (exponent != 0) {
      auto b = base.mul(base);
      if (!b) return std::nullopt;
      base = *b;
    }
  }
  return result;
}

std::strong_ordering Int256::operator<=>(const Int256& o) const {
  if (m_negative != o.m_negative) return m_negative ? std::strong_ordering::less : std::strong_ordering::greater;
  return m_negative ? o.m_magnitude <=> m_magnitude : m_magnitude <=> o.m_magnitude;
}

}  // namespace cx::acore
