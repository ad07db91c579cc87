// Deterministic evaluation of a type-checked expression (docs/alpha.md §3.3). Nodes are evaluated
// children-first in index order, so the cost of an evaluation is the node count, known at
// registration. Rates are exact fractions (20% = 1/5, 75bps = 3/400); only floor()/ceil() round.
// Times and durations stay within ±kTimeMax seconds, or the evaluation fails with kOverflow.
#include "alpha/expr.hpp"

namespace cx::alpha {

const char* failure_name(EvalFailure f) {
  switch (f) {
    case EvalFailure::kOverflow: return "overflow";
    case EvalFailure::kDivisionByZero: return "division_by_zero";
    case EvalFailure::kUnbound: return "unbound";
    case EvalFailure::kCalendar: return "calendar";
  }
  return "?";
}

namespace {

Fraction whole(uint64_t v) { return Fraction(Int(v)); }

std::optional<Fraction> scale(RatioUnit u) {
  Uint256 den = u == RatioUnit::kPercent ? Uint256(100) : u == RatioUnit::kBps ? Uint256(10'000) : Uint256(1'000'000);
  return Fraction::of(Int(1), den);
}

// An int64 view of a whole time value, or nullopt.
std::optional<int64_t> as_time(const Fraction& f) {
  if (!f.is_integer() || !f.num().magnitude().fits_u64()) return std::nullopt;
  uint64_t m = f.num().magnitude().low_u64();
  if (m > static_cast<uint64_t>(kTimeMax)) return std::nullopt;
  return f.num().negative() ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
}

class Evaluator {
 public:
  Evaluator(const Expr& e, const EvalEnv& env) : m_e(e), m_env(env), m_vals(e.nodes.size()) {}

  EvalResult run() {
    for (size_t i = 0; i < m_e.nodes.size(); ++i) {
      if (!node(static_cast<uint16_t>(i))) return m_fail;
    }
    return EvalResult{m_vals.back(), EvalFailure::kOverflow, {}};
  }

 private:
  bool fail(uint16_t i, EvalFailure f) {
    m_fail.value.reset();
    m_fail.failure = f;
    m_fail.detail = to_text(m_e, i);
    return false;
  }
  const Value& kid(const Node& n, size_t k) const { return m_vals[n.kids[k]]; }
  bool set_num(uint16_t i, Kind kind, std::optional<Fraction> f) {
    if (!f) return fail(i, EvalFailure::kOverflow);
    if (kind == Kind::kTime || kind == Kind::kDuration) {
      Uint256 mag = f->floor().magnitude();
      if (!mag.fits_u64() || mag.low_u64() > uint64_t(kTimeMax) + 1) return fail(i, EvalFailure::kOverflow);
    }
    m_vals[i] = Value{kind, *f, false, {}};
    return true;
  }
  bool set_bool(uint16_t i, bool b) {
    m_vals[i] = Value{Kind::kBool, {}, b, {}};
    return true;
  }

  bool node(uint16_t i) {
    const Node& n = m_e.nodes[i];
    switch (n.op) {
      case Op::kInt: return set_num(i, Kind::kNum, Fraction(n.raw));
      case Op::kRatio: return set_num(i, Kind::kNum, scale(n.unit)->mul(Fraction(n.raw)));
      case Op::kDuration: return set_num(i, Kind::kDuration, Fraction(n.raw));
      case Op::kBool: return set_bool(i, n.flag);
      case Op::kName: return lookup(i, m_env.name(n.name, &m_vals[i]), n.name);
      case Op::kField: return lookup(i, m_env.field(n.name, n.field, &m_vals[i]), {});
      case Op::kCall: return call(i, n);
      case Op::kNeg: {
        Value v = kid(n, 0);
        return set_num(i, v.kind, Fraction(Int(0)).sub(v.num));
      }
      case Op::kNot: return set_bool(i, !kid(n, 0).flag);
      case Op::kAnd: return set_bool(i, kid(n, 0).flag && kid(n, 1).flag);
      case Op::kOr: return set_bool(i, kid(n, 0).flag || kid(n, 1).flag);
      case Op::kAdd: return set_num(i, result_kind(n), kid(n, 0).num.add(kid(n, 1).num));
      case Op::kSub: return set_num(i, result_kind(n), kid(n, 0).num.sub(kid(n, 1).num));
      case Op::kMul: return set_num(i, result_kind(n), kid(n, 0).num.mul(kid(n, 1).num));
      case Op::kDiv: {
        bool by_zero = false;
        auto q = kid(n, 0).num.div(kid(n, 1).num, &by_zero);
        if (by_zero) return fail(i, EvalFailure::kDivisionByZero);
        return set_num(i, result_kind(n), q);
      }
      default: return compare(i, n);
    }
  }
  // Both operands are evaluated (no short-circuit): the cost of an expression does not depend on
  // its values, and an unbound operand is reported whichever side it is on.

  bool lookup(uint16_t i, EvalEnv::Lookup r, const std::string& enum_value) {
    if (r == EvalEnv::Lookup::kFound) return true;
    if (r == EvalEnv::Lookup::kNotAName && !enum_value.empty()) {
      m_vals[i] = Value{Kind::kEnum, {}, false, enum_value};
      return true;
    }
    return fail(i, EvalFailure::kUnbound);
  }

  // The dimension of an arithmetic result, as the type checker derived it.
  Kind result_kind(const Node& n) const {
    Kind a = kid(n, 0).kind, b = kid(n, 1).kind;
    if (n.op == Op::kDiv) return a == b ? Kind::kNum : a;
    if (n.op == Op::kMul) return a == Kind::kNum ? b : a;
    if (a == Kind::kTime && b == Kind::kTime) return Kind::kDuration;
    if (a == Kind::kTime || b == Kind::kTime) return Kind::kTime;
    return a == Kind::kNum ? b : a;  // a literal 0 takes the other side's dimension
  }

  bool compare(uint16_t i, const Node& n) {
    const Value &a = kid(n, 0), &b = kid(n, 1);
    if (n.op == Op::kEq || n.op == Op::kNe) {
      bool same = a.kind == Kind::kEnum || b.kind == Kind::kEnum || a.kind == Kind::kRole || a.kind == Kind::kAddress
                      ? a.sym == b.sym
                  : a.kind == Kind::kBool ? a.flag == b.flag
                                          : a.num == b.num;  // fractions are kept in lowest terms
      return set_bool(i, n.op == Op::kEq ? same : !same);
    }
    auto c = a.num.compare(b.num);
    if (!c) return fail(i, EvalFailure::kOverflow);
    switch (n.op) {
      case Op::kLt: return set_bool(i, *c < 0);
      case Op::kLe: return set_bool(i, *c <= 0);
      case Op::kGt: return set_bool(i, *c > 0);
      default: return set_bool(i, *c >= 0);
    }
  }

  bool call(uint16_t i, const Node& n) {
    const std::string& f = n.name;
    if (f == "floor") return set_num(i, kid(n, 0).kind, Fraction(kid(n, 0).num.floor()));
    if (f == "ceil") {
      auto c = kid(n, 0).num.ceil();
      if (!c) return fail(i, EvalFailure::kOverflow);
      return set_num(i, kid(n, 0).kind, Fraction(*c));
    }
    if (f == "min" || f == "max") {
      Value best = kid(n, 0);
      for (size_t k = 1; k < n.kids.size(); ++k) {
        auto c = kid(n, k).num.compare(best.num);
        if (!c) return fail(i, EvalFailure::kOverflow);
        if (f == "min" ? *c < 0 : *c > 0) best = kid(n, k);
      }
      for (size_t k = 0; k < n.kids.size(); ++k)
        if (kid(n, k).kind != Kind::kNum) best.kind = kid(n, k).kind;  // a literal 0 among amounts
      m_vals[i] = best;
      return true;
    }
    if (f == "paid" || f == "escrow") return money(i, n);
    // business_days / add_months: a time and a whole count.
    auto t = as_time(kid(n, 0).num);
    auto count = as_time(kid(n, 1).num);
    if (!t || !count) return fail(i, EvalFailure::kOverflow);
    std::optional<int64_t> r;
    if (f == "add_months") {
      r = add_months(*t, *count);
    } else {
      const Calendar* cal = m_env.calendar();
      if (!cal || *count < 0 || *count > kBusinessDaysMax) return fail(i, EvalFailure::kCalendar);
      r = cal->add_business_days(*t, static_cast<uint32_t>(*count));
      if (!r) return fail(i, EvalFailure::kCalendar);
    }
    if (!r) return fail(i, EvalFailure::kOverflow);
    return set_num(i, Kind::kTime, whole(static_cast<uint64_t>(*r)));
  }

  bool money(uint16_t i, const Node& n) {
    bool paid = n.name == "paid";
    size_t asset_arg = paid ? 1 : 0;
    std::optional<std::string> asset;
    if (n.kids.size() > asset_arg) asset = kid(n, asset_arg).sym;
    else asset = m_env.sole_asset();
    if (!asset) return fail(i, EvalFailure::kUnbound);
    auto amount = paid ? m_env.paid(kid(n, 0).sym, *asset) : m_env.escrow(*asset);
    if (!amount) return fail(i, EvalFailure::kUnbound);
    m_vals[i] = Value{Kind::kAmount, Fraction(Int::of(*amount, false)), false, {}};
    return true;
  }

  const Expr& m_e;
  const EvalEnv& m_env;
  std::vector<Value> m_vals;
  EvalResult m_fail;
};

}  // namespace

EvalResult eval_expr(const Expr& e, const EvalEnv& env) {
  if (e.empty()) return EvalResult{std::nullopt, EvalFailure::kUnbound, "empty"};
  return Evaluator(e, env).run();
}

}  // namespace cx::alpha
