#pragma once
// Alpha Contract instances and the engine that runs them (docs/alpha-engine.md "The instance engine").
// An instance binds a registered template (by hash) to params and parties (role -> addresses). The
// engine is a pure function of (template, instance, block time, actor, input): every transition takes
// the instance by const reference and returns either the next instance with its effects (payouts out
// of the escrow, log lines) or an error that names what is wrong — in which case nothing changed. It
// never reads a clock: `now` is the block time in whole seconds, given by the caller.
//
// Money: the escrow is a ledger per asset owned by the instance. Every payment in is recorded as a
// stake of the paying member ("buyer#0"); payouts draw on the stakes (a claim's `from` on that member's
// stake, otherwise in stake-key order), so sum(stakes) == escrow at all times and a refund gives every
// payer back exactly what is left of its own money.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "alpha/template.hpp"

namespace cx::alpha {

constexpr int64_t kSignWindowDefault = 7 * kSecondsPerDay;  // an unsigned instance expires after this
constexpr int64_t kSignWindowMax = 90 * kSecondsPerDay;
constexpr uint32_t kStageEntriesPerRunMax = 256;  // stages entered in one transition, else a fault
constexpr size_t kNoncesMax = 4096;               // attestation nonces remembered per instance
constexpr size_t kNonceMax = 64;                  // bytes of one nonce
constexpr size_t kPayloadMax = 2048;              // bytes of one attestation's canonical payload

enum class Status : uint8_t { kProposed, kActive, kDisputed, kClosed, kExpired };
const char* status_name(Status s);

// A pending deadline of this instance. The chain-wide queue orders them by (deadline, instance, id).
// kSilence: the current rung's time to rule; kAppeal: the appeal window after a ruling; kChallenge:
// the dispute window of an attested event, after which the stage moves on.
enum class TimerKind : uint8_t { kDue, kWait, kSign, kSilence, kAppeal, kChallenge };
struct Timer {
  int64_t deadline = 0;
  uint32_t id = 0;
  TimerKind kind = TimerKind::kDue;
  std::string stage;  // the stage it belongs to (kDue, kWait)
  bool operator==(const Timer&) const = default;
};

struct EventState {
  int64_t time = -1;                                       // when the quorum was reached; -1: not yet
  std::string payload;                                     // canonical JSON {result?, fields?} that won
  std::map<std::string, std::vector<std::string>> votes;   // payload -> attester addresses, in order
  bool operator==(const EventState&) const = default;
};

struct DecisionState {
  std::string holder;      // the address that holds the right now ("" once exercised)
  std::string delegated_by;  // the address that handed it over (its right is consumed)
  bool exercised = false;
  std::string choice;      // enum value, or "role#i" for a member choice
  int64_t time = -1;
  bool operator==(const DecisionState&) const = default;
};

using Ledger = std::map<std::string, Uint256>;  // "role#i" -> amount

// The dispute in progress (docs/alpha-engine.md "Disputes"): the rung that rules now, its ruling
// while the appeal window runs, a panel's votes, and the trail of every rung's ruling.
struct DisputeState {
  bool open = false;
  uint32_t rung = 0;
  std::string challenged;   // the event whose attestation was challenged, if any
  std::string ruling;       // "" while the rung deliberates; else its outcome, appealable until appeal_by
  std::string rule;         // what decided it: "referee hx..", "panel 2 of 3", "virtual_person rows[0]", "silence"
  int64_t appeal_by = -1;
  std::map<std::string, std::vector<std::string>> votes;  // a panel's: outcome -> members, in order
  std::vector<std::string> trail;  // "rung 0 virtual_person: buyer_wins (rows[0])", one per ruling
  bool operator==(const DisputeState&) const = default;
};
boost::json::object dispute_state_json(const DisputeState& d);
bool dispute_state_from_json(const boost::json::value& v, DisputeState& d);

struct Instance {
  uint64_t id = 0;
  Hash32 template_hash;
  boost::json::object params;                              // canonical values (see param_value)
  std::map<std::string, std::vector<std::string>> parties;  // role -> member addresses
  Hash32 prose_digest;       // SHA3-256 over "<lang>:<prose[lang]>;" in language order
  std::map<std::string, std::string> prose;  // lang -> "rendered:<hex>" or "source:<hex>" (seal_prose)
  Calendar calendar;         // the business-day calendar pinned at proposal (id "NAME@version"), if any
  Hash32 simulation_digest;  // simulate's digest over the instance as proposed (seal_simulation)
  Hash32 hash;               // what every signatory signs (instance_hash)
  Status status = Status::kProposed;
  int64_t proposed_at = 0, sign_by = 0, signed_at = -1;
  std::vector<std::string> signed_by;  // addresses, in signing order
  std::string stage;                   // the stage entered last that waits, or the terminal once closed
  std::vector<std::string> tokens;     // the stages that wait now, sorted (several inside a fork)
  std::map<std::string, uint32_t> joined;  // join -> branches arrived so far
  std::map<std::string, int64_t> entered, left;
  std::map<std::string, uint32_t> visits;
  std::map<std::string, EventState> events;
  std::map<std::string, DecisionState> decisions;
  std::map<std::string, boost::json::value> vp;  // Virtual Person outputs of the row that fired
  std::string vp_row;                            // which row fired ("rules[1]", "default")
  std::map<std::string, Uint256> escrow;         // asset -> balance
  std::map<std::string, Ledger> stakes;          // asset -> what is left of each payer's money
  std::map<std::string, Ledger> paid;            // asset -> what each payer ever paid in
  std::map<std::string, Ledger> reserved;        // asset -> money put aside for later pay stages
  std::vector<Timer> timers;                     // sorted by (deadline, id)
  uint32_t next_timer = 1;
  std::vector<std::string> nonces;  // "address/nonce" of attestations seen, sorted
  std::string dispute_opened_by;
  DisputeState dispute;
  std::map<std::string, Ledger> bonds;  // asset -> dispute bonds posted, held apart from the escrow
  std::string fault;  // why the instance went to on_fault
  uint64_t seq = 0;
  bool operator==(const Instance&) const = default;
};

struct Payout {
  std::string to;  // address
  std::string asset;
  Uint256 amount;
  std::string why;  // "claim stages[14].settle.claims[0]", "refund", "fee platform"
  bool operator==(const Payout&) const = default;
};

struct Effects {
  std::vector<Payout> payouts;
  std::vector<std::string> log;  // "enter sample", "timeout deposit_payment", "close completed"
};

struct Transition {
  Instance next;
  Effects effects;
};
struct EngineError {
  std::string message;
};
using Result = std::variant<Transition, EngineError>;

// Who acts (the tx's sender) and when (the block time, seconds).
struct Act {
  int64_t now = 0;
  std::string actor;
};

// Params: every declared param present, nothing else, each of its declared type and bounds. Amounts
// as decimal strings, counts/bps/ppm/times as integers, durations as integers (seconds) or ISO text,
// enums and addresses as strings, bools as bools. Parties: every role bound to 1..members_max
// distinct addresses. sign_by defaults to now + kSignWindowDefault. A template that names a calendar
// needs the table to pin (the contract passes the latest governed version; calendar.hpp).
std::variant<Instance, EngineError> propose(const Template& t, const Hash32& template_hash, uint64_t id,
                                            const boost::json::object& params, const boost::json::object& parties,
                                            int64_t now, std::optional<int64_t> sign_by,
                                            const Calendar* calendar = nullptr);
Hash32 instance_hash(const Instance& inst);

// What the signatories sign besides params and parties (instance_sim.cpp): the simulation of the
// instance as proposed — simulate() over simulation_input(inst), i.e. signed at its proposal time,
// with no samples — so `complexchain alpha simulate --params '<that JSON>'` prints the same digest.
// seal_simulation sets inst.simulation_digest and inst.hash, or refuses an instance whose simulation
// fails, is truncated or has more than `paths_max` paths; *paths (if given) gets the path count.
boost::json::object simulation_input(const Instance& inst);
// Binds the prose to the instance: per language of the template, the hash of the text rendered from
// the instance's params and parties when `sources` has that language's source (it must hash to the
// template's pin), else the pinned source hash; sets inst.prose, inst.prose_digest and inst.hash.
std::optional<EngineError> seal_prose(const Template& t, Instance& inst, const std::map<std::string, std::string>& sources);
std::optional<EngineError> seal_simulation(const Template& t, Instance& inst, size_t paths_max, size_t* paths = nullptr);

Result sign(const Template& t, const Instance& inst, const Act& act, const Hash32& hash);
// Reserved payments (COSSE §2.2): money a payer puts aside, before or after signing, for its later
// pay stages. Each pay stage of the payer's role is paid from it on entry (or at once, if it waits
// now) when the reservation covers its amount, in stage order — the earlier obligation first; what
// is left is refunded when the instance closes or expires.
Result reserve(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount);
// A payment of `amount` of `asset` by the actor into the current pay/collect stage.
Result fund(const Template& t, const Instance& inst, const Act& act, const std::string& asset, const Uint256& amount);
// payload: { "result": "<value>"?, "fields": { ... }? } as the event declares.
Result attest(const Template& t, const Instance& inst, const Act& act, const std::string& event,
              const std::string& nonce, const boost::json::object& payload);
// choice: an enum value of the decision, or the address of a member of its member_of role.
Result decide(const Template& t, const Instance& inst, const Act& act, const std::string& decision,
              const std::string& choice);
Result delegate(const Template& t, const Instance& inst, const Act& act, const std::string& decision,
                const std::string& to);
// Takes a handed-over right back, by the party that handed it over, while the decision's
// revocable_until has not passed (and the right is not exercised).
Result revoke(const Template& t, const Instance& inst, const Act& act, const std::string& decision);
// Disputes climb the template's ladder (docs/alpha-engine.md "Disputes"). Opening and each appeal
// post the rung's bond (`amount` of `asset`, exactly; zero when the rung has none). A dispute opens
// in a `during` stage, or against an event still in its dispute window.
Result open_dispute(const Template& t, const Instance& inst, const Act& act, const std::string& asset = "",
                    const Uint256& amount = Uint256());
// Within the appeal window after a ruling, a party of open_by takes the dispute to the next rung.
Result appeal(const Template& t, const Instance& inst, const Act& act, const std::string& asset = "",
              const Uint256& amount = Uint256());
// The bond a party posts to climb to rung `rung` now (zero when the rung has none); nullopt when it
// cannot be computed or there is no such rung.
std::optional<Uint256> dispute_bond(const Template& t, const Instance& inst, uint32_t rung);
// A member of the current rung's referee role rules (a panel: votes; k agreeing rule).
Result rule(const Template& t, const Instance& inst, const Act& act, const std::string& outcome);
// Fires timer `timer_id` of the instance (called by begin-block for every due timer, in order).
Result fire_timer(const Template& t, const Instance& inst, int64_t now, uint32_t timer_id);

// Serialization for contract storage and icx_call (canonical: sorted keys).
boost::json::object to_json(const Instance& inst);
std::variant<Instance, EngineError> instance_from_json(const boost::json::value& v);

}  // namespace cx::alpha
