#include <gtest/gtest.h>

#include <map>

#include "alpha/expr.hpp"

namespace cx::alpha {
namespace {

Expr parse_ok(std::string_view text) {
  auto r = parse_expr(text);
  if (auto* e = std::get_if<ExprError>(&r)) ADD_FAILURE() << text << ": " << e->message;
  return std::holds_alternative<Expr>(r) ? std::get<Expr>(r) : Expr{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_expr(text);
  return std::holds_alternative<ExprError>(r) ? std::get<ExprError>(r).message : std::string("(parsed)");
}

TEST(Expr, PrintsCanonicallyAndReparsesToTheSameTree) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"price*deposit_bps/10000", "price * deposit_bps / 10000"},
      {"a - (b - c)", "a - (b - c)"},
      {"(a - b) - c", "a - b - c"},
      {"min( shipped.time+P21D , lc_expiry )", "min(shipped.time + P21D, lc_expiry)"},
      {"!(a && b) || c", "!(a && b) || c"},
      {"!x == y", "!x == y"},
      {"(a == b) == c", "(a == b) == c"},
      {"-(a + b) * 2", "-(a + b) * 2"},
      {"48_800_000 * 20%", "48800000 * 20%"},
      {"P2W + PT36H + 75bps * x + 5ppm * y", "P14D + P1DT12H + 75bps * x + 5ppm * y"},
      {"business_days(docs_presented.time, 5)", "business_days(docs_presented.time, 5)"},
  };
  for (auto [in, want] : cases) {
    Expr e = parse_ok(in);
    EXPECT_EQ(to_text(e), want) << in;
    EXPECT_EQ(parse_ok(to_text(e)), e) << in;
  }
}

TEST(Expr, SyntaxErrorsSayWhere) {
  EXPECT_NE(parse_error("price *").find("ends too early"), std::string::npos);
  EXPECT_NE(parse_error("(a + b").find("expected ')'"), std::string::npos);
  EXPECT_NE(parse_error("a < b < c").find("do not chain"), std::string::npos);
  EXPECT_NE(parse_error("P1M").find("months and years are not durations"), std::string::npos);
  EXPECT_NE(parse_error("sqrt(x)").find("unknown function 'sqrt'"), std::string::npos);
  EXPECT_NE(parse_error("1.5 * x").find("unexpected '.'"), std::string::npos);
  EXPECT_NE(parse_error("10kg").find("units are %, bps and ppm"), std::string::npos);
  EXPECT_NE(parse_error("007").find("leading zero"), std::string::npos);
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("1" + std::string(80, '0')).find("256 bits"), std::string::npos);
}

TEST(Expr, SizeAndDepthAreBounded) {
  std::string deep(kExprDepthMax + 1, '(');
  deep += "x" + std::string(kExprDepthMax + 1, ')');
  EXPECT_NE(parse_error(deep).find("nested deeper"), std::string::npos);
  std::string wide = "x";
  for (int i = 0; i < 70; ++i) wide += "+x";
  EXPECT_NE(parse_error(wide).find("nodes"), std::string::npos);
  EXPECT_NE(parse_error(std::string(kExprTextMax + 1, ' ') + "x").find("longer than"), std::string::npos);
}

// A scope with a few params of each type, one event and one role.
class TestScope : public Scope {
 public:
  std::optional<Type> name(std::string_view n) const override {
    static const std::map<std::string, Type, std::less<>> kNames = {
        {"price", {Kind::kAmount, "KRW", false}}, {"fee", {Kind::kAmount, "KRW", false}},
        {"gas", {Kind::kAmount, "COIN", false}},  {"rate", {Kind::kNum, "", true}},
        {"n", {Kind::kNum, "", false}},           {"ship_by", {Kind::kTime, "", false}},
        {"grace", {Kind::kDuration, "", false}},  {"late", {Kind::kBool, "", false}},
        {"buyer", {Kind::kRole, "buyer", false}}, {"KRW", {Kind::kAsset, "KRW", false}},
        {"now", {Kind::kTime, "", false}}};
    auto it = kNames.find(n);
    return it == kNames.end() ? std::nullopt : std::optional<Type>(it->second);
  }
  std::optional<Type> field(std::string_view obj, std::string_view f, std::string* why) const override {
    if (obj == "shipped" && f == "time") return Type{Kind::kTime, "", false};
    if (obj == "shipped" && f == "result") return Type{Kind::kEnum, "event:shipped", false};
    *why = "unknown stage, event or decision '" + std::string(obj) + "'";
    return std::nullopt;
  }
  bool enum_has(std::string_view domain, std::string_view v) const override {
    return domain == "event:shipped" && (v == "ok" || v == "damaged");
  }
  std::optional<std::string> sole_asset() const override { return calendar ? std::optional<std::string>("KRW") : std::nullopt; }
  bool has_calendar() const override { return calendar; }
  bool calendar = true;
};

std::string type_of(std::string_view text, const Scope& s = TestScope()) {
  auto r = check_expr(parse_ok(text), s);
  return std::holds_alternative<Type>(r) ? type_name(std::get<Type>(r)) : "error: " + std::get<ExprError>(r).message;
}

TEST(Expr, TypesFollowDimensions) {
  EXPECT_EQ(type_of("price - fee"), "amount(KRW)");
  EXPECT_EQ(type_of("price * rate"), "amount(KRW) (may be a fraction)");
  EXPECT_EQ(type_of("floor(price * rate)"), "amount(KRW)");
  EXPECT_EQ(type_of("price / fee"), "num (may be a fraction)");
  EXPECT_EQ(type_of("ship_by + P21D - grace"), "time");
  EXPECT_EQ(type_of("shipped.time - ship_by"), "duration");
  EXPECT_EQ(type_of("ceil(max(shipped.time - ship_by, 0) / P1D)"), "num");
  EXPECT_EQ(type_of("shipped.result == ok && !late"), "bool");
  EXPECT_EQ(type_of("paid(buyer) >= price"), "bool");
  EXPECT_EQ(type_of("paid(buyer) == 0"), "bool");
  EXPECT_EQ(type_of("business_days(shipped.time, 5)"), "time");
  EXPECT_EQ(type_of("add_months(ship_by, n)"), "time");
}

TEST(Expr, TypeErrorsNameTheSubExpression) {
  EXPECT_EQ(type_of("price + gas"), "error: in 'price + gas': cannot add amount(COIN) to amount(KRW)");
  EXPECT_EQ(type_of("ship_by + ship_by"), "error: in 'ship_by + ship_by': cannot add time to time");
  EXPECT_EQ(type_of("price * fee"), "error: in 'price * fee': cannot multiply amount(KRW) by amount(KRW)");
  EXPECT_EQ(type_of("price > ship_by"), "error: in 'price > ship_by': cannot compare amount(KRW) with time");
  EXPECT_EQ(type_of("shipped.result == lost"), "error: in 'shipped.result == lost': 'lost' is not a value of enum(event:shipped)");
  EXPECT_EQ(type_of("shipmnt.time + P1D"), "error: in 'shipmnt.time': unknown stage, event or decision 'shipmnt'");
  EXPECT_EQ(type_of("pricee * 2"), "error: in 'pricee': unknown name 'pricee'");
  EXPECT_EQ(type_of("late && 1"), "error: in 'late && 1': '1' is a num, not a bool");
  EXPECT_EQ(type_of("add_months(ship_by, rate)"), "error: in 'add_months(ship_by, rate)': add_months() takes a time and a whole number");
  TestScope no_calendar;
  no_calendar.calendar = false;
  EXPECT_EQ(type_of("business_days(ship_by, 5)", no_calendar),
            "error: in 'business_days(ship_by, 5)': business_days() needs the template's calendar");
  EXPECT_EQ(type_of("paid(buyer)", no_calendar), "error: in 'paid(buyer)': the template has several assets: name one");
}

class TestEnv : public EvalEnv {
 public:
  std::map<std::string, Value, std::less<>> names;
  std::map<std::string, Value, std::less<>> fields;
  Calendar cal;
  Lookup name(std::string_view n, Value* out) const override {
    auto it = names.find(n);
    if (it == names.end()) return Lookup::kNotAName;
    *out = it->second;
    return Lookup::kFound;
  }
  Lookup field(std::string_view obj, std::string_view f, Value* out) const override {
    auto it = fields.find(std::string(obj) + "." + std::string(f));
    if (it == fields.end()) return Lookup::kUnbound;
    *out = it->second;
    return Lookup::kFound;
  }
  std::optional<Uint256> paid(std::string_view role, std::string_view) const override {
    return role == "buyer" ? std::optional<Uint256>(1'000) : std::nullopt;
  }
  std::optional<Uint256> escrow(std::string_view) const override { return Uint256(700); }
  std::optional<std::string> sole_asset() const override { return "KRW"; }
  const Calendar* calendar() const override { return &cal; }
};

Value amount(uint64_t v) { return Value{Kind::kAmount, Fraction(Int(v)), false, {}}; }
Value num_of(const Fraction& f) { return Value{Kind::kNum, f, false, {}}; }
Value time_of(uint64_t t) { return Value{Kind::kTime, Fraction(Int(t)), false, {}}; }

TestEnv env() {
  TestEnv e;
  e.names["price"] = amount(48'800'000);
  e.names["rate"] = num_of(*Fraction::of(Int(2'000), Uint256(10'000)));  // 2000 bps
  e.names["ship_by"] = time_of(1'735'689'600);                             // 2025-01-01T00:00:00Z
  e.names["big"] = Value{Kind::kAmount, Fraction(Int::of(Uint256::max(), false)), false, {}};
  e.names["buyer"] = Value{Kind::kRole, {}, false, "buyer"};
  e.fields["shipped.time"] = time_of(1'735'689'600 + 3 * 86'400 + 1);
  e.fields["shipped.result"] = Value{Kind::kEnum, {}, false, "ok"};
  return e;
}

std::string eval(std::string_view text, const TestEnv& e = env()) {
  EvalResult r = eval_expr(parse_ok(text), e);
  if (!r.value) return std::string("failure ") + failure_name(r.failure) + " at '" + r.detail + "'";
  const Value& v = *r.value;
  if (v.kind == Kind::kBool) return v.flag ? "true" : "false";
  if (v.kind == Kind::kEnum || v.kind == Kind::kRole) return v.sym;
  return std::string(kind_name(v.kind)) + " " + v.num.to_string();
}

TEST(Expr, EvaluatesExactlyAndRoundsOnlyWhereWritten) {
  EXPECT_EQ(eval("floor(price * rate)"), "amount 9760000");  // COSSE: 20% of KRW 48.8M
  EXPECT_EQ(eval("price * 50%"), "amount 24400000");
  EXPECT_EQ(eval("price / 3"), "amount 48800000/3");
  EXPECT_EQ(eval("floor(price / 3)"), "amount 16266666");
  EXPECT_EQ(eval("ceil(price / 3)"), "amount 16266667");
  EXPECT_EQ(eval("floor(-7 / 2)"), "num -4");
  EXPECT_EQ(eval("ceil(-7 / 2)"), "num -3");
  EXPECT_EQ(eval("price * 75bps * 3 + price * 4ppm"), "amount 5490976/5");
  EXPECT_EQ(eval("ceil(max(shipped.time - ship_by, 0) / P1D)"), "num 4");  // 3 days and a second: 4 days late
  EXPECT_EQ(eval("min(shipped.time + P21D, ship_by + P30D) - ship_by"), "duration 2073601");
  EXPECT_EQ(eval("shipped.result == ok && paid(buyer) > escrow()"), "true");
  EXPECT_EQ(eval("add_months(ship_by, 1)"), "time 1738368000");  // 2025-02-01
  EXPECT_EQ(eval("price * 1 / 3 == price / 3"), "true");
}

TEST(Expr, FailuresAreTypedValues) {
  EXPECT_EQ(eval("big + price"), "failure overflow at 'big + price'");
  EXPECT_EQ(eval("big * 2"), "failure overflow at 'big * 2'");
  EXPECT_EQ(eval("big - price - big - big"), "failure overflow at 'big - price - big - big'");
  EXPECT_EQ(eval("price / (price - price)"), "failure division_by_zero at 'price / (price - price)'");
  EXPECT_EQ(eval("delivered.time + P1D"), "failure unbound at 'delivered.time'");
  EXPECT_EQ(eval("ship_by + P36500D * 100"), "failure overflow at 'P36500D * 100'");
  EXPECT_EQ(eval("big - big"), "amount 0");  // intermediate values may be negative or huge, not beyond 2^256
}

TEST(Expr, BusinessDaysSkipWeekendsAndHolidays) {
  TestEnv e = env();
  // 2025-01-01 was a Wednesday; KST (+9h) days; 2025-01-02 is made a holiday.
  e.cal.utc_offset_seconds = 9 * 3600;
  e.cal.holidays = {days_from_civil({2025, 1, 2})};
  // ship_by is 09:00 KST on Wednesday 1 January: Fri 3, Mon 6, Tue 7 are the 1st..3rd banking days.
  EXPECT_EQ(eval("business_days(ship_by, 3) - ship_by", e), "duration " + std::to_string(6 * 86'400));
  EXPECT_EQ(eval("business_days(ship_by, 0) == ship_by", e), "true");
}

TEST(Time, DurationsAndCivilDates) {
  EXPECT_EQ(parse_iso_duration("P21D"), 21u * 86'400);
  EXPECT_EQ(parse_iso_duration("PT12H"), 12u * 3600);
  EXPECT_EQ(parse_iso_duration("P1DT2H30M5S"), 86'400u + 2 * 3600 + 30 * 60 + 5);
  EXPECT_EQ(parse_iso_duration("P2W"), 14u * 86'400);
  for (auto bad : {"P", "PT", "P1M", "P1Y", "PT1D", "P1H", "P1D2D", "P1.5D", "p1d", "P-1D", "P1DT"})
    EXPECT_FALSE(parse_iso_duration(bad)) << bad;
  EXPECT_EQ(format_iso_duration(0), "PT0S");
  EXPECT_EQ(format_iso_duration(90'061), "P1DT1H1M1S");
  for (int64_t d : {-719'468LL, -1LL, 0LL, 11'016LL, 19'358LL, 2'932'896LL}) {
    CivilDate c = civil_from_days(d);
    EXPECT_EQ(days_from_civil(c), d);
  }
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11'017);
  int64_t jan31 = days_from_civil({2024, 1, 31}) * kSecondsPerDay + 3600;
  EXPECT_EQ(add_months(jan31, 1), days_from_civil({2024, 2, 29}) * kSecondsPerDay + 3600);  // clamps, leap year
  EXPECT_EQ(add_months(jan31, 48), days_from_civil({2028, 1, 31}) * kSecondsPerDay + 3600);
  EXPECT_EQ(add_months(jan31, -13), days_from_civil({2022, 12, 31}) * kSecondsPerDay + 3600);
  EXPECT_TRUE(valid_calendar_id("KR-BANK@2025.2"));
  EXPECT_FALSE(valid_calendar_id("kr-bank@2025"));
  EXPECT_FALSE(valid_calendar_id("KR-BANK"));
}

TEST(Num, SignedArithmeticAndFractions) {
  Int a = Int::of(Uint256(5), true);
  EXPECT_EQ(a.add(Int(3))->to_dec(), "-2");
  EXPECT_EQ(Int(3).sub(Int(5))->to_dec(), "-2");
  EXPECT_EQ(a.mul(a)->to_dec(), "25");
  EXPECT_TRUE(Int::of(Uint256(0), true) == Int(0));  // no negative zero
  EXPECT_LT(a, Int(0));
  EXPECT_LT(Int::of(Uint256(7), true), a);
  EXPECT_FALSE(Int::of(Uint256::max(), true).sub(Int(1)));
  auto half = Fraction::of(Int(2), Uint256(4));
  EXPECT_EQ(half->to_string(), "1/2");
  EXPECT_EQ(half->add(*Fraction::of(Int(1), Uint256(3)))->to_string(), "5/6");
  bool by_zero = false;
  EXPECT_FALSE(half->div(Fraction(Int(0)), &by_zero));
  EXPECT_TRUE(by_zero);
  EXPECT_EQ(*half->compare(*Fraction::of(Int(3), Uint256(6))), std::strong_ordering::equal);
}

}  // namespace
}  // namespace cx::alpha
