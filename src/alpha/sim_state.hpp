#pragma once
// Internal to simulate: the state of one simulated instance, and what its expressions see of it.
#include <map>
#include <string>
#include <vector>

#include "alpha/simulate.hpp"

namespace cx::alpha::detail {

struct EventRecord {
  int64_t time = 0;
  std::string result;
  std::map<std::string, Value> fields;
};

// A payment into the escrow that is not yet paid out: refunds give each back to its payer, and a
// claim `from` a payer draws on that payer's deposits only.
struct Deposit {
  std::string payer;  // "buyer", "bidder#2"
  std::string asset;
  Uint256 amount;
};

// An open fork block: its branches run one after the other, each from the fork's time; the join
// goes on at the latest branch's end.
struct ForkFrame {
  size_t fork = 0;  // stage index
  size_t next = 1;  // the branch to run when the current one reaches the join
  int64_t start = 0, end = 0;
};

struct SimState {
  int64_t now = 0;
  std::map<std::string, Uint256> escrow;                       // asset -> balance
  std::vector<Deposit> deposits;                               // in the order paid
  std::map<std::string, std::map<std::string, Uint256>> paid;  // payer -> asset -> paid in (gross)
  std::map<std::string, std::map<std::string, Int>> net;       // party -> asset -> received - paid
  std::map<std::string, EventRecord> events;
  std::map<std::string, std::pair<int64_t, Value>> decisions;  // time, choice
  std::map<std::string, int64_t> entered, left;                // stage -> time
  std::map<std::string, uint32_t> visits;
  std::map<std::string, Value> vp;
  std::vector<std::string> steps;
  uint64_t max_steps = 0;
  uint32_t faults = 0;
  uint32_t depth = 0;            // waiting stages passed on this path
  std::vector<ForkFrame> forks;  // innermost last
};

// The expressions' view of a simulated instance (the engine's EvalEnv, over SimState).
class SimEnv : public EvalEnv {
 public:
  SimEnv(const Template& t, const InstanceInput& in, const Calendar* cal, const SimState& s)
      : m_t(t), m_in(in), m_cal(cal), m_s(s) {}
  Lookup name(std::string_view name, Value* out) const override;
  Lookup field(std::string_view obj, std::string_view field, Value* out) const override;
  std::optional<Uint256> paid(std::string_view role, std::string_view asset) const override;
  std::optional<Uint256> escrow(std::string_view asset) const override;
  std::optional<std::string> sole_asset() const override;
  const Calendar* calendar() const override { return m_cal; }

 private:
  const Template& m_t;
  const InstanceInput& m_in;
  const Calendar* m_cal;
  const SimState& m_s;
};

// "buyer" for a single party, "bidder#2" for the second member of a group.
std::string member_key(const Role& r, size_t member);
// Does key ("bidder#2") belong to role or member `who` ("bidder", "bidder#2")?
bool belongs(const std::string& key, std::string_view who);

// Per fork stage, the stages inside its block (branches up to the join); empty for other stages.
std::vector<std::vector<bool>> fork_regions(const Template& t);

// SHA3-256 of the canonical report without its digest.
Hash32 sim_digest(const Template& t, const InstanceInput& in, const SimResult& r);

}  // namespace cx::alpha::detail
