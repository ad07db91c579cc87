// ChannelCore: block sync (core.hpp). A node that is behind asks one peer at a time for a page of
// blocks above its final head; the peer answers with its committed blocks, then its in-flight ones
// (final but not durable yet, then certified). Every block of a page is checked (decoding, QC, heights,
// parent links, and prev_result against this node's execution) before any of it is used.
#include <algorithm>

#include "base/log.hpp"
#include "channel/core.hpp"

namespace cx::channel {

namespace {
constexpr const char* kLog = "channel";
constexpr size_t kSyncPageBytesMax = 8u << 20;  // a page stops growing past this (one block may exceed it)

SyncRejection sync_rejection(SyncReject r, std::string detail) { return SyncRejection{r, std::move(detail)}; }
}  // namespace

void ChannelCore::request_sync(std::optional<core::Address> peer, uint64_t target, out::Actions& out) {
  if (!m_networked) return;
  // One request in flight at a time; after sync_retry_ms another may go (to another peer). A clock
  // that stepped back more than that does not hold requests back.
  const int64_t wait_us = m_sync_quiet_until_us - m_now_us;
  if (wait_us > 0 && wait_us <= static_cast<int64_t>(m_options.sync_retry_ms) * 1000) return;
  if (!peer) {
    if (m_peers.empty()) return;
    peer = *std::next(m_peers.begin(), static_cast<long>(m_sync_rr++ % m_peers.size()));
  }
  m_sync_quiet_until_us = m_now_us + static_cast<int64_t>(m_options.sync_retry_ms) * 1000;
  wire::BlockRequest q{final_height() + 1, static_cast<uint32_t>(wire::kSyncBlocksMax)};
  CX_INFO(kLog, "behind: asking " << peer->to_string() << " for blocks from " << q.from_height << " (target " << target << ")");
  out.push_back(out::Send{*peer, {p2p::MessageType::kBlockRequest, wire::encode(q)}});
}

void ChannelCore::serve_blocks(const core::Address& from, const Bytes& payload, out::Actions& out) {
  auto q = wire::decode_block_request(payload);
  if (!q) {
    CX_WARN(kLog, "bad block request from " << from.to_string());
    return;
  }
  const size_t count_max = std::min<size_t>(q->count, wire::kSyncBlocksMax);
  std::vector<wire::CertifiedBlock> page;
  size_t bytes = 0;
  uint64_t next = q->from_height;
  for (uint64_t h = q->from_height; h <= durable_height() && page.size() < count_max && bytes < kSyncPageBytesMax; ++h) {
    auto hash = m_chain.hash_at(h);
    auto r = m_chain.result_at(h);
    auto b = hash ? m_chain.block(*hash) : nullptr;
    if (!b || !r) break;
    page.push_back({b->encode(), r->qc.encode()});
    bytes += page.back().block.size();
    next = h + 1;
  }
  // The in-flight blocks above (certified, so safe to adopt; the requester works out from the rounds
  // which of them are final), in height order.
  if (next > durable_height()) {
    for (const auto& e : m_view->inflight) {
      if (page.size() >= count_max || bytes >= kSyncPageBytesMax) break;
      const uint64_t h = e->block->header.height;
      if (h < next) continue;
      if (h != next) break;
      page.push_back({e->block->encode(), e->qc.encode()});
      bytes += page.back().block.size();
      ++next;
    }
  }
  if (!page.empty()) out.push_back(out::Send{from, {p2p::MessageType::kBlockResponse, wire::encode(page)}});
}

// A QC certifies `block` if it is a valid QC (consensus::verify_qc) of the set in force at the block's
// height for exactly this block and height, in its round or (sealing a set's last block) a later one.
bool ChannelCore::certifies(const core::QuorumCertificate& qc, const core::Block& block) const {
  return qc.block_hash == block.hash() && qc.height == block.header.height && qc.round >= block.header.round &&
         consensus::verify_qc(qc, m_schedule);
}

// Decodes a page and checks what needs no state: every block certified, heights consecutive, each block
// the child of the one before it. A page that fails any check is refused whole.
std::optional<std::vector<consensus::CertifiedBlock>> ChannelCore::check_page(const core::Address& from, const Bytes& payload) {
  auto page = wire::decode_block_response(payload);
  if (!page) {
    reject(from, sync_rejection(SyncReject::kUndecodable, "the page does not decode"));
    return std::nullopt;
  }
  std::vector<consensus::CertifiedBlock> blocks;
  blocks.reserve(page->size());
  for (const auto& c : *page) {
    auto b = core::Block::decode(c.block);
    auto qc = core::QuorumCertificate::decode(c.qc);
    if (!b || !qc) {
      reject(from, sync_rejection(SyncReject::kUndecodable, !b ? "a block does not decode: " + b.message() : "a QC does not decode"));
      return std::nullopt;
    }
    // A block beyond the horizon is checked once the blocks before it taught this node its set
    // (on_block_page): its set may be decided in the page itself.
    if (b->header.height <= m_known_through && !certifies(*qc, *b)) {
      reject(from, sync_rejection(SyncReject::kUncertified, "block " + std::to_string(b->header.height) + " has no valid QC"));
      return std::nullopt;
    }
    if (!blocks.empty()) {
      const auto& prev = *blocks.back().block;
      if (b->header.height != prev.header.height + 1) {
        reject(from, sync_rejection(SyncReject::kOutOfOrder, "height " + std::to_string(b->header.height) + " follows " +
                                                                 std::to_string(prev.header.height)));
        return std::nullopt;
      }
      if (b->header.prev_hash != prev.hash()) {
        reject(from, sync_rejection(SyncReject::kBrokenParentLink,
                                    "block " + std::to_string(b->header.height) + " is not the child of the block before it"));
        return std::nullopt;
      }
    }
    blocks.push_back({std::make_shared<const core::Block>(std::move(b).value()), std::move(*qc)});
  }
  if (!blocks.empty() && blocks.front().block->header.height > final_height() + 1) {
    reject(from, sync_rejection(SyncReject::kOutOfOrder, "the page starts at height " +
                                                             std::to_string(blocks.front().block->header.height) +
                                                             ", above the requested " + std::to_string(final_height() + 1)));
    return std::nullopt;
  }
  return blocks;
}

void ChannelCore::on_block_page(const core::Address& from, const Bytes& payload, out::Actions& out) {
  m_sync_quiet_until_us = 0;
  auto blocks = check_page(from, payload);
  if (!blocks) return;
  const bool complete = blocks->size() < wire::kSyncBlocksMax;
  // Governed, the page is taken in parts: the blocks up to the horizon (their sets are known), and
  // once they are final, the blocks the new horizon reaches, each QC checked against its set then.
  uint64_t checked_through = m_known_through;
  bool adopted = false;
  while (true) {
    for (const auto& c : *blocks) {
      const uint64_t h = c.block->header.height;
      if (h <= checked_through || h > m_known_through) continue;
      if (!certifies(c.qc, *c.block)) {
        reject(from, sync_rejection(SyncReject::kUncertified, "block " + std::to_string(h) + " has no valid QC"));
        blocks->erase(std::remove_if(blocks->begin(), blocks->end(),
                                     [&](const auto& x) { return x.block->header.height >= h; }),
                      blocks->end());
        break;
      }
    }
    checked_through = m_known_through;
    const uint64_t final_before = final_height();
    if (!adopt_page_part(from, *blocks, complete, out)) break;
    adopted = true;
    if (final_height() == final_before || blocks->empty() || blocks->back().block->header.height <= checked_through) break;
  }
  if (!adopted) return;
  if (m_governed) run(tell_engine_schedule(), out);
  consensus::ChainTip tip{final_top().block, final_qc(), certified_chain()};
  CX_INFO(kLog, "synced to height " << tip.committed->header.height << " (+ " << tip.chain.size() << " certified)");
  run(m_engine->on_synced(tip), out);
  // Proposals whose parent the sync brought.
  std::vector<Hash32> parents;
  for (const auto& [prev, b] : m_buffered)
    if (executed(prev) && (parents.empty() || parents.back() != prev)) parents.push_back(prev);
  for (const auto& p : parents) {
    consensus::Actions more;
    deliver_buffered(p, more, out);
    run(std::move(more), out);
  }
  if (!complete) request_sync(from, 0, out);
}

// One part of a page: the run of blocks that continues the final head, up to the horizon. False when
// nothing was taken.
bool ChannelCore::adopt_page_part(const core::Address& from, const std::vector<consensus::CertifiedBlock>& blocks,
                                  bool complete, out::Actions& out) {
  // The run that continues our final head. A page whose first block above it is not its child holds a
  // branch that lost (a peer's certified, not final blocks): nothing to take.
  std::vector<consensus::CertifiedBlock> run_blocks;
  Hash32 parent = final_top().block->hash();
  bool beyond_horizon = false;
  for (const auto& c : blocks) {
    if (c.block->header.height <= final_height()) continue;
    if (c.block->header.height > m_known_through) {
      beyond_horizon = true;
      break;
    }
    if (c.block->header.prev_hash != parent) break;
    parent = c.block->hash();
    run_blocks.push_back(c);
  }
  if (run_blocks.empty()) return false;
  // What is final, by the commit rule (engine.hpp): everything below the last block whose parent was
  // certified in the round right before it. The rest is certified but not final; it is adopted only if
  // the page was the last (else more of it follows) and it ends in a higher round than our own chain.
  // A seal QC finalises its own block; a block of a new set finalises the last of the set before.
  size_t final_count = 0;
  for (size_t i = 0; i < run_blocks.size(); ++i) {
    const auto& b = *run_blocks[i].block;
    if (i >= 1 && (consensus::certifying_finalises_parent(b) || m_schedule.changes_after(b.header.height - 1))) final_count = i;
    if (consensus::is_seal_qc(run_blocks[i].qc)) final_count = i + 1;
  }
  const bool adopt_rest = complete && !beyond_horizon && run_blocks.back().qc.round > chain_top_round();
  const size_t use = adopt_rest ? run_blocks.size() : final_count;
  if (use == 0) return false;
  // What the page proved certified, adopted or not (the block after the final ones is their proof).
  if (m_observer)
    for (const auto& c : run_blocks) m_observer->on_certified(c.block, c.qc);
  adopt(from, run_blocks, use, final_count, out);
  return true;
}

// Executes (checking each block's prev_result against this node's execution of its parent) and
// commits the first `final_count` blocks, and makes the rest of the first `use` the certified chain.
void ChannelCore::adopt(const core::Address& from, const std::vector<consensus::CertifiedBlock>& run_blocks, size_t use,
                        size_t final_count, out::Actions& out) {
  for (size_t i = 0; i < use; ++i) {
    const auto& [block, qc] = run_blocks[i];
    if (!executed(block->hash())) {
      auto parent = executed(block->header.prev_hash);
      CX_ASSERT(parent.has_value());  // the run links up from the final head, executed in order
      if (block->header.prev_result != parent->result) {
        reject(from, sync_rejection(SyncReject::kPrevResultMismatch, "block " + std::to_string(block->header.height) +
                                                                         " disagrees with this node's execution of its parent"));
        return;
      }
      make_certified(block, qc, out);
    }
    if (i < final_count) {
      commit(block, qc, out);
      // The engine hears of the schedule before on_synced (on_block_page).
      if (m_governed) learn_schedule(block->header.height, m_inflight.at(block->hash()).exec->result.state_root);
    }
  }
}

void ChannelCore::reject(const core::Address& peer, const SyncRejection& r) {
  auto& counts = m_rejections[peer];
  ++counts.sync[static_cast<size_t>(r.reason)];
  CX_WARN(kLog, "block page from " << peer.to_string() << " refused (" << to_string(r.reason) << "): " << r.detail << " ["
                                   << counts.total() << " refused from this peer]");
}

}  // namespace cx::channel
