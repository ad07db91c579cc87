#pragma once
// The votes of one round, as the LFT engine keeps them, their weight under a validator set
// (core/validator_set.hpp: groups count when a majority of their members signed), and vote helpers.
#include <compare>
#include <iterator>
#include <map>
#include <vector>

#include "core/block.hpp"
#include "core/validator_set.hpp"

namespace cx::consensus {

// What a kBlock or kSeal vote is for. Seal and block votes for one block are counted apart: only a
// QC of seal votes finalises by itself.
struct BlockKey {
  uint64_t height = 0;
  Hash32 hash;
  core::VoteKind kind = core::VoteKind::kBlock;
  auto operator<=>(const BlockKey&) const = default;
  static BlockKey of(const core::Vote& v) { return BlockKey{v.height, v.block_hash, v.kind}; }
};

struct Tally {
  std::map<core::Address, core::Vote> votes;  // by voter (the first vote of each); sorted by address for QCs
  // Second votes of voters that equivocated, for the block held as this round's proposal (lft_engine.cpp).
  std::map<core::Address, core::Vote> seconds;
  std::map<BlockKey, std::vector<core::Address>> block_voters;  // first votes and counted seconds, by block

  // Weight of the voters of `key` under `set`.
  uint64_t block_weight(const BlockKey& key, const core::ValidatorSet& set) const;
  // Weight of the identities a majority of whose members voted (anything): "a quorum voted".
  uint64_t voted_weight(const core::ValidatorSet& set) const;
  // Weight of the identities any member of which voted: above set.max_faulty(), an honest one did.
  uint64_t present_weight(const core::ValidatorSet& set) const;
  // True iff no block can reach a quorum in this round any more, whatever the voters still to vote
  // do (votes of non-members are not counted; a group counts for a block only with a majority).
  bool lost(const core::ValidatorSet& set) const;
  // A block whose voters weigh a quorum of the set in force at its height (the first in key order),
  // or nullptr.
  const BlockKey* certified(const core::ValidatorSchedule& schedule) const;
};

// Same signed content (two valid signatures over one content are one vote, not equivocation).
bool same_vote(const core::Vote& a, const core::Vote& b);
// The vote's signature recovers its voter.
bool vote_signature_ok(const core::Vote& v);

// Bounds what the engine keeps per round (votes, proposals): past rounds give way first (oldest
// first), then the farthest round ahead; the current round is never evicted. False: the new round is
// not kept (and what is not kept is not relayed either).
template <typename Map>
bool make_room_for_round(Map& m, uint32_t key, size_t max_keys, uint32_t current) {
  if (m.size() < max_keys) return true;
  if (m.begin()->first < current) {
    m.erase(m.begin());
    return true;
  }
  if (key < current) return false;
  auto last = std::prev(m.end());
  if (key > last->first || last->first == current) return false;
  m.erase(last);
  return true;
}

}  // namespace cx::consensus
