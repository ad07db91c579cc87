// ChannelCore: building proposals, judging peers' proposals, and keeping the bodies of those this
// node may vote for (core.hpp).
#include <algorithm>

#include "base/log.hpp"
#include "channel/core.hpp"

namespace cx::channel {

namespace {
constexpr const char* kLog = "channel";
// Peers' proposals waiting for their parent to be executed here.
constexpr size_t kBufferedProposalsMax = 64;
// Proposal records: at most this many per round (a leader equivocating) and this many rounds.
constexpr size_t kProposalRecordsPerRound = 4;
constexpr size_t kProposalRecordRoundsMax = 64;

ProposalRejection rejection(ProposalReject r, std::string detail) { return ProposalRejection{r, std::move(detail)}; }
std::string tx_name(const core::TxPtr& tx) { return "tx 0x" + tx->hash.hex(); }
}  // namespace

BlockPtr ChannelCore::build_proposal(const consensus::ActBuildProposal& a) {
  const auto& p = m_options.params;
  auto parent = executed(a.parent->hash());
  CX_ASSERT_MSG(parent.has_value(), "the engine asked for a proposal on a parent that is not executed");
  auto block = std::make_shared<core::Block>();
  auto& h = block->header;
  h.height = a.height;
  h.round = a.round;
  h.prev_hash = a.parent->hash();
  h.timestamp_us = std::max(m_now_us, a.parent->header.timestamp_us + 1);
  h.proposer = m_self;
  h.validators_hash = m_schedule.at(h.height).hash();
  h.set_next_validators(m_schedule.at(h.height + 1).hash());
  h.prev_result = parent->result;
  block->prev_qc = a.parent_qc;
  h.prev_qc_hash = block->prev_qc.hash();
  auto txs = m_pool.take(p.block_tx_max, m_options.block_bytes_max);
  block->txs.reserve(txs.size());
  std::vector<Hash32> dropped;
  for (auto& tx : txs) {
    // The time window is checked against block time: a tx that aged out in the pool is dropped. So is
    // one already certified or on the chain (every peer would refuse a block holding it).
    const int64_t diff = tx->timestamp_us - h.timestamp_us;
    if (diff > p.tx_timestamp_window_us || -diff > p.tx_timestamp_window_us || committed_or_certified(tx->hash)) {
      dropped.push_back(tx->hash);
      continue;
    }
    block->txs.push_back(std::move(tx));
  }
  if (!dropped.empty()) {
    m_pool.remove(dropped);
    CX_WARN(kLog, "dropped " << dropped.size() << " txs whose timestamp left the window or that are on the chain already");
  }
  h.tx_root = core::tx_root(block->txs);
  block->proposer_signature = crypto::sign(h.hash(), m_options.key);
  BlockPtr out = block;
  m_own_proposals.emplace(h.height, out);
  return out;
}

void ChannelCore::on_proposal_message(const core::Address& from, const Bytes& payload, out::Actions& out) {
  auto p = wire::decode_proposal(payload);
  if (!p) return reject(from, rejection(ProposalReject::kUndecodable, "the proposal message does not decode"), nullptr);
  // The tx hashes are hints: a tx this node already parsed (from gossip) is reused if its JSON is the block's.
  auto b = core::Block::decode(p->block, [&](size_t i, std::string_view) -> core::TxPtr {
    return i < p->tx_hashes.size() ? m_pool.find(p->tx_hashes[i]) : nullptr;
  });
  if (!b) return reject(from, rejection(ProposalReject::kUndecodable, b.message()), nullptr);
  on_peer_proposal(from, std::make_shared<const core::Block>(std::move(b).value()), p->block, out);
}

// `encoded`: the block's bytes if at hand (Block::encode() form), so recording it costs no encode.
void ChannelCore::on_peer_proposal(std::optional<core::Address> from, const BlockPtr& block, BytesView encoded,
                                   out::Actions& out) {
  const uint64_t h = block->header.height;
  if (h <= final_height()) return;  // old news
  if (!executed(block->header.prev_hash)) {
    // Its parent is not certified here yet (its votes may still be on the way): keep it a little, and
    // let the engine see the QC it carries, which may certify the parent right now.
    if (from && h > candidate_height() + 2) request_sync(from, h - 1, out);
    buffer_proposal(from, block);
    run(m_engine->on_proposal(block, std::nullopt), out);
    return;
  }
  const bool valid = judge_proposal(from, *block, encoded, out);
  run(m_engine->on_proposal(block, valid), out);
}

// check_proposal(), and a valid proposal is recorded before the engine can vote for it.
bool ChannelCore::judge_proposal(std::optional<core::Address> from, const core::Block& b, BytesView encoded,
                                 out::Actions& out) {
  auto why = check_proposal(b);
  if (why) {
    if (from) reject(*from, *why, &b);
    else CX_WARN(kLog, "recorded proposal " << b.header.height << "/" << b.header.round << " is invalid now: " << why->detail);
    return false;
  }
  record_proposal(b, encoded, out);
  return true;
}

// What needs the chain, once the parent is executed here. The engine checks the consensus fields
// (height, round, leader, parent QC); Block::decode checked tx_root and prev_qc_hash.
std::optional<ProposalRejection> ChannelCore::check_proposal(const core::Block& b) const {
  const auto& p = m_options.params;
  const auto& h = b.header;
  auto parent = executed(h.prev_hash);
  CX_ASSERT(parent.has_value());
  auto signer = crypto::recover(h.hash(), b.proposer_signature);
  if (!signer || core::Address::of_public_key(*signer) != h.proposer)
    return rejection(ProposalReject::kBadProposerSignature, "the proposer signature is not " + h.proposer.to_string() + "'s");
  if (h.prev_result != parent->result)
    return rejection(ProposalReject::kPrevResultMismatch, "prev_result differs from this node's execution of the parent");
  if (h.validators_hash != m_schedule.at(h.height).hash() || h.next_validators() != m_schedule.at(h.height + 1).hash())
    return rejection(ProposalReject::kValidatorsMismatch,
                     "validators_hash or next_validators_hash does not match the channel's validators at that height");
  if (h.timestamp_us <= parent->block->header.timestamp_us)
    return rejection(ProposalReject::kTimestampNotAdvancing, "block time does not advance past the parent's");
  if (h.timestamp_us > m_now_us + p.tx_timestamp_window_us)
    return rejection(ProposalReject::kTimestampTooFarAhead, "block time is " + std::to_string((h.timestamp_us - m_now_us) / 1000000) +
                                                                " s ahead of this node's clock");
  if (b.txs.size() > p.block_tx_max)
    return rejection(ProposalReject::kTooManyTxs, std::to_string(b.txs.size()) + " txs, above the maximum of " +
                                                      std::to_string(p.block_tx_max));
  std::set<Hash32> seen;
  for (const auto& tx : b.txs) {
    if (tx->nid != p.nid) return rejection(ProposalReject::kWrongNid, tx_name(tx) + " has another nid");
    const int64_t diff = tx->timestamp_us - h.timestamp_us;
    if (diff > p.tx_timestamp_window_us || -diff > p.tx_timestamp_window_us)
      return rejection(ProposalReject::kTxOutsideWindow, tx_name(tx) + " is outside the time window of the block");
    if (!seen.insert(tx->hash).second) return rejection(ProposalReject::kDuplicateTx, tx_name(tx) + " appears twice");
    if (committed_or_certified(tx->hash)) return rejection(ProposalReject::kTxAlreadyOnChain, tx_name(tx) + " is already on the chain");
  }
  auto verdicts = m_pool.verify(b.txs);
  for (size_t i = 0; i < verdicts.size(); ++i)
    if (verdicts[i]) return rejection(ProposalReject::kBadTxSignature, tx_name(b.txs[i]) + ": " + verdicts[i]->detail);
  return std::nullopt;
}

// The body of a proposal this node may vote for, kept until a block of its round or a later one is
// committed. Recorded before the engine sees the verdict, so before any vote for it is signed (the
// vote's record is fsync'd after it, which makes this one durable too). Without it, a block certified
// while every honest holder of its body crashed could never be fetched by anyone (cx_sim seeds 1181 and
// 2795). Only the round's leader's proposals (the engine ignores anyone else's), bounded per round and
// in rounds; when full, the farthest round gives way to a nearer one, so proposals for far-future
// rounds cannot crowd out the ones this node votes on.
void ChannelCore::record_proposal(const core::Block& b, BytesView encoded, out::Actions& out) {
  const uint32_t round = b.header.round;
  if (b.header.proposer != m_schedule.at(b.header.height).leader(round)) return;
  const Hash32 hash = b.hash();
  RecordsUpdate u;
  auto it = m_recorded_proposals.find(round);
  if (it == m_recorded_proposals.end()) {
    if (m_recorded_proposals.size() >= kProposalRecordRoundsMax) {
      auto farthest = std::prev(m_recorded_proposals.end());
      if (farthest->first < round) return;
      for (const auto& h : farthest->second) u.drop_proposals.push_back(ProposalKey{farthest->first, h});
      m_recorded_proposals.erase(farthest);
    }
    it = m_recorded_proposals.emplace(round, std::set<Hash32>{}).first;
  }
  if (it->second.contains(hash) || it->second.size() >= kProposalRecordsPerRound) return;
  u.proposals.emplace_back(ProposalKey{round, hash}, encoded.empty() ? b.encode() : Bytes(encoded.begin(), encoded.end()));
  it->second.insert(hash);
  out.push_back(out::Persist{std::move(u)});
}

// Keeps a proposal until its parent is executed here; only one above the block after the final head
// can still be judged. When full, the proposal of the lowest round gives way.
void ChannelCore::buffer_proposal(std::optional<core::Address> from, const BlockPtr& b) {
  if (b->header.height <= final_height() + 1) return;
  auto range = m_buffered.equal_range(b->header.prev_hash);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second.block->hash() == b->hash()) return;  // a duplicate delivery
  if (m_buffered.size() >= kBufferedProposalsMax) {
    auto lowest = m_buffered.begin();
    for (auto it = m_buffered.begin(); it != m_buffered.end(); ++it)
      if (it->second.block->header.round < lowest->second.block->header.round) lowest = it;
    if (lowest->second.block->header.round >= b->header.round) return;
    m_buffered.erase(lowest);
  }
  m_buffered.emplace(b->header.prev_hash, Buffered{b, from});
}

// Proposals that waited for `parent` are delivered again, now with a verdict.
void ChannelCore::deliver_buffered(const Hash32& parent, consensus::Actions& more, out::Actions& out) {
  auto range = m_buffered.equal_range(parent);
  std::vector<Buffered> ready;
  for (auto it = range.first; it != range.second; ++it) ready.push_back(it->second);
  m_buffered.erase(range.first, range.second);
  for (const auto& r : ready) {
    const bool valid = judge_proposal(r.from, *r.block, {}, out);
    for (auto& a : m_engine->on_proposal(r.block, valid)) more.push_back(std::move(a));
  }
}

// Our own proposals at `height` or below that lost to `kept`: their txs go back to the pool.
void ChannelCore::restore_abandoned_proposals(uint64_t height, const Hash32& kept) {
  std::vector<core::TxPtr> abandoned;
  for (auto it = m_own_proposals.begin(); it != m_own_proposals.end() && it->first <= height;) {
    const BlockPtr& mine = it->second;
    if (mine->hash() != kept)
      for (const auto& tx : mine->txs)
        if (!committed_or_certified(tx->hash)) abandoned.push_back(tx);
    it = m_own_proposals.erase(it);
  }
  if (!abandoned.empty()) m_pool.restore(abandoned);
}

void ChannelCore::reject(const core::Address& peer, const ProposalRejection& r, const core::Block* b) {
  auto& counts = m_rejections[peer];
  ++counts.proposals[static_cast<size_t>(r.reason)];
  std::string what = b ? "proposal " + std::to_string(b->header.height) + "/" + std::to_string(b->header.round) : "proposal";
  CX_WARN(kLog, what << " from " << peer.to_string() << " refused (" << to_string(r.reason) << "): " << r.detail << " ["
                     << counts.total() << " refused from this peer]");
}

}  // namespace cx::channel
