// LFT (loopchain fault tolerance, DESIGN.md §4; public description: icon-project/LFT2) as a
// deterministic state machine.
//
// Rules this engine keeps:
// - n validators in the given order, f = ⌊(n−1)/3⌋, q = n − f.
// - Leader of (height, round) = validators[(height + round) mod n]: rotation per round, and per
//   height so that consecutive blocks come from different validators when nothing fails.
// - Each validator signs at most one vote per (height, round), ever. A kBlock vote needs a proposal
//   from that round's leader that extends this node's candidate, carries a valid QC for it, names
//   this validator set, and whose contents the channel judged valid after executing the parent; any
//   other proposal from the leader, or a round timeout, gets a kNone vote.
// - A block with q kBlock votes at one (height, round) becomes the candidate; replacing the
//   candidate commits the previous one (block N is final when N+1 is certified).
// - A round ends without a block when its votes prove no block can reach q (max block votes + votes
//   still missing < q). f+1 votes for a later round of this height show an honest validator got
//   there, so this node joins that round. And (LFT2's "lazy votes") a round that holds q votes but
//   no decision at two consecutive round timeouts ends too: otherwise f silent validators plus one
//   honest none vote (a proposal that arrived late) would stall the chain for good.
// - Timeout of round r = round_timeout_ms · 2^min(r, 5) (+ block_interval_ms in round 0, while the
//   leader waits out the block interval). Timing out without a vote casts a kNone vote; timing out
//   with one re-broadcasts it. Either way the timer is re-armed and the evidence laggards need is
//   sent again: the votes of this node's candidate QC (for peers still deciding the previous height)
//   and the votes that ended the previous round. A timeout while this height is certified but its
//   block has not arrived asks the channel to fetch it (ActSync).
// - Write-ahead record before every signature that leaves the node (see encode_record()). Signing
//   is monotonic: after a restart nothing is signed at or below the recorded (height, round) except
//   the recorded vote itself, re-broadcast unchanged.
//
// Safety (what is final never conflicts), with at most f faulty validators: block N is committed
// only when a child of N is certified, i.e. q validators voted for that child, each while N was its
// candidate. An honest validator signs one vote per (height, round), votes only for children of
// its candidate, and never changes its candidate for a height (it only moves to higher heights,
// after certifying or syncing). Two conflicting commits at one height would need two quorums of
// child votes, which share f+1 validators, one of them honest with two candidates for one height.
// This does not depend on how rounds end, which is why the round-ending rules above may be
// liveness-driven. (Two blocks can be certified at one height in different rounds when a faulty
// validator sends different votes to different peers; the node left with the orphan candidate
// stops finding children it can vote for, sees QCs above its height and syncs to the chain.)
// Everything kept from outside is bounded (kVoteKeysMax, kProposalKeysMax).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "base/assert.hpp"
#include "codec/binary.hpp"
#include "consensus/engine.hpp"

namespace cx::consensus {
namespace {

using core::Address;
using core::QuorumCertificate;
using core::Vote;
using core::VoteKind;

// (height, round), ordered lexicographically.
using Key = std::pair<uint64_t, uint32_t>;

constexpr uint8_t kRecordVersion = 1;
constexpr size_t kRecordVoteBytesMax = 256;
// Distinct (height, round) keys with votes kept (current round, later rounds, later heights), each
// holding at most one vote per validator. When full, the farthest key gives way to a nearer one.
constexpr size_t kVoteKeysMax = 32;
// Proposals kept (at most one per (height, round), this height and the next).
constexpr size_t kProposalKeysMax = 16;
constexpr uint32_t kTimeoutDoublingsMax = 5;  // cap: 32 × round_timeout_ms
constexpr size_t kVerifiedQcCacheMax = 16;

// The write-ahead record: the last vote this node signed.
//   u8 version (1) | u64 height | u32 round | hash32 block hash (zero for a none vote)
//   | bytes vote (Vote::encode(), the signed vote itself, so a restart re-broadcasts it unchanged)
// A vote record also covers a proposal at the same (height, round): the leader persists its own
// vote for its proposal once, before broadcasting either.
Bytes encode_record(const Vote& v) {
  codec::Writer w;
  w.u8(kRecordVersion);
  w.u64(v.height);
  w.u32(v.round);
  w.fixed(v.block_hash);
  w.bytes(v.encode());
  return w.take();
}

std::optional<Vote> decode_record(BytesView b) {
  codec::Reader r(b);
  if (r.u8() != kRecordVersion) return std::nullopt;
  uint64_t height = r.u64();
  uint32_t round = r.u32();
  Hash32 hash = r.fixed<32>();
  Bytes vote_bytes = r.bytes(kRecordVoteBytesMax);
  if (!r.finish()) return std::nullopt;
  auto v = Vote::decode(vote_bytes);
  if (!v || v->height != height || v->round != round || v->block_hash != hash) return std::nullopt;
  return v;
}

struct Tally {
  std::map<Address, Vote> votes;  // by voter; std::map keeps them sorted by address for QCs
  std::map<Hash32, size_t> block_votes;
  size_t none_votes = 0;
};

struct StoredProposal {
  BlockPtr block;
  bool verdict_known = false;  // delivered after the parent was executed
  bool contents_valid = false;
  bool own_build = false;      // built by this node after ActBuildProposal: broadcast it when voting
};

class LftEngine final : public Engine {
 public:
  explicit LftEngine(const EngineOptions& o) : m_options(o) {
    const auto& vs = o.validators;
    CX_ASSERT_MSG(!vs.empty() && vs.size() <= core::kValidatorsMax, "validator set size out of range");
    for (size_t i = 0; i < vs.size(); ++i) {
      bool fresh = m_index.emplace(vs[i], i).second;
      CX_ASSERT_MSG(fresh, "validator listed twice");
    }
    auto pub = crypto::public_key_of(o.key);
    CX_ASSERT_MSG(pub.has_value(), "invalid node key");
    m_self = Address::of_public_key(*pub);
    if (auto it = m_index.find(m_self); it != m_index.end()) m_self_index = it->second;
    m_n = vs.size();
    m_f = max_faulty(m_n);
    m_q = quorum(m_n);
    m_validators_hash = core::validators_hash(vs);
  }

  Actions start(const ChainTip& tip, const std::vector<Bytes>& persisted_records) override {
    CX_ASSERT(tip.committed);
    CX_ASSERT_MSG(!m_started, "engine started twice");
    m_started = true;
    // Records are our own writes; one that does not decode is ignored, and the latest valid one
    // (the highest (height, round)) bounds what may be signed from now on.
    for (const auto& rec : persisted_records) {
      auto v = decode_record(rec);
      if (v && v->voter == m_self && (!m_signed || key_of(*v) > key_of(*m_signed))) m_signed = v;
    }
    Actions out;
    adopt_tip(tip);
    enter_height(top_height() + 1, out);
    settle(out);
    return out;
  }

  Actions on_timeout(const Timer& t) override {
    Actions out;
    if (!m_started || t.height != m_height || t.round != m_round) return out;
    if (t.kind == TimerKind::kPropose) {
      if (is_leader(m_height, m_round)) m_propose_due = true;
      settle(out);
      return out;
    }
    // This height is certified but the block never reached us (its proposal was lost): fetch it.
    if (m_pending_qc) out.push_back(ActSync{m_height});
    if (!m_my_vote) {
      if (can_sign_vote()) cast_vote(VoteKind::kNone, Hash32{}, parent()->header.timestamp_us, out);
    } else {
      out.push_back(ActBroadcastVote{*m_my_vote});  // peers may have lost it
    }
    // Peers still deciding the previous height need our candidate's votes, and peers still in the
    // previous round need the votes that ended it; we no longer take part in either, so nobody
    // else would send them again.
    if (m_candidate)
      for (const auto& v : m_candidate_qc.votes) out.push_back(ActBroadcastVote{v});
    for (const auto& v : m_round_proof) out.push_back(ActBroadcastVote{v});
    settle(out);
    if (current() != Key{t.height, t.round}) return out;  // our vote decided the round
    // LFT2's lazy rule: a quorum voted and no block can be certified from what arrived, e.g. f
    // validators are down and one that missed the proposal voted none (q−1 block votes, one none
    // vote: neither certified nor provably lost, forever). After a whole further timeout with such a
    // quorum, the round ends. Commits stay safe without a proof here (see the header comment).
    auto tally = m_votes.find(current());
    bool quorum_undecided = !m_pending_qc && tally != m_votes.end() && tally->second.votes.size() >= m_q;
    if (quorum_undecided && m_undecided_at_timeout && m_round < std::numeric_limits<uint32_t>::max()) {
      std::vector<Vote> proof;
      for (const auto& [voter, v] : tally->second.votes) proof.push_back(v);
      enter_round(m_round + 1, out);
      m_round_proof = std::move(proof);
      settle(out);
      return out;
    }
    m_undecided_at_timeout = quorum_undecided;
    out.push_back(ActSetTimer{t, round_timeout_ms(m_round)});
    return out;
  }

  Actions on_proposal(const BlockPtr& block, bool contents_valid) override {
    Actions out;
    if (!m_started || !block) return out;
    const auto& hd = block->header;
    // The QC of the parent travels in the block: evidence that the parent's height is decided.
    const auto& pqc = block->prev_qc;
    if (hd.height >= 2 && !pqc.empty() && pqc.height + 1 == hd.height && pqc.block_hash == hd.prev_hash)
      take_qc(pqc, out);
    store_proposal(block, contents_valid);
    settle(out);
    return out;
  }

  Actions on_vote(const Vote& v) override {
    Actions out;
    if (!m_started || !m_index.contains(v.voter)) return out;
    if ((v.kind == VoteKind::kNone) != v.block_hash.is_zero()) return out;
    if (v.height < m_height) return out;
    // A copy already counted needs no signature check, and is never relayed twice.
    if (auto t = m_votes.find(key_of(v)); t != m_votes.end()) {
      auto e = t->second.votes.find(v.voter);
      if (e != t->second.votes.end() && same_vote(e->second, v)) return out;
    }
    if (!signature_ok(v)) return out;
    add_vote(v, /*relay=*/v.voter != m_self, out);
    settle(out);
    return out;
  }

  Actions on_block_executed(const Hash32& block_hash) override {
    Actions out;
    if (!m_started || m_parent_executed || block_hash != parent()->hash()) return out;
    m_parent_executed = true;
    settle(out);
    return out;
  }

  Actions on_synced(const ChainTip& tip) override {
    Actions out;
    if (!m_started || !tip.committed) return out;
    const auto& top = tip.candidate ? tip.candidate : tip.committed;
    if (top->header.height + 1 <= m_height) return out;  // nothing gained
    adopt_tip(tip);
    enter_height(top_height() + 1, out);
    settle(out);
    return out;
  }

  EngineStatus status() const override {
    EngineStatus s;
    s.height = m_height;
    s.round = m_round;
    if (m_behind_qc) s.behind_to = m_behind_qc->height;
    else if (m_pending_qc) s.behind_to = m_pending_qc->height;
    s.equivocations = m_equivocations;
    return s;
  }

 private:
  // ---- chain position ----
  const BlockPtr& parent() const { return m_candidate ? m_candidate : m_committed; }
  const QuorumCertificate& parent_qc() const { return m_candidate ? m_candidate_qc : m_committed_qc; }
  uint64_t top_height() const { return parent()->header.height; }
  Key current() const { return {m_height, m_round}; }
  static Key key_of(const Vote& v) { return {v.height, v.round}; }

  size_t leader_index(uint64_t height, uint32_t round) const {
    return static_cast<size_t>((height % m_n + round % m_n) % m_n);
  }
  bool is_leader(uint64_t height, uint32_t round) const {
    return m_self_index && *m_self_index == leader_index(height, round);
  }

  uint64_t round_timeout_ms(uint32_t round) const {
    uint64_t t = m_options.round_timeout_ms << std::min(round, kTimeoutDoublingsMax);
    return round == 0 ? t + m_options.block_interval_ms : t;
  }

  void adopt_tip(const ChainTip& tip) {
    m_committed = tip.committed;
    m_committed_qc = tip.committed_qc;
    m_candidate = tip.candidate;
    m_candidate_qc = tip.candidate_qc;
    // The committed block, and a candidate handed over at start or after a sync, were executed
    // before they were handed over.
    m_parent_executed = true;
  }

  void enter_height(uint64_t height, Actions& out) {
    m_height = height;
    m_pending_qc.reset();
    m_verified_qcs.clear();
    if (m_behind_qc && m_behind_qc->height <= height) {
      if (m_behind_qc->height == height) m_pending_qc = std::move(m_behind_qc);
      m_behind_qc.reset();
    }
    // After a restart, resume at the round of the recorded vote: rounds below it cannot be signed.
    uint32_t round = (m_signed && m_signed->height == height) ? m_signed->round : 0;
    enter_round(round, out);
  }

  void enter_round(uint32_t round, Actions& out) {
    m_round = round;
    m_round_proof.clear();
    m_undecided_at_timeout = false;
    m_my_vote.reset();
    m_propose_due = false;
    m_build_requested = false;
    // Earlier rounds of this height stay: a block certified in one of them is still certified.
    m_votes.erase(m_votes.begin(), m_votes.lower_bound(Key{m_height, 0}));
    m_proposals.erase(m_proposals.begin(), m_proposals.lower_bound(Key{m_height, 0}));
    out.push_back(ActSetTimer{Timer{TimerKind::kRound, m_height, m_round}, round_timeout_ms(m_round)});
    if (m_signed && key_of(*m_signed) == current()) {
      // Already signed here before a restart: that vote stands, and is sent again unchanged.
      m_my_vote = m_signed;
      out.push_back(ActBroadcastVote{*m_my_vote});
      add_vote(*m_my_vote, /*relay=*/false, out);
    }
    if (is_leader(m_height, m_round)) {
      // Round 0 waits out the block interval; a later round's leader proposes at once, the
      // interval having passed while the earlier round failed.
      if (m_round == 0) out.push_back(ActSetTimer{Timer{TimerKind::kPropose, m_height, 0}, m_options.block_interval_ms});
      else m_propose_due = true;
    }
  }

  // ---- signing (monotonic in (height, round); see encode_record) ----
  bool can_sign_vote() const { return m_self_index && (!m_signed || current() > key_of(*m_signed)); }

  void cast_vote(VoteKind kind, const Hash32& block_hash, int64_t timestamp_us, Actions& out,
                 const BlockPtr& own_proposal = nullptr) {
    CX_ASSERT(can_sign_vote() && !m_my_vote);
    Vote v;
    v.height = m_height;
    v.round = m_round;
    v.kind = kind;
    v.block_hash = block_hash;
    v.voter = m_self;
    v.timestamp_us = timestamp_us;
    v.signature = crypto::sign(v.signing_hash(), m_options.key);
    m_signed = v;
    m_my_vote = v;
    out.push_back(ActPersist{encode_record(v)});
    if (own_proposal) out.push_back(ActBroadcastProposal{own_proposal});
    out.push_back(ActBroadcastVote{v});
    add_vote(v, /*relay=*/false, out);
  }

  void try_propose(Actions& out) {
    if (!is_leader(m_height, m_round) || !m_propose_due || m_build_requested || m_my_vote) return;
    if (!m_parent_executed || !can_sign_vote()) return;
    m_build_requested = true;
    out.push_back(ActBuildProposal{m_height, m_round, parent(), parent_qc()});
  }

  // ---- proposals ----
  void store_proposal(const BlockPtr& block, bool contents_valid) {
    const auto& hd = block->header;
    Key key{hd.height, hd.round};
    bool certifies = m_pending_qc && block->hash() == m_pending_qc->block_hash && hd.height == m_height;
    if (!certifies) {
      // Only the round's leader proposes; anything else is not this round's proposal.
      if (hd.proposer != m_options.validators[leader_index(hd.height, hd.round)]) return;
      if (hd.height < m_height || hd.height > m_height + 1) return;
    }
    bool verdict_known = hd.height == m_height && m_parent_executed && hd.prev_hash == parent()->hash();
    bool own = m_build_requested && key == current() && hd.proposer == m_self;
    if (auto it = m_proposals.find(key); it != m_proposals.end()) {
      // First proposal per (height, round) wins; a redelivery may bring the verdict.
      auto& p = it->second;
      if (p.block->hash() == block->hash() && verdict_known && !p.verdict_known) {
        p.verdict_known = true;
        p.contents_valid = contents_valid;
      }
      if (!certifies || p.block->hash() == block->hash()) return;
      m_proposals.erase(it);  // the certified block replaces a different one stored at its key
    }
    if (!make_room(m_proposals, key, kProposalKeysMax)) return;
    m_proposals.emplace(key, StoredProposal{block, verdict_known, contents_valid, own});
  }

  // Structural checks of a proposal for the current round, independent of its contents.
  bool extends_parent_correctly(const core::Block& b) {
    const auto& hd = b.header;
    const auto& p = parent()->header;
    if (hd.height != m_height || hd.round != m_round) return false;
    if (hd.prev_hash != parent()->hash() || hd.timestamp_us <= p.timestamp_us) return false;
    if (hd.validators_hash != m_validators_hash || hd.prev_qc_hash != b.prev_qc.hash()) return false;
    if (p.height == 0) return b.prev_qc.empty();  // genesis is certified by definition
    return b.prev_qc.height == p.height && b.prev_qc.block_hash == parent()->hash() && verify_qc(b.prev_qc);
  }

  // Votes on the current round's proposal if there is one and the verdict is in; true if it voted.
  bool vote_on_proposal(Actions& out) {
    if (m_my_vote || !can_sign_vote()) return false;
    auto it = m_proposals.find(current());
    if (it == m_proposals.end()) return false;
    const auto& p = it->second;
    if (!extends_parent_correctly(*p.block)) {
      cast_vote(VoteKind::kNone, Hash32{}, parent()->header.timestamp_us, out);
      return true;
    }
    if (!p.verdict_known) return false;  // the channel delivers it again once the parent is executed
    if (p.contents_valid)
      cast_vote(VoteKind::kBlock, p.block->hash(), p.block->header.timestamp_us, out,
                p.own_build ? p.block : nullptr);
    else
      cast_vote(VoteKind::kNone, Hash32{}, parent()->header.timestamp_us, out);
    return true;
  }

  // ---- votes and certificates ----
  // Same signed content (two valid signatures over one content are one vote, not equivocation).
  static bool same_vote(const Vote& a, const Vote& b) {
    return a.height == b.height && a.round == b.round && a.voter == b.voter && a.kind == b.kind &&
           a.block_hash == b.block_hash && a.timestamp_us == b.timestamp_us;
  }

  bool signature_ok(const Vote& v) const {
    auto pub = crypto::recover(v.signing_hash(), v.signature);
    return pub && Address::of_public_key(*pub) == v.voter;
  }

  // Bounds what is kept per (height, round) key: earlier rounds of this height give way first
  // (oldest first), then the farthest key ahead; the current round is never evicted. False: the
  // new key is not kept (and what is not kept is not relayed either).
  template <typename Map>
  bool make_room(Map& m, Key key, size_t max_keys) const {
    if (m.size() < max_keys) return true;
    if (m.begin()->first < current()) {
      m.erase(m.begin());
      return true;
    }
    if (key < current()) return false;
    auto last = std::prev(m.end());
    if (key > last->first || last->first == current()) return false;
    m.erase(last);
    return true;
  }

  void add_vote(const Vote& v, bool relay, Actions& out) {
    Key key = key_of(v);
    if (key.first < m_height) return;
    auto t = m_votes.find(key);
    if (t == m_votes.end()) {
      if (!make_room(m_votes, key, kVoteKeysMax)) return;
      t = m_votes.emplace(key, Tally{}).first;
    }
    auto& tally = t->second;
    if (auto e = tally.votes.find(v.voter); e != tally.votes.end()) {
      if (!same_vote(e->second, v)) ++m_equivocations;  // the first vote stands; evidence counted
      return;
    }
    tally.votes.emplace(v.voter, v);
    if (v.kind == VoteKind::kNone) ++tally.none_votes;
    else ++tally.block_votes[v.block_hash];
    if (relay) out.push_back(ActBroadcastVote{v});
    if (key.first > m_height && v.kind == VoteKind::kBlock && tally.block_votes[v.block_hash] >= m_q)
      take_verified_qc(make_qc(key, tally, v.block_hash), out);
  }

  QuorumCertificate make_qc(Key key, const Tally& tally, const Hash32& block_hash) const {
    QuorumCertificate qc{key.first, key.second, block_hash, {}};
    for (const auto& [voter, v] : tally.votes)
      if (v.kind == VoteKind::kBlock && v.block_hash == block_hash) qc.votes.push_back(v);
    CX_ASSERT(qc.votes.size() >= m_q);
    return qc;
  }

  // q valid kBlock votes for qc.block_hash at (qc.height, qc.round) from distinct validators,
  // sorted by voter.
  bool verify_qc(const QuorumCertificate& qc) {
    Hash32 id = qc.hash();
    if (m_verified_qcs.contains(id)) return true;
    if (!consensus::verify_qc(qc, m_options.validators)) return false;
    if (m_verified_qcs.size() >= kVerifiedQcCacheMax) m_verified_qcs.clear();
    m_verified_qcs.insert(id);
    return true;
  }

  // A QC received from a peer (inside a proposal).
  void take_qc(const QuorumCertificate& qc, Actions& out) {
    if (qc.height < m_height) return;
    if (qc.height == m_height && m_pending_qc) return;
    if (qc.height > m_height && m_behind_qc && m_behind_qc->height >= qc.height) return;
    if (!verify_qc(qc)) return;
    take_verified_qc(qc, out);
  }

  void take_verified_qc(QuorumCertificate qc, Actions& out) {
    if (qc.height == m_height) {
      if (!m_pending_qc) m_pending_qc = std::move(qc);
    } else if (qc.height > m_height && (!m_behind_qc || m_behind_qc->height < qc.height)) {
      out.push_back(ActSync{qc.height});
      m_behind_qc = std::move(qc);
    }
  }

  // The block certified at the current height: commit the old candidate, execute the new one.
  void certify(const BlockPtr& block, QuorumCertificate qc, Actions& out) {
    CX_ASSERT(block->header.height == m_height && block->hash() == qc.block_hash);
    CX_ASSERT(block->header.prev_hash == parent()->hash());
    if (m_candidate) {
      out.push_back(ActCommit{m_candidate, m_candidate_qc});
      m_committed = m_candidate;
      m_committed_qc = m_candidate_qc;
    }
    m_candidate = block;
    m_candidate_qc = std::move(qc);
    m_parent_executed = false;
    out.push_back(ActExecute{m_candidate, m_candidate_qc});
    enter_height(m_height + 1, out);
  }

  // One step of progress, if any is possible; false when nothing changed.
  bool step(Actions& out) {
    if (m_pending_qc) {
      for (const auto& [key, p] : m_proposals) {
        if (p.block->hash() != m_pending_qc->block_hash || p.block->header.height != m_height) continue;
        // Honest voters only certify a child of the unique certified parent; a mismatch would mean
        // more than f faulty validators, and the block cannot be used here.
        if (p.block->header.prev_hash != parent()->hash()) break;
        BlockPtr block = p.block;
        QuorumCertificate qc = std::move(*m_pending_qc);
        certify(block, std::move(qc), out);
        return true;
      }
    }
    for (const auto& [key, tally] : m_votes) {
      if (key.first != m_height) break;
      size_t best = 0;
      const Hash32* best_hash = nullptr;
      for (const auto& [hash, count] : tally.block_votes)
        if (count > best) best = count, best_hash = &hash;
      if (best >= m_q) {
        if (m_pending_qc) continue;  // waiting for the block's body
        m_pending_qc = make_qc(key, tally, *best_hash);
        return true;
      }
      size_t missing = m_n - tally.votes.size();
      if (key.second < m_round) continue;  // an earlier round only matters for a QC
      if (best + missing < m_q && key.second < std::numeric_limits<uint32_t>::max()) {
        // The round is lost: no block can reach q in it. Its votes are the proof, kept for peers.
        std::vector<Vote> proof;
        for (const auto& [voter, v] : tally.votes) proof.push_back(v);
        enter_round(key.second + 1, out);
        m_round_proof = std::move(proof);
        return true;
      }
      if (key.second > m_round && tally.votes.size() >= m_f + 1) {
        enter_round(key.second, out);
        return true;
      }
    }
    if (vote_on_proposal(out)) return true;
    try_propose(out);
    return false;
  }

  // Each step raises (height, round), casts this round's vote or records a QC, so this ends.
  void settle(Actions& out) {
    while (step(out)) {
    }
  }

  EngineOptions m_options;
  std::map<Address, size_t> m_index;
  std::optional<size_t> m_self_index;  // nullopt: not a validator, never signs
  Address m_self;
  Hash32 m_validators_hash;
  size_t m_n = 0, m_f = 0, m_q = 0;
  bool m_started = false;

  BlockPtr m_committed;
  QuorumCertificate m_committed_qc;
  BlockPtr m_candidate;  // certified, not final; null when the committed block is the tip
  QuorumCertificate m_candidate_qc;
  bool m_parent_executed = true;

  uint64_t m_height = 0;
  uint32_t m_round = 0;
  bool m_propose_due = false;
  bool m_build_requested = false;
  std::optional<Vote> m_my_vote;  // this node's vote at (m_height, m_round)
  std::optional<Vote> m_signed;   // the last vote this node signed (the write-ahead record)
  std::vector<Vote> m_round_proof;  // the votes that ended the previous round of this height, if any
  bool m_undecided_at_timeout = false;  // the last round timeout found q votes and no decision

  std::map<Key, Tally> m_votes;                  // heights >= m_height
  std::map<Key, StoredProposal> m_proposals;     // heights m_height and m_height+1
  std::optional<QuorumCertificate> m_pending_qc; // certifies a block at m_height whose body is awaited
  std::optional<QuorumCertificate> m_behind_qc;  // the highest QC seen above m_height
  std::set<Hash32> m_verified_qcs;
  uint64_t m_equivocations = 0;
};

}  // namespace

std::unique_ptr<Engine> make_lft_engine(const EngineOptions& options) { return std::make_unique<LftEngine>(options); }

}  // namespace cx::consensus
