#pragma once
// A consistent picture of one ledger at an instant, published by the channel core whenever its head
// or in-flight blocks change and read by any thread without locks on the core: the durable head
// (block, the result of executing it — its state root — and its QC, always together, so a read never
// mixes two heights) and the blocks in flight (certified and executed, not yet durable).
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/block.hpp"
#include "core/receipt.hpp"
#include "core/validator_set.hpp"
#include "governance/governance.hpp"

namespace cx::channel {

using BlockPtr = std::shared_ptr<const core::Block>;
using ReceiptsPtr = std::shared_ptr<const std::vector<core::Receipt>>;

// Position of each tx of one block, by hash (lookups only; never iterated).
using TxIndex = std::unordered_map<Hash32, uint32_t, FixedBytesHasher>;

// A certified block with what executing it produced. Immutable once published.
struct ExecutedBlock {
  BlockPtr block;
  core::QuorumCertificate qc;
  core::ExecResult result;
  ReceiptsPtr receipts;
  std::shared_ptr<const TxIndex> txs;
  uint32_t timers_fired = 0;  // Alpha timers begin-block fired (for metrics)
  // The validator sets by height as the core knew them when it executed the block; they cover its
  // height (its QC was checked against the set in force there). The explorer's activity index and the
  // validator gauges count against schedule->at(height). Null: not known (a block read back without it).
  std::shared_ptr<const core::ValidatorSchedule> schedule;
};
using ExecutedPtr = std::shared_ptr<const ExecutedBlock>;

struct TxInFlight {
  ExecutedPtr block;
  uint32_t index = 0;
};

// The channel's members as the governance contract holds them in the state after final block `height`
// (docs/membership.md "Membership follows final state"). Immutable once published.
struct MemberSet {
  uint64_t height = 0;
  std::map<core::Address, governance::Member> members;  // suspended ones too
  const governance::Member* find(const core::Address& a) const {
    auto it = members.find(a);
    return it == members.end() ? nullptr : &it->second;
  }
};
using MemberSetPtr = std::shared_ptr<const MemberSet>;

struct ChainView {
  BlockPtr head;                   // the highest durable committed block
  core::ExecResult head_result;    // its execution result (head_result.state_root: the state after it)
  core::QuorumCertificate head_qc;
  std::vector<ExecutedPtr> inflight;  // in height order: final but not yet durable, then certified
  // The validator sets by height as this node knows them from final state (null: not published yet).
  std::shared_ptr<const core::ValidatorSchedule> schedule;
  // The members by final state; null: the genesis members hold (no governance state, or not read yet).
  MemberSetPtr members;

  uint64_t height() const { return head->header.height; }
  std::optional<TxInFlight> find_tx(const Hash32& hash) const {
    for (const auto& b : inflight)
      if (auto it = b->txs->find(hash); it != b->txs->end()) return TxInFlight{b, it->second};
    return std::nullopt;
  }
};
using ViewPtr = std::shared_ptr<const ChainView>;

}  // namespace cx::channel
