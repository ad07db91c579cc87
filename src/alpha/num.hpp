#pragma once
// Numbers of the Alpha expression language (docs/alpha.md §3): signed 256-bit integers in
// sign-magnitude form over Uint256 (the chain's amount type, so an amount never changes width on its
// way into or out of an expression), and exact fractions of them. Nothing rounds unless a template
// says floor() or ceil(); every operation that could overflow returns nullopt, which the evaluator
// turns into a typed failure. No floats.
#include <compare>
#include <optional>
#include <string>

#include "base/uint256.hpp"

namespace cx::alpha {

// A signed integer with |value| <= 2^256 - 1. Zero is never negative.
class Int {
 public:
  Int() = default;
  Int(uint64_t v) : m_mag(v) {}  // NOLINT: small literals are intended
  static Int of(const Uint256& magnitude, bool negative);

  bool negative() const { return m_neg; }
  const Uint256& magnitude() const { return m_mag; }
  bool is_zero() const { return m_mag.is_zero(); }
  std::string to_dec() const;

  std::optional<Int> add(const Int& o) const;
  std::optional<Int> sub(const Int& o) const;
  std::optional<Int> mul(const Int& o) const;
  Int negated() const { return of(m_mag, !m_neg); }

  std::strong_ordering operator<=>(const Int& o) const;
  bool operator==(const Int& o) const = default;

 private:
  bool m_neg = false;
  Uint256 m_mag;
};

Uint256 gcd(Uint256 a, Uint256 b);

// num / den, den > 0, reduced to lowest terms (so equal values compare equal field by field).
class Fraction {
 public:
  Fraction() = default;
  Fraction(Int whole) : m_num(whole) {}  // NOLINT
  // nullopt when den is zero.
  static std::optional<Fraction> of(const Int& num, const Uint256& den);

  const Int& num() const { return m_num; }
  const Uint256& den() const { return m_den; }
  bool is_integer() const { return m_den == Uint256(1); }
  std::string to_string() const;  // "7" or "-7/2"

  std::optional<Fraction> add(const Fraction& o) const;
  std::optional<Fraction> sub(const Fraction& o) const;
  std::optional<Fraction> mul(const Fraction& o) const;
  // nullopt on overflow; *div_by_zero set when o is zero.
  std::optional<Fraction> div(const Fraction& o, bool* div_by_zero) const;
  Int floor() const;
  std::optional<Int> ceil() const;
  // Exact comparison by cross-multiplication; nullopt if the products overflow.
  std::optional<std::strong_ordering> compare(const Fraction& o) const;

  bool operator==(const Fraction& o) const = default;

 private:
  Int m_num;
  Uint256 m_den = Uint256(1);
};

}  // namespace cx::alpha
