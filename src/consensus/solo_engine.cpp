#include "consensus/engine.hpp"

#include "base/assert.hpp"

namespace cx::consensus {
namespace {

class SoloEngine final : public Engine {
 public:
  explicit SoloEngine(const EngineOptions& o) : m_options(o) {
    const auto schedule = schedule_of(o);
    CX_ASSERT_MSG(schedule.epochs().size() == 1 && schedule.at(1).size() == 1, "solo engine needs exactly one validator");
    m_self = core::Address::of_public_key(*crypto::public_key_of(o.key));
    CX_ASSERT_MSG(m_self == schedule.at(1).validators()[0].address, "this node's key is not the channel's validator");
  }

  Actions start(const ChainTip& tip, const std::vector<Bytes>&) override {
    CX_ASSERT(tip.committed);
    Actions out;
    m_committed = tip.committed;
    m_committed_qc = tip.committed_qc;
    // A crash can leave more than one certified block above the committed one: the record of a
    // certified block and the commit of its parent are separate writes. Every block but the last
    // is final (its child was certified in the next round, round = height), so it is committed
    // now, in height order, before anything is built on the last.
    for (size_t i = 0; i + 1 < tip.chain.size(); ++i) {
      const auto& child = *tip.chain[i + 1].block;
      CX_ASSERT(child.header.prev_hash == tip.chain[i].block->hash());
      CX_ASSERT_MSG(certifying_finalises_parent(child), "a single validator certifies every block in the next round");
      out.push_back(ActCommit{tip.chain[i].block, tip.chain[i].qc});
      m_committed = tip.chain[i].block;
      m_committed_qc = tip.chain[i].qc;
    }
    if (!tip.chain.empty()) {
      m_candidate = tip.chain.back().block;
      m_candidate_qc = tip.chain.back().qc;
    }
    // A candidate restored at start was executed before it was recorded.
    m_candidate_executed = true;
    out.push_back(propose_timer());
    return out;
  }

  Actions on_timeout(const Timer& t) override {
    if (t.kind != TimerKind::kPropose || t.height != next_height() || m_proposing) return {};
    if (!m_candidate_executed) return {};  // on_block_executed() re-arms
    m_proposing = true;
    BlockPtr parent = m_candidate ? m_candidate : m_committed;
    const auto& qc = m_candidate ? m_candidate_qc : m_committed_qc;
    // One round per block: round = height, so every block's parent was certified in the round
    // right before it (the commit rule of engine.hpp holds for each new block).
    return {ActBuildProposal{next_height(), static_cast<uint32_t>(next_height()), parent, qc}};
  }

  Actions on_proposal(const BlockPtr& block, std::optional<bool> contents_valid) override {
    BlockPtr parent = m_candidate ? m_candidate : m_committed;
    const auto& h = block->header;
    if (!contents_valid.value_or(false) || h.height != next_height() || h.prev_hash != parent->hash() || h.proposer != m_self) {
      m_proposing = false;
      return {propose_timer()};
    }
    m_proposing = false;
    core::Vote v;
    v.height = h.height;
    v.round = h.round;
    v.kind = core::VoteKind::kBlock;
    v.block_hash = block->hash();
    v.voter = m_self;
    v.timestamp_us = h.timestamp_us;
    v.signature = crypto::sign(v.signing_hash(), m_options.key);
    core::QuorumCertificate qc{h.height, h.round, v.block_hash, {v}};
    Actions out;
    // With one validator its own vote is a quorum: the block is certified at once, and replacing
    // the candidate finalises the previous one.
    if (m_candidate) out.push_back(ActCommit{m_candidate, m_candidate_qc});
    m_committed = m_candidate ? m_candidate : m_committed;
    m_committed_qc = m_candidate ? m_candidate_qc : m_committed_qc;
    m_candidate = block;
    m_candidate_qc = qc;
    m_candidate_executed = false;
    out.push_back(ActExecute{block, qc});
    return out;
  }

  Actions on_vote(const core::Vote&) override { return {}; }

  // Nobody else certifies blocks, so there is nothing to catch up to.
  Actions on_synced(const ChainTip&) override { return {}; }

  // A single validator's channel is never governed (it runs without p2p; channel/core.cpp).
  Actions on_schedule(const core::ValidatorSchedule&, uint64_t) override { return {}; }

  EngineStatus status() const override {
    return EngineStatus{next_height(), static_cast<uint32_t>(next_height()), std::nullopt, 0};
  }

  Actions on_block_executed(const Hash32& hash) override {
    if (!m_candidate || m_candidate->hash() != hash) return {};
    m_candidate_executed = true;
    return {propose_timer()};
  }

 private:
  // The next block comes a block interval after its parent's block time.
  ActSetTimer propose_timer() const {
    return ActSetTimer{Timer{TimerKind::kPropose, next_height(), 0}, m_options.block_interval_ms,
                       (m_candidate ? m_candidate : m_committed)->header.timestamp_us};
  }

  uint64_t next_height() const { return (m_candidate ? m_candidate : m_committed)->header.height + 1; }

  EngineOptions m_options;
  core::Address m_self;
  BlockPtr m_committed;
  core::QuorumCertificate m_committed_qc;
  BlockPtr m_candidate;
  core::QuorumCertificate m_candidate_qc;
  bool m_candidate_executed = true;
  bool m_proposing = false;
};

}  // namespace

std::unique_ptr<Engine> make_solo_engine(const EngineOptions& options) { return std::make_unique<SoloEngine>(options); }

}  // namespace cx::consensus
