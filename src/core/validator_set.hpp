#pragma once
// A validator set as data (DESIGN.md §4): each validator has an address, an integer voting weight and
// optionally a group. docs/architecture.md "Weighted validators" has the rules and why they are sound.
//
// - Identities. Validators that name the same group form one voting identity ("trusted nodes combined
//   into one node"); a validator without a group is an identity of its own. Every member of a group
//   lists the group's weight (the same number), and the group's weight counts once.
// - A group counts for a block when strictly more than half of its members signed it. Two different
//   blocks of one round can then both count a group only if some member signed both, so a group with
//   no faulty member votes once per round, like a single validator. (A group is faulty if any member is.)
// - Quorum by weight: W = total weight of the identities, F = ⌊(W−1)/3⌋ the faulty weight tolerated,
//   Q = W − F: a weight w is a quorum iff w ≥ Q, which is the same as 3·w > 2·W. With every weight 1 and
//   no groups these are n, f and q of before.
// - Leader schedule: smooth weighted round-robin over the identities (ties to the lower index), a cycle
//   of W rounds in which identity i leads exactly w_i times, spread out; within a group the members
//   take turns cycle by cycle. With every weight 1 it is round r → validators[r mod n], as before.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/address.hpp"

namespace cx::core {

using crypto::Address;

inline constexpr size_t kValidatorSetMax = 1000;
inline constexpr uint64_t kValidatorWeightMax = 10000;
inline constexpr uint64_t kTotalWeightMax = 10000;  // also the length of the leader schedule's cycle
inline constexpr size_t kGroupNameMax = 64;

struct Validator {
  Address address;
  uint64_t weight = 1;
  std::string group;  // empty: an identity of its own
  bool operator==(const Validator&) const = default;
};

// Weight of the faulty identities tolerated, and the quorum, for a total weight W.
inline uint64_t max_faulty_weight(uint64_t total) { return total == 0 ? 0 : (total - 1) / 3; }
inline uint64_t quorum_weight(uint64_t total) { return total - max_faulty_weight(total); }

class ValidatorSet {
 public:
  ValidatorSet() = default;
  // Validates: 1..kValidatorSetMax hx addresses, each once; weights 1..kValidatorWeightMax; group
  // names of [a-z0-9_-], at most kGroupNameMax; members of a group list the same weight; total weight
  // of the identities at most kTotalWeightMax. The error names the entry and what is wrong.
  static Result<ValidatorSet> make(std::vector<Validator> validators);
  // Every weight 1, no groups (the form of a genesis written before weights).
  static ValidatorSet unweighted(const std::vector<Address>& addresses);

  const std::vector<Validator>& validators() const { return m_validators; }
  std::vector<Address> addresses() const;
  size_t size() const { return m_validators.size(); }
  bool empty() const { return m_validators.empty(); }
  bool contains(const Address& a) const { return index_of(a).has_value(); }
  std::optional<size_t> index_of(const Address& a) const;

  size_t identity_count() const { return m_identities.size(); }
  size_t identity_of(size_t validator_index) const { return m_identity_of[validator_index]; }
  uint64_t identity_weight(size_t identity) const { return m_identities[identity].weight; }
  size_t identity_members(size_t identity) const { return m_identities[identity].members.size(); }

  uint64_t total_weight() const { return m_total; }
  uint64_t quorum() const { return quorum_weight(m_total); }
  uint64_t max_faulty() const { return max_faulty_weight(m_total); }

  // The weight of the identities that `signers` (distinct members; others are ignored) carry: a group
  // counts when strictly more than half its members are among them.
  uint64_t weight_of(const std::vector<Address>& signers) const;
  // Weight of the identities at least one of `voters` belongs to (evidence that a voter of weight
  // above F, so an honest one, was there).
  uint64_t present_weight(const std::vector<Address>& voters) const;

  const Address& leader(uint32_t round) const;

  // The hash a header's validators_hash names. Every weight 1 and no groups: the hash of the address
  // list, as before weights (so old chains keep their headers); otherwise a tagged encoding of every
  // (address, weight, group).
  Hash32 hash() const;
  bool operator==(const ValidatorSet& o) const { return m_validators == o.m_validators; }

 private:
  struct Identity {
    uint64_t weight = 0;
    std::vector<size_t> members;  // validator indexes, in list order
  };
  void build();

  std::vector<Validator> m_validators;
  std::vector<size_t> m_identity_of;
  std::map<Address, size_t> m_index;  // address -> position in m_validators (each vote is looked up)
  std::vector<Identity> m_identities;
  std::vector<uint32_t> m_schedule;  // identity per slot of the cycle (W slots)
  uint64_t m_total = 0;
};

// The validator sets in force, by height: entry i is in force from its height up to the next entry's.
// The first entry starts at height 0 or 1 (genesis needs no certificate). Sets change at the heights
// governance decided (epoch boundaries); docs/architecture.md "Changing the validator set" has the
// switch rule and why it is safe.
struct ValidatorEpoch {
  uint64_t from_height = 0;
  ValidatorSet set;
  bool operator==(const ValidatorEpoch&) const = default;
};

class ValidatorSchedule {
 public:
  ValidatorSchedule() = default;
  // Heights strictly increasing, the first at most 1; at least one entry.
  static Result<ValidatorSchedule> make(std::vector<ValidatorEpoch> epochs);
  static ValidatorSchedule single(ValidatorSet set);

  const ValidatorSet& at(uint64_t height) const;
  // True iff the set certifying height + 1 is another one than the set of `height` (the block at
  // `height` is the last of its set and must be sealed, lft_engine.cpp).
  bool changes_after(uint64_t height) const;
  const std::vector<ValidatorEpoch>& epochs() const { return m_epochs; }
  bool operator==(const ValidatorSchedule&) const = default;

 private:
  std::vector<ValidatorEpoch> m_epochs;
  std::vector<Hash32> m_hashes;
};

}  // namespace cx::core
