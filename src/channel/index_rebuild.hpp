#pragma once
// Bringing indexes up to the chain when a channel opens: an index added to a directory that was written
// without it (an upgrade), or one whose data was lost, is behind the chain store. The missing blocks are
// read back from the chain store and staged into the index, one block per batch, so a crash part-way
// keeps what was done and the next open continues from there.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "channel/chain_store.hpp"
#include "channel/commit_writer.hpp"

namespace cx::channel {

struct RebuildProgress {
  uint64_t done = 0;   // blocks staged so far
  uint64_t total = 0;  // blocks to stage
};

// Stages heights [lowest next_height(), last] into every subscriber that has not recorded them; the
// others are left alone. `progress` is called every `report_every` blocks and at the end (for logs).
// `schedule` (the validator sets by height as final state holds them; null: unknown) goes with every
// block read back, as the core gives it with the blocks it executes. An error is an environment failure (disk).
Status rebuild_indexes(const ChainStore& chain, storage::KvStore& kv, const std::vector<CommitSubscriber*>& subscribers,
                       uint64_t last, std::shared_ptr<const core::ValidatorSchedule> schedule,
                       const std::function<void(const RebuildProgress&)>& progress,
                       uint64_t report_every = 10000);

}  // namespace cx::channel
