#include "consensus/tally.hpp"

#include <algorithm>

#include "crypto/secp256k1.hpp"

namespace cx::consensus {
namespace {

std::vector<core::Address> voters_of(const std::map<core::Address, core::Vote>& votes) {
  std::vector<core::Address> out;
  out.reserve(votes.size());
  for (const auto& [voter, v] : votes) out.push_back(voter);
  return out;
}

}  // namespace

uint64_t Tally::block_weight(const BlockKey& key, const core::ValidatorSet& set) const {
  auto it = block_voters.find(key);
  return it == block_voters.end() ? 0 : set.weight_of(it->second);
}

uint64_t Tally::voted_weight(const core::ValidatorSet& set) const { return set.weight_of(voters_of(votes)); }

uint64_t Tally::present_weight(const core::ValidatorSet& set) const { return set.present_weight(voters_of(votes)); }

// An identity of m members can still count for block b iff 2·(members that voted b + members that
// have not voted) > m. The round is lost iff for every block voted on, and for a block nobody voted
// for yet, the identities that can still count weigh less than a quorum.
bool Tally::lost(const core::ValidatorSet& set) const {
  const size_t ids = set.identity_count();
  std::vector<size_t> voted(ids, 0);
  for (const auto& [voter, v] : votes)
    if (auto i = set.index_of(voter)) ++voted[set.identity_of(*i)];
  auto potential = [&](const std::vector<core::Address>* for_block) {
    std::vector<size_t> yes(ids, 0);
    if (for_block)
      for (const auto& a : *for_block)
        if (auto i = set.index_of(a)) ++yes[set.identity_of(*i)];
    uint64_t w = 0;
    for (size_t id = 0; id < ids; ++id) {
      const size_t m = set.identity_members(id);
      const size_t unvoted = m - std::min(voted[id], m);
      if (2 * (yes[id] + unvoted) > m) w += set.identity_weight(id);
    }
    return w;
  };
  if (potential(nullptr) >= set.quorum()) return false;
  for (const auto& [key, voters] : block_voters)
    if (potential(&voters) >= set.quorum()) return false;
  return true;
}

const BlockKey* Tally::certified(const core::ValidatorSchedule& schedule) const {
  for (const auto& [key, voters] : block_voters) {
    const auto& set = schedule.at(key.height);
    if (set.weight_of(voters) >= set.quorum()) return &key;
  }
  return nullptr;
}

bool same_vote(const core::Vote& a, const core::Vote& b) {
  return a.height == b.height && a.round == b.round && a.voter == b.voter && a.kind == b.kind &&
         a.block_hash == b.block_hash && a.timestamp_us == b.timestamp_us;
}

bool vote_signature_ok(const core::Vote& v) {
  auto pub = crypto::recover(v.signing_hash(), v.signature);
  return pub && core::Address::of_public_key(*pub) == v.voter;
}

}  // namespace cx::consensus
