#include "base/uint256.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace cx {

using u128 = unsigned __int128;

Uint256 Uint256::max() {
  Uint256 r;
  r.m_limbs = {~0ull, ~0ull, ~0ull, ~0ull};
  return r;
}

std::strong_ordering Uint256::operator<=>(const Uint256& o) const {
  for (int i = 3; i >= 0; --i) {
    if (m_limbs[i] != o.m_limbs[i]) return m_limbs[i] <=> o.m_limbs[i];
  }
  return std::strong_ordering::equal;
}

unsigned Uint256::bit_length() const {
  for (int i = 3; i >= 0; --i) {
    if (m_limbs[i]) return 64 * i + (64 - __builtin_clzll(m_limbs[i]));
  }
  return 0;
}

std::optional<Uint256> Uint256::checked_add(const Uint256& o) const {
  Uint256 r;
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 s = static_cast<u128>(m_limbs[i]) + o.m_limbs[i] + carry;
    r.m_limbs[i] = static_cast<uint64_t>(s);
    carry = s >> 64;
  }
  if (carry) return std::nullopt;
  return r;
}

std::optional<Uint256> Uint256::checked_sub(const Uint256& o) const {
  if (*this < o) return std::nullopt;
  Uint256 r;
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 a = m_limbs[i];
    u128 b = static_cast<u128>(o.m_limbs[i]) + borrow;
    if (a >= b) {
      r.m_limbs[i] = static_cast<uint64_t>(a - b);
      borrow = 0;
    } else {
      r.m_limbs[i] = static_cast<uint64_t>((a + (static_cast<u128>(1) << 64)) - b);
      borrow = 1;
    }
  }
  return r;
}

std::optional<Uint256> Uint256::checked_mul(const Uint256& o) const {
  uint64_t out[8] = {};
  for (int i = 0; i < 4; ++i) {
    u128 carry = 0;
    for (int j = 0; j < 4; ++j) {
      u128 cur = static_cast<u128>(m_limbs[i]) * o.m_limbs[j] + out[i + j] + carry;
      out[i + j] = static_cast<uint64_t>(cur);
      carry = cur >> 64;
    }
    out[i + 4] += static_cast<uint64_t>(carry);
  }
  for (int k = 4; k < 8; ++k)
    if (out[k]) return std::nullopt;
  Uint256 r;
  for (int k = 0; k < 4; ++k) r.m_limbs[k] = out[k];
  return r;
}

Uint256 Uint256::div(const Uint256& d, Uint256* rem) const {
  CX_ASSERT(!d.is_zero());
  if (fits_u64() && d.fits_u64()) {
    if (rem) *rem = Uint256(m_limbs[0] % d.m_limbs[0]);
    return Uint256(m_limbs[0] / d.m_limbs[0]);
  }
  // Schoolbook binary long division; amounts are rarely divided and never on a hot path.
  Uint256 q, r;
  for (int bit = static_cast<int>(bit_length()) - 1; bit >= 0; --bit) {
    // r = (r << 1) | bit
    for (int i = 3; i > 0; --i) r.m_limbs[i] = (r.m_limbs[i] << 1) | (r.m_limbs[i - 1] >> 63);
    r.m_limbs[0] = (r.m_limbs[0] << 1) | ((m_limbs[bit / 64] >> (bit % 64)) & 1);
    if (r >= d) {
      r = *r.checked_sub(d);
      q.m_limbs[bit / 64] |= (1ull << (bit % 64));
    }
  }
  if (rem) *rem = r;
  return q;
}

std::optional<Uint256> Uint256::from_icon_hex(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') return std::nullopt;
  s.remove_prefix(2);
  if (s.size() > 64) {
    // allow leading zeros beyond 64 digits only if they are zeros
    size_t extra = s.size() - 64;
    for (size_t i = 0; i < extra; ++i)
      if (s[i] != '0') return std::nullopt;
    s.remove_prefix(extra);
  }
  Uint256 r;
  size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    int v = hex_digit_value(s[n - 1 - i]);
    if (v < 0) return std::nullopt;
    r.m_limbs[i / 16] |= static_cast<uint64_t>(v) << (4 * (i % 16));
  }
  return r;
}

std::optional<Uint256> Uint256::from_dec(std::string_view s) {
  if (s.empty() || s.size() > 78) return std::nullopt;
  Uint256 r;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto m = r.checked_mul(Uint256(10));
    if (!m) return std::nullopt;
    auto a = m->checked_add(Uint256(static_cast<uint64_t>(c - '0')));
    if (!a) return std::nullopt;
    r = *a;
  }
  return r;
}

std::optional<Uint256> Uint256::from_be_bytes(BytesView b) {
  if (b.size() > 32) return std::nullopt;
  Uint256 r;
  size_t n = b.size();
  for (size_t i = 0; i < n; ++i) r.m_limbs[i / 8] |= static_cast<uint64_t>(b[n - 1 - i]) << (8 * (i % 8));
  return r;
}

std::array<uint8_t, 32> Uint256::to_be_bytes() const {
  std::array<uint8_t, 32> out{};
  for (size_t i = 0; i < 32; ++i) out[31 - i] = static_cast<uint8_t>(m_limbs[i / 8] >> (8 * (i % 8)));
  return out;
}

Bytes Uint256::to_be_bytes_trimmed() const {
  auto full = to_be_bytes();
  size_t i = 0;
  while (i < 32 && full[i] == 0) ++i;
  return Bytes(full.begin() + static_cast<long>(i), full.end());
}

std::string Uint256::to_icon_hex() const {
  if (is_zero()) return "0x0";
  static constexpr char kDigits[] = "0123456789abcdef";
  // Sized once (one allocation at most): "0x" and the significant digits, most significant first.
  const size_t digits = (bit_length() + 3) / 4;
  std::string out(2 + digits, '0');
  out[1] = 'x';
  for (size_t i = 0; i < digits; ++i) out[out.size() - 1 - i] = kDigits[(m_limbs[i / 16] >> (4 * (i % 16))) & 0xf];
  return out;
}

std::string Uint256::to_dec() const {
  if (is_zero()) return "0";
  std::string out;
  Uint256 v = *this;
  const Uint256 ten(10);
  while (!v.is_zero()) {
    Uint256 r;
    v = v.div(ten, &r);
    out.push_back(static_cast<char>('0' + r.low_u64()));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace cx
