#include "alpha/num.hpp"

namespace cx::alpha {

Int Int::of(const Uint256& magnitude, bool negative) {
  Int r;
  r.m_mag = magnitude;
  r.m_neg = negative && !magnitude.is_zero();
  return r;
}

std::string Int::to_dec() const { return (m_neg ? "-" : "") + m_mag.to_dec(); }

std::optional<Int> Int::add(const Int& o) const {
  if (m_neg == o.m_neg) {
    auto s = m_mag.checked_add(o.m_mag);
    if (!s) return std::nullopt;
    return of(*s, m_neg);
  }
  // Opposite signs: subtract the smaller magnitude from the larger; the larger one's sign wins.
  if (m_mag >= o.m_mag) return of(*m_mag.checked_sub(o.m_mag), m_neg);
  return of(*o.m_mag.checked_sub(m_mag), o.m_neg);
}

std::optional<Int> Int::sub(const Int& o) const { return add(o.negated()); }

std::optional<Int> Int::mul(const Int& o) const {
  auto p = m_mag.checked_mul(o.m_mag);
  if (!p) return std::nullopt;
  return of(*p, m_neg != o.m_neg);
}

std::strong_ordering Int::operator<=>(const Int& o) const {
  if (m_neg != o.m_neg) return m_neg ? std::strong_ordering::less : std::strong_ordering::greater;
  auto c = m_mag <=> o.m_mag;
  if (!m_neg) return c;
  return 0 <=> c;  // both negative: the larger magnitude is the smaller number
}

Uint256 gcd(Uint256 a, Uint256 b) {
  while (!b.is_zero()) {
    Uint256 r;
    a.div(b, &r);
    a = b;
    b = r;
  }
  return a;
}

std::optional<Fraction> Fraction::of(const Int& num, const Uint256& den) {
  if (den.is_zero()) return std::nullopt;
  Fraction f;
  Uint256 g = gcd(num.magnitude(), den);
  if (num.is_zero()) g = den;
  f.m_num = Int::of(num.magnitude().div(g), num.negative());
  f.m_den = den.div(g);
  return f;
}

std::string Fraction::to_string() const {
  if (is_integer()) return m_num.to_dec();
  return m_num.to_dec() + "/" + m_den.to_dec();
}

std::optional<Fraction> Fraction::add(const Fraction& o) const {
  if (m_den == o.m_den) {
    auto n = m_num.add(o.m_num);
    if (!n) return std::nullopt;
    return of(*n, m_den);
  }
  // a/b + c/d over the least common denominator l = b/g*d, g = gcd(b, d).
  Uint256 g = gcd(m_den, o.m_den);
  auto l = m_den.div(g).checked_mul(o.m_den);
  if (!l) return std::nullopt;
  auto a = m_num.mul(Int::of(l->div(m_den), false));
  auto c = o.m_num.mul(Int::of(l->div(o.m_den), false));
  if (!a || !c) return std::nullopt;
  auto n = a->add(*c);
  if (!n) return std::nullopt;
  return of(*n, *l);
}

std::optional<Fraction> Fraction::sub(const Fraction& o) const {
  Fraction neg = o;
  neg.m_num = o.m_num.negated();
  return add(neg);
}

std::optional<Fraction> Fraction::mul(const Fraction& o) const {
  // Cancel across before multiplying so bps * ppm chains stay small.
  Uint256 g1 = gcd(m_num.magnitude(), o.m_den);
  Uint256 g2 = gcd(o.m_num.magnitude(), m_den);
  if (g1.is_zero()) g1 = Uint256(1);
  if (g2.is_zero()) g2 = Uint256(1);
  auto n = Int::of(m_num.magnitude().div(g1), m_num.negative())
               .mul(Int::of(o.m_num.magnitude().div(g2), o.m_num.negative()));
  auto d = m_den.div(g2).checked_mul(o.m_den.div(g1));
  if (!n || !d) return std::nullopt;
  return of(*n, *d);
}

std::optional<Fraction> Fraction::div(const Fraction& o, bool* div_by_zero) const {
  *div_by_zero = o.m_num.is_zero();
  if (*div_by_zero) return std::nullopt;
  Fraction inv;
  inv.m_num = Int::of(o.m_den, o.m_num.negative());
  inv.m_den = o.m_num.magnitude();
  return mul(inv);
}

Int Fraction::floor() const {
  Uint256 rem;
  Uint256 q = m_num.magnitude().div(m_den, &rem);
  if (m_num.negative() && !rem.is_zero()) return Int::of(*q.checked_add(Uint256(1)), true);
  return Int::of(q, m_num.negative());
}

std::optional<Int> Fraction::ceil() const {
  Uint256 rem;
  Uint256 q = m_num.magnitude().div(m_den, &rem);
  if (!m_num.negative() && !rem.is_zero()) {
    auto up = q.checked_add(Uint256(1));
    if (!up) return std::nullopt;
    return Int::of(*up, false);
  }
  return Int::of(q, m_num.negative());
}

std::optional<std::strong_ordering> Fraction::compare(const Fraction& o) const {
  auto l = m_num.mul(Int::of(o.m_den, false));
  auto r = o.m_num.mul(Int::of(m_den, false));
  if (!l || !r) return std::nullopt;
  return *l <=> *r;
}

}  // namespace cx::alpha
