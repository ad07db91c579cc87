#include "channel/index_rebuild.hpp"

#include <algorithm>

namespace cx::channel {
namespace {

// A committed block as the commit writer had it: the block, its receipts and the QC it was committed with.
struct Stored {
  ExecutedBlock block;
  core::QuorumCertificate qc;
};

Stored load(const ChainStore& chain, uint64_t height) {
  auto hash = chain.hash_at(height);
  CX_ASSERT_MSG(hash.has_value(), "a committed height without its block hash");
  Stored s;
  s.block.block = chain.block(*hash);
  CX_ASSERT_MSG(s.block.block != nullptr, "a committed block missing from the chain store");
  auto result = chain.result_at(height);
  CX_ASSERT_MSG(result.has_value(), "a committed block without its result");
  s.block.result = result->result;
  s.qc = result->qc;
  s.block.qc = result->qc;
  auto receipts = std::make_shared<std::vector<core::Receipt>>();
  receipts->reserve(s.block.block->txs.size());
  for (const auto& tx : s.block.block->txs) {
    auto r = chain.receipt(tx->hash);
    CX_ASSERT_MSG(r.has_value(), "a committed tx without its receipt");
    receipts->push_back(std::move(*r));
  }
  s.block.receipts = std::move(receipts);
  return s;
}

}  // namespace

Status rebuild_indexes(const ChainStore& chain, storage::KvStore& kv, const std::vector<CommitSubscriber*>& subscribers,
                       uint64_t last, std::shared_ptr<const core::ValidatorSchedule> schedule,
                       const std::function<void(const RebuildProgress&)>& progress, uint64_t report_every) {
  std::optional<uint64_t> from;
  for (const auto* s : subscribers) {
    const auto next = s->next_height();
    CX_ASSERT_MSG(!next || *next <= last + 1, "an index is ahead of the chain it indexes");
    if (next && *next <= last) from = std::min(from.value_or(*next), *next);
  }
  if (!from) return Status::ok();
  RebuildProgress p{0, last + 1 - *from};
  storage::WriteBatch batch;
  for (uint64_t h = *from; h <= last; ++h) {
    Stored stored = load(chain, h);
    stored.block.schedule = schedule;
    batch.clear();
    for (auto* s : subscribers) {
      const auto next = s->next_height();
      if (next && *next == h) s->stage(stored.block, stored.qc, batch);
    }
    // Only the last write is synced: a crash before it loses some rebuilt blocks, which the next open stages again.
    const auto durability = h == last ? storage::Durability::kSync : storage::Durability::kNoSync;
    if (auto st = kv.write(batch, durability); !st)
      return Status::error("writing rebuilt index entries at height " + std::to_string(h) + ": " + st.message());
    ++p.done;
    if (progress && (p.done % report_every == 0 || h == last)) progress(p);
  }
  return Status::ok();
}

}  // namespace cx::channel
