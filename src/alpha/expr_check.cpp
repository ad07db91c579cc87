// Type checking of expressions against a template's Scope (docs/alpha.md §3.2). Dimensions:
//   num ± num, amount(A) ± amount(A), duration ± duration, time ± duration, time - time = duration;
//   num * {num, amount, duration} keeps the other's dimension; x / num keeps x's (and may be a
//   fraction); amount(A) / amount(A) and duration / duration are nums. Rates (%, bps, ppm) are nums
//   that may be fractions. Anything that may be a fraction must pass floor()/ceil() before a template
//   pays or schedules it (the checker asks for whole values there).
#include "alpha/expr.hpp"

namespace cx::alpha {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kNum: return "num";
    case Kind::kAmount: return "amount";
    case Kind::kTime: return "time";
    case Kind::kDuration: return "duration";
    case Kind::kBool: return "bool";
    case Kind::kEnum: return "enum";
    case Kind::kRole: return "role";
    case Kind::kAsset: return "asset";
    case Kind::kAddress: return "address";
  }
  return "?";
}

std::string type_name(const Type& t) {
  std::string s = kind_name(t.kind);
  if (!t.domain.empty()) s += "(" + t.domain + ")";
  if (t.frac) s += " (may be a fraction)";
  return s;
}

namespace {

using Checked = std::variant<Type, ExprError>;

bool is_quantity(Kind k) { return k == Kind::kNum || k == Kind::kAmount || k == Kind::kDuration; }
bool ordered(Kind k) { return is_quantity(k) || k == Kind::kTime; }
bool same_dim(const Type& a, const Type& b) { return a.kind == b.kind && a.domain == b.domain; }

class Checker {
 public:
  Checker(const Expr& e, const Scope& s) : m_e(e), m_s(s), m_types(e.nodes.size()) {}

  Checked run() {
    for (size_t i = 0; i < m_e.nodes.size(); ++i) {
      auto t = node(static_cast<uint16_t>(i));
      if (!t) return ExprError{m_error};
      m_types[i] = *t;
    }
    return m_types.back();
  }

 private:
  std::optional<Type> bad(uint16_t i, const std::string& why) {
    m_error = "in '" + to_text(m_e, i) + "': " + why;
    return std::nullopt;
  }
  const Type& kid(const Node& n, size_t k) const { return m_types[n.kids[k]]; }
  // A literal 0 is zero of any quantity: "max(delivered.time - deliver_by, 0)", "paid(bidder) == 0".
  bool zero(uint16_t i) const { return m_e.nodes[i].op == Op::kInt && m_e.nodes[i].raw.is_zero(); }
  Type adopt(uint16_t i, uint16_t other) const {
    Type t = m_types[i];
    const Type& o = m_types[other];
    if (zero(i) && (is_quantity(o.kind) || o.kind == Kind::kDuration)) t = Type{o.kind, o.domain, false};
    return t;
  }
  bool is_enum_literal(uint16_t i, const Type& other) const {
    const Node& n = m_e.nodes[i];
    return n.op == Op::kName && other.kind == Kind::kEnum && m_s.enum_has(other.domain, n.name);
  }

  std::optional<Type> node(uint16_t i) {
    const Node& n = m_e.nodes[i];
    switch (n.op) {
      case Op::kInt: return Type{Kind::kNum, "", false};
      case Op::kRatio: return Type{Kind::kNum, "", true};
      case Op::kDuration: return Type{Kind::kDuration, "", false};
      case Op::kBool: return Type{Kind::kBool, "", false};
      case Op::kName: {
        if (auto t = m_s.name(n.name)) return t;
        // Possibly an enum value; the comparison that uses it decides (see compare()).
        return Type{Kind::kEnum, "", false};
      }
      case Op::kField: {
        std::string why;
        if (auto t = m_s.field(n.name, n.field, &why)) return t;
        return bad(i, why);
      }
      case Op::kCall: return call(i, n);
      case Op::kNeg:
        if (!is_quantity(kid(n, 0).kind)) return bad(i, "cannot negate a " + type_name(kid(n, 0)));
        return kid(n, 0);
      case Op::kNot:
      case Op::kAnd:
      case Op::kOr:
        for (size_t k = 0; k < n.kids.size(); ++k)
          if (kid(n, k).kind != Kind::kBool || !usable(n.kids[k]))
            return bad(i, "'" + to_text(m_e, n.kids[k]) + "' is a " + type_name(kid(n, k)) + ", not a bool");
        return Type{Kind::kBool, "", false};
      case Op::kAdd: case Op::kSub: return additive(i, n);
      case Op::kMul: return multiply(i, n);
      case Op::kDiv: return divide(i, n);
      default: return compare(i, n);
    }
  }

  // A bare name typed as an unresolved enum value may appear only as a comparison operand.
  bool usable(uint16_t i) const {
    const Node& n = m_e.nodes[i];
    return !(n.op == Op::kName && m_types[i].kind == Kind::kEnum && m_types[i].domain.empty());
  }
  std::optional<Type> unknown(uint16_t i) { return bad(i, "unknown name '" + m_e.nodes[i].name + "'"); }

  std::optional<Type> additive(uint16_t i, const Node& n) {
    for (auto k : n.kids)
      if (!usable(k)) return unknown(k);
    const Type a = adopt(n.kids[0], n.kids[1]), b = adopt(n.kids[1], n.kids[0]);
    bool frac = a.frac || b.frac;
    if (same_dim(a, b) && is_quantity(a.kind)) return Type{a.kind, a.domain, frac};
    if (a.kind == Kind::kTime && b.kind == Kind::kDuration) return Type{Kind::kTime, "", frac};
    if (n.op == Op::kAdd && a.kind == Kind::kDuration && b.kind == Kind::kTime) return Type{Kind::kTime, "", frac};
    if (n.op == Op::kSub && a.kind == Kind::kTime && b.kind == Kind::kTime) return Type{Kind::kDuration, "", frac};
    return bad(i, std::string("cannot ") + (n.op == Op::kAdd ? "add " : "subtract ") + type_name(b) +
                      (n.op == Op::kAdd ? " to " : " from ") + type_name(a));
  }
  std::optional<Type> multiply(uint16_t i, const Node& n) {
    for (auto k : n.kids)
      if (!usable(k)) return unknown(k);
    const Type &a = kid(n, 0), &b = kid(n, 1);
    bool frac = a.frac || b.frac;
    if (a.kind == Kind::kNum && is_quantity(b.kind)) return Type{b.kind, b.domain, frac};
    if (b.kind == Kind::kNum && is_quantity(a.kind)) return Type{a.kind, a.domain, frac};
    return bad(i, "cannot multiply " + type_name(a) + " by " + type_name(b));
  }
  std::optional<Type> divide(uint16_t i, const Node& n) {
    for (auto k : n.kids)
      if (!usable(k)) return unknown(k);
    const Type &a = kid(n, 0), &b = kid(n, 1);
    if (b.kind == Kind::kNum && is_quantity(a.kind)) return Type{a.kind, a.domain, true};
    if (same_dim(a, b) && (a.kind == Kind::kAmount || a.kind == Kind::kDuration)) return Type{Kind::kNum, "", true};
    return bad(i, "cannot divide " + type_name(a) + " by " + type_name(b));
  }
  std::optional<Type> compare(uint16_t i, const Node& n) {
    uint16_t l = n.kids[0], r = n.kids[1];
    const Type a = adopt(l, r), b = adopt(r, l);
    bool eq = n.op == Op::kEq || n.op == Op::kNe;
    if (eq && (is_enum_literal(l, b) || is_enum_literal(r, a))) return Type{Kind::kBool, "", false};
    if (!usable(l)) return a.kind == Kind::kEnum && !b.domain.empty() && b.kind == Kind::kEnum
                              ? bad(i, "'" + m_e.nodes[l].name + "' is not a value of " + type_name(b))
                              : unknown(l);
    if (!usable(r)) return b.kind == Kind::kEnum && !a.domain.empty() && a.kind == Kind::kEnum
                              ? bad(i, "'" + m_e.nodes[r].name + "' is not a value of " + type_name(a))
                              : unknown(r);
    if (!same_dim(a, b)) return bad(i, "cannot compare " + type_name(a) + " with " + type_name(b));
    if (!eq && !ordered(a.kind)) return bad(i, std::string(kind_name(a.kind)) + " values have no order");
    return Type{Kind::kBool, "", false};
  }

  std::optional<Type> call(uint16_t i, const Node& n) {
    const std::string& f = n.name;
    size_t argc = n.kids.size();
    for (auto k : n.kids)
      if (!usable(k) && f != "paid" && f != "escrow") return unknown(k);
    if (f == "floor" || f == "ceil") {
      if (argc != 1 || !ordered(kid(n, 0).kind)) return bad(i, f + "() takes one number, amount, duration or time");
      Type t = kid(n, 0);
      t.frac = false;
      return t;
    }
    if (f == "min" || f == "max") {
      if (argc < 2) return bad(i, f + "() takes two or more values of one type");
      Type t = kid(n, 0);
      for (size_t k = 0; k < argc; ++k)
        if (!zero(n.kids[k])) t = kid(n, k);  // the zeros take the others' dimension
      t.frac = false;
      for (size_t k = 0; k < argc; ++k) {
        const Type& a = zero(n.kids[k]) ? t : kid(n, k);
        if (!same_dim(a, t) || !ordered(t.kind))
          return bad(i, f + "() takes values of one ordered type; got " + type_name(t) + " and " + type_name(a));
        t.frac = t.frac || a.frac;
      }
      return t;
    }
    if (f == "paid" || f == "escrow") return money_call(i, n);
    if (f == "business_days" || f == "add_months") {
      if (argc != 2 || kid(n, 0).kind != Kind::kTime || kid(n, 1).kind != Kind::kNum || kid(n, 0).frac ||
          kid(n, 1).frac)
        return bad(i, f + "() takes a time and a whole number");
      if (f == "business_days" && !m_s.has_calendar())
        return bad(i, "business_days() needs the template's calendar");
      return Type{Kind::kTime, "", false};
    }
    return bad(i, "unknown function '" + f + "'");
  }
  // paid(role [, asset]): what a role (or a chosen member) has paid into the escrow so far.
  // escrow([asset]): the escrow's balance now.
  std::optional<Type> money_call(uint16_t i, const Node& n) {
    bool paid = n.name == "paid";
    size_t first_asset = paid ? 1 : 0;
    if (n.kids.size() < first_asset || n.kids.size() > first_asset + 1)
      return bad(i, paid ? "paid() takes a role and, optionally, an asset" : "escrow() takes an optional asset");
    if (paid && (kid(n, 0).kind != Kind::kRole))
      return bad(i, "'" + to_text(m_e, n.kids[0]) + "' is not a role");
    std::string asset;
    if (n.kids.size() > first_asset) {
      if (kid(n, first_asset).kind != Kind::kAsset)
        return bad(i, "'" + to_text(m_e, n.kids[first_asset]) + "' is not an asset");
      asset = kid(n, first_asset).domain;
    } else if (auto sole = m_s.sole_asset()) {
      asset = *sole;
    } else {
      return bad(i, "the template has several assets: name one");
    }
    return Type{Kind::kAmount, asset, false};
  }

  const Expr& m_e;
  const Scope& m_s;
  std::vector<Type> m_types;
  std::string m_error;
};

}  // namespace

Checked check_expr(const Expr& e, const Scope& scope) {
  if (e.empty()) return ExprError{"empty expression"};
  Checked r = Checker(e, scope).run();
  if (auto* t = std::get_if<Type>(&r)) {
    if (t->kind == Kind::kEnum && t->domain.empty() && e.root().op == Op::kName)
      return ExprError{"unknown name '" + e.root().name + "'"};
  }
  return r;
}

}  // namespace cx::alpha
