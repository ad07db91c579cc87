#pragma once
// Alpha Contract Templates (ACT, docs/alpha.md §2): the typed model of a template, parsed from its
// JSON (or YAML, converted at the edge) authoring form. Parsing checks shape and bounds only — every
// field bounded, unknown fields refused, errors naming the field path. Whether names resolve, types
// agree and the process is safe is the registration checker's job (checker.hpp), which names the rule.
//
// Every JSON object of the format is an unordered map, stored here sorted by key; only arrays carry
// order (stages, branch cases, claims, rules). So the canonical form (canonical.hpp), and with it the
// template hash, cannot depend on the order in which an author wrote the keys.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "alpha/expr.hpp"
#include "base/bytes.hpp"
#include "base/uint256.hpp"

namespace cx::alpha {

constexpr uint32_t kActVersion = 1;
constexpr size_t kTemplateBytesMax = 256 * 1024;
constexpr size_t kJsonDepthMax = 16;
constexpr size_t kIdMax = 32;  // ids: [a-z][a-z0-9_]*; assets: [A-Z][A-Z0-9]*
constexpr size_t kTextMax = 256;
constexpr size_t kParamsMax = 64, kRolesMax = 32, kAssetsMax = 8, kEventsMax = 64, kFieldsMax = 16;
constexpr size_t kStagesMax = 128, kCasesMax = 16, kForkBranchesMax = 8, kDecisionsMax = 16;
constexpr size_t kEnumValuesMax = 32, kClaimsMax = 16, kFeesMax = 8, kTerminalsMax = 16, kLadderMax = 4;
constexpr size_t kLetsMax = 64;
constexpr size_t kVpInputsMax = 16, kVpOutputsMax = 8, kVpRulesMax = 64, kLanguagesMax = 4, kListMax = 16;
constexpr uint32_t kMembersMax = 64, kVisitsMax = 1'000;

// The declared type of a param, an event field or a Virtual Person output.
enum class ValueType : uint8_t { kAmount, kBps, kPpm, kInt, kTime, kDuration, kBool, kEnum, kAddress };
const char* value_type_name(ValueType t);

struct Decl {
  std::string id;
  ValueType type = ValueType::kInt;
  std::string asset;                // kAmount
  std::vector<std::string> values;  // kEnum, in declared order
  std::optional<Uint256> min, max;  // kAmount, kBps, kPpm, kInt (values are never negative)
  bool operator==(const Decl&) const = default;
};

enum class Bind : uint8_t { kAddress, kCert };
struct Role {
  std::string id;
  Bind bind = Bind::kAddress;
  bool signatory = false;
  bool observer = false;
  bool referee = false;        // may receive a decision right or sit on the dispute ladder
  uint32_t members_max = 1;    // > 1: a group (bidders, a panel); bound member by member
  bool operator==(const Role&) const = default;
};

enum class AssetKind : uint8_t { kNative, kIrc2 };
struct Asset {
  std::string id;            // "COIN", "KRW"
  AssetKind kind = AssetKind::kNative;
  std::string contract;      // kIrc2: an address param's id, or a literal "cx" + 40 hex
  uint32_t decimals = 18;
  bool operator==(const Asset&) const = default;
};

struct Event {
  std::string id;
  std::vector<std::string> attesters;  // roles, sorted
  uint32_t quorum = 1;                 // k of the attester members
  uint64_t dispute_window = 0;         // seconds; 0 = none
  std::vector<std::string> result;     // the values of <event>.result, if any
  std::vector<Decl> fields;            // <event>.<field>, sorted by id
  bool operator==(const Event&) const = default;
};

struct Decision {
  std::string id;
  std::string holder;                     // role
  std::vector<std::string> delegable_to;  // roles, sorted
  bool single_use = true;
  std::optional<Expr> revocable_until;    // time: a delegation can be taken back until then
  std::vector<std::string> choices;       // enum of <decision>.choice ...
  std::string member_of;                  // ... or a member of this role (an auction's winner)
  bool operator==(const Decision&) const = default;
};

// Paying out of the escrow: claims in order, each capped by what is left (COSSE §2.2: obligations
// are paid in order of seniority), then the rest goes to a role, back to who paid it, or stays.
struct Claim {
  std::string to;              // role
  Expr amount;
  std::optional<Expr> from;    // whose deposit it draws on (a role or a decision's chosen member)
  bool operator==(const Claim&) const = default;
};
enum class Rest : uint8_t { kKeep, kRefund, kRole };
struct Settle {
  std::vector<Claim> claims;
  Rest rest = Rest::kKeep;
  std::string rest_to;  // kRole
  bool sweeps() const { return rest != Rest::kKeep; }
  bool operator==(const Settle&) const = default;
};

// A jump with an optional settlement on the way ("on_timeout: { refund: all, goto: cancelled }").
struct Edge {
  std::string target;  // a stage or a terminal
  std::optional<Settle> settle;
  bool operator==(const Edge&) const = default;
};

struct Case {
  Expr when;
  std::string target;
  bool operator==(const Case&) const = default;
};

enum class Action : uint8_t { kNone, kPay, kCollect, kSettle, kAwait, kDecide, kWait, kFork, kJoin, kArbitrate };
const char* action_name(Action a);
// Stages that wait for a tx or a timer; the others run at once, in the same transition.
bool is_waiting(Action a);

struct Stage {
  std::string id;
  Action action = Action::kNone;
  std::string from, to;              // kPay, kCollect: payer role; payee role or "escrow"
  Expr amount;                       // kPay: the amount; kCollect: the least accepted payment
  Settle settle;                     // kSettle
  std::string ref;                   // kAwait: event; kDecide: decision; kFork: its join; kJoin: its fork
  std::vector<std::string> branches; // kFork: the first stage of each branch
  Expr until;                        // kWait
  std::optional<Expr> due;           // deadline of a waiting stage
  std::optional<Edge> on_timeout;    // what happens at the deadline (N4: mandatory)
  std::string next;                  // the exit when there is no branch (empty for kFork)
  std::vector<Case> cases;           // exclusive branch: first true wins ...
  std::optional<std::string> otherwise;  // ... else this (mandatory)
  uint32_t max_visits = 0;           // 0 = not a loop head
  std::optional<Edge> on_exhausted;  // taken instead of entering the stage a (max_visits+1)-th time
  bool operator==(const Stage&) const = default;
};

enum class HitPolicy : uint8_t { kFirst, kUnique, kPriority };
struct Binding {
  std::string id;
  Expr value;
  bool operator==(const Binding&) const = default;
};
struct VpRule {
  std::optional<Expr> when;    // absent only on the default row
  int32_t priority = 0;        // kPriority: the highest matching row wins
  std::vector<Binding> set;    // outputs, sorted by id
  std::string target;
  bool operator==(const VpRule&) const = default;
};
struct VirtualPerson {
  HitPolicy hit_policy = HitPolicy::kFirst;
  std::vector<Binding> inputs;  // vp.<id>, evaluated first, sorted by id
  std::vector<Decl> outputs;    // vp.<id>, set by the row that fires
  std::vector<VpRule> rules;
  std::optional<VpRule> otherwise;
  bool operator==(const VirtualPerson&) const = default;
};

// One rung of the dispute ladder (N10). A referee role rules by a `rule` tx; a panel is a referee
// group whose `quorum` members must agree on one outcome; the Virtual Person rules at once by its
// rows (first true). A rung that stays silent for `within` rules its default outcome.
struct RungRow {
  Expr when;
  std::string outcome;
  bool operator==(const RungRow&) const = default;
};
struct LadderStep {
  std::string by;              // "virtual_person" or a referee role
  uint64_t within = 0;         // seconds this rung has to rule
  uint32_t quorum = 1;         // members of `by` that must agree (k of n: a panel)
  std::optional<Expr> bond;    // what the party climbing to this rung puts up (else dispute.bond)
  std::vector<RungRow> rows;   // virtual_person: its rows, first true rules
  std::string otherwise;       // the rung's default outcome; "" = dispute.on_silence.outcome
  bool operator==(const LadderStep&) const = default;
};
struct Outcome {
  std::string id;
  Edge edge;
  std::string favours;         // the role that wins (its bonds come back); "" = nobody: all bonds back
  bool operator==(const Outcome&) const = default;
};
struct Dispute {
  std::vector<std::string> open_by;  // roles, sorted
  std::vector<std::string> during;   // stages where a dispute may open, sorted; empty = every stage
  std::optional<Expr> bond;          // amount the opener (and each appellant) puts up
  std::vector<LadderStep> ladder;
  uint64_t appeal_window = 0;        // after a ruling, this long to climb to the next rung
  uint64_t silence_after = 0;        // a rung without `within` has this long ...
  std::string on_silence;            // ... and a rung without a default rules this (N10: never "no ruling")
  std::string bonds_to;              // where a loser's bond goes: "" = the favoured role, else a role
  std::vector<Outcome> outcomes;     // sorted by id
  // The default outcome of rung k.
  const std::string& rung_default(size_t k) const {
    return ladder[k].otherwise.empty() ? on_silence : ladder[k].otherwise;
  }
  const Expr* rung_bond(size_t k) const { return ladder[k].bond ? &*ladder[k].bond : bond ? &*bond : nullptr; }
  bool operator==(const Dispute&) const = default;
};

enum class Rounding : uint8_t { kFloor, kCeil };
struct Fee {
  std::string id;
  uint32_t bps = 0;                // of the amount moved by the stages in `on`
  std::string payer, to;           // roles
  std::vector<std::string> on;     // stages, sorted
  Rounding rounding = Rounding::kFloor;
  bool operator==(const Fee&) const = default;
};

struct Prose {
  std::string lang;  // "ko", "en"
  std::string uri;
  Hash32 hash;       // SHA3-256 of the rendered text
  bool operator==(const Prose&) const = default;
};

struct Template {
  uint32_t act = kActVersion;
  std::string id, version;
  std::vector<Prose> prose;  // sorted by lang
  std::string governing;     // the language that prevails
  std::string calendar;      // business-day calendar id, or empty
  std::vector<Decl> params;
  std::vector<Binding> lets;  // named terms over params ("deposit": "floor(price * deposit_rate)"), by id
  std::vector<Role> roles;
  std::vector<Asset> assets;
  std::vector<Event> events;
  std::vector<Decision> decisions;
  std::vector<Stage> stages;  // in order; the first is where an instance starts
  std::optional<VirtualPerson> virtual_person;
  std::optional<Dispute> dispute;
  std::vector<Fee> fees;
  std::vector<std::string> terminals;  // sorted
  Edge on_fault;  // where an instance goes when an expression fails at run time (overflow, …)
  bool operator==(const Template&) const = default;
};

struct ParseError {
  std::string path;     // "stages[3].due.at"
  std::string message;  // "unknown field 'dew'"
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

std::variant<Template, ParseError> parse_template_json(std::string_view json_text);

// Lookups by id (the vectors are sorted, except stages); nullptr if absent.
const Decl* find_param(const Template& t, std::string_view id);
const Binding* find_let(const Template& t, std::string_view id);
const Role* find_role(const Template& t, std::string_view id);
const Asset* find_asset(const Template& t, std::string_view id);
const Event* find_event(const Template& t, std::string_view id);
const Decision* find_decision(const Template& t, std::string_view id);
int find_stage(const Template& t, std::string_view id);  // index or -1
bool is_terminal(const Template& t, std::string_view id);

}  // namespace cx::alpha
