#pragma once
// The begin-block phase of apply_block: the Alpha contract's due timers fire before the block's txs.
#include "alpha/system_contract.hpp"
#include "execution/execute.hpp"

namespace cx::execution {

// Fires the due Alpha timers of the block described by ctx (if its registry has the Alpha contract),
// at most `max` (the chain's cap; benchmarks lift it). Returns how many fired. A failure of the phase
// rolls its writes back and fires none.
uint32_t begin_block(Journal& journal, const BlockContext& ctx, uint32_t max);

// The earliest block time (seconds) at which begin_block has work at `state` (today: the Alpha
// contract's first timer), if any: a chain that skips empty blocks while idle still makes one then.
// The channel asks this, not about Alpha: what begin-block does stays execution's business.
std::optional<int64_t> next_begin_block_time(const state::StateReader& state);

}  // namespace cx::execution
