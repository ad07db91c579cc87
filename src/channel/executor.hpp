#pragma once
// Executes a certified block on its parent's state: execution::apply_block over a reader at the
// parent's state root, and the diff applied to the world state (trie nodes stay in memory until the
// commit writer makes them durable with the block). Deterministic; the channel core calls it directly.
#include <memory>
#include <optional>
#include <vector>

#include "channel/view.hpp"
#include "core/chain_params.hpp"
#include "state/world_state.hpp"

namespace cx::channel {

struct Execution {
  core::ExecResult result;
  ReceiptsPtr receipts;
  uint32_t timers_fired = 0;  // by begin-block
};

class BlockExecutor {
 public:
  BlockExecutor(const core::ChainParams& params, state::WorldState& state) : m_params(params), m_state(state) {}
  Execution execute(const core::Block& block, const Hash32& parent_state_root);
  // Whether begin-block has work due at `now_us` in the state at `state_root` (a block would do it).
  bool begin_block_due(const Hash32& state_root, int64_t now_us) const;
  // The validator sets the governance contract scheduled in the state at `state_root` (empty: a state
  // without governance, from before it existed), and its changeMargin (nullopt: none).
  std::vector<core::ValidatorEpoch> governed_epochs(const Hash32& state_root) const;
  std::optional<uint64_t> change_margin(const Hash32& state_root) const;
  // The number of scheduled sets alone (one read; compared after every final block).
  uint64_t governed_epoch_count(const Hash32& state_root) const;
  // The members the governance contract holds in that state (empty: no governance).
  std::vector<governance::Member> governed_members(const Hash32& state_root) const;
  // The records of `addresses` in that state, in their order (nullopt: no member, or no governance).
  // Read from any thread (a state reader is).
  std::vector<std::optional<governance::Member>> governed_members_of(const Hash32& state_root,
                                                                     const std::vector<core::Address>& addresses) const;

 private:
  const core::ChainParams& m_params;
  state::WorldState& m_state;
};

}  // namespace cx::channel
