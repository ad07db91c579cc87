#pragma once
// The Alpha expression language (docs/alpha.md §3): amounts, conditions and deadlines of a template.
// Parsed once at registration into a flat AST, type-checked against the template (amount vs time vs
// bool, assets, enums), then evaluated deterministically by the engine: exact integer fractions, no
// floats, overflow and division by zero are typed failures, never undefined behaviour.
//
//   floor(price * deposit_bps)                        an amount, rounded where the template says
//   min(shipped.time + P21D, lc_expiry)               a deadline
//   docs_examined.result == complying && !late        a condition
//   business_days(docs_presented.time, 5)             banking days over the pinned calendar
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "alpha/num.hpp"
#include "alpha/time.hpp"

namespace cx::alpha {

constexpr size_t kExprTextMax = 512;
constexpr size_t kExprNodesMax = 128;
constexpr size_t kExprDepthMax = 24;
constexpr size_t kExprArgsMax = 8;

enum class Op : uint8_t {
  kInt,       // 48_800_000
  kRatio,     // 20% | 2000bps | 50ppm (value = raw / 100, 10^4, 10^6)
  kDuration,  // P21D, PT12H (seconds)
  kBool,      // true | false
  kName,      // param, role, asset, builtin (now, signed_at) or an enum value
  kField,     // obj.field: event, stage, decision or vp output
  kCall,      // floor ceil min max paid escrow business_days add_months
  kNeg, kNot,
  kAdd, kSub, kMul, kDiv,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAnd, kOr,
};

enum class RatioUnit : uint8_t { kPercent, kBps, kPpm };

struct Node {
  Op op = Op::kInt;
  RatioUnit unit = RatioUnit::kPercent;  // kRatio only
  Int raw;                               // kInt, kRatio, kDuration: the literal as written (seconds)
  bool flag = false;                     // kBool
  std::string name;                      // kName, kCall: the name; kField: the object
  std::string field;                     // kField
  std::vector<uint16_t> kids;            // operands / arguments, indices into Expr::nodes
  bool operator==(const Node&) const = default;
};

struct Expr {
  std::vector<Node> nodes;  // children always precede their parent; the root is last
  bool empty() const { return nodes.empty(); }
  const Node& root() const { return nodes.back(); }
  uint16_t root_index() const { return static_cast<uint16_t>(nodes.size() - 1); }
  bool operator==(const Expr&) const = default;
};

struct ExprError {
  std::string message;  // "at 7: expected ')'" or "unknown name 'shipmnt'"
};

std::variant<Expr, ExprError> parse_expr(std::string_view text);
// Canonical text: minimal parentheses, one space around binary operators, literals re-spelled
// (durations in days/hours/minutes/seconds, no digit separators). parse_expr(to_text(e)) == e.
std::string to_text(const Expr& e);
std::string to_text(const Expr& e, uint16_t node);

// ---- Types ----

enum class Kind : uint8_t { kNum, kAmount, kTime, kDuration, kBool, kEnum, kRole, kAsset, kAddress };
const char* kind_name(Kind k);

struct Type {
  Kind kind = Kind::kNum;
  std::string domain;  // kAmount: the asset; kEnum: the enum's id ("param:grade"); kRole: the role
  bool frac = false;   // may hold a fraction: must pass floor()/ceil() before it is paid or scheduled
  bool operator==(const Type&) const = default;
};
std::string type_name(const Type& t);  // "amount(KRW)", "time", "enum(event:shipped.result)"

// What a template makes visible to its expressions; the checker implements it.
class Scope {
 public:
  virtual ~Scope() = default;
  // A bare name: param, role, asset or builtin; nullopt if it is none of them.
  virtual std::optional<Type> name(std::string_view name) const = 0;
  // obj.field; on nullopt, *why says what is wrong ("unknown stage or event 'shipmnt'").
  virtual std::optional<Type> field(std::string_view obj, std::string_view field, std::string* why) const = 0;
  virtual bool enum_has(std::string_view domain, std::string_view value) const = 0;
  // The asset paid()/escrow() mean without one: set when the template declares exactly one.
  virtual std::optional<std::string> sole_asset() const = 0;
  virtual bool has_calendar() const = 0;
};

std::variant<Type, ExprError> check_expr(const Expr& e, const Scope& scope);

// ---- Evaluation ----

struct Value {
  Kind kind = Kind::kNum;
  Fraction num;     // kNum, kAmount, kTime, kDuration
  bool flag = false;  // kBool
  std::string sym;  // kEnum value, kRole (role or "role#member"), kAsset, kAddress
  bool operator==(const Value&) const = default;
};

enum class EvalFailure : uint8_t {
  kOverflow,        // a result beyond 2^256 - 1 in magnitude, or a time/duration out of range
  kDivisionByZero,
  kUnbound,         // a value not known yet: an event not attested, a stage not reached
  kCalendar,        // business_days() without a calendar, or beyond its range
};
const char* failure_name(EvalFailure f);

// The instance's state as the engine sees it at the current block. Names it does not know are enum
// values (the type checker has made sure of that).
class EvalEnv {
 public:
  virtual ~EvalEnv() = default;
  enum class Lookup : uint8_t { kFound, kUnbound, kNotAName };
  virtual Lookup name(std::string_view name, Value* out) const = 0;
  virtual Lookup field(std::string_view obj, std::string_view field, Value* out) const = 0;
  virtual std::optional<Uint256> paid(std::string_view role, std::string_view asset) const = 0;
  virtual std::optional<Uint256> escrow(std::string_view asset) const = 0;
  virtual std::optional<std::string> sole_asset() const = 0;
  virtual const Calendar* calendar() const = 0;
};

struct EvalResult {
  std::optional<Value> value;
  EvalFailure failure = EvalFailure::kOverflow;  // when !value
  std::string detail;                            // the sub-expression that failed
};

EvalResult eval_expr(const Expr& e, const EvalEnv& env);

}  // namespace cx::alpha
