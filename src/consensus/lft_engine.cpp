// LFT (loopchain fault tolerance, DESIGN.md §4; public description: icon-project/LFT2) as a
// deterministic state machine.
//
// Rules this engine keeps:
// - Weighted validators (core/validator_set.hpp): total weight W, F = ⌊(W−1)/3⌋, a quorum is
//   weight ≥ Q = W − F (3·w > 2·W); a group counts with a majority of its members. Every vote and QC
//   is weighed by the set in force at its height (core::ValidatorSchedule). Unweighted: n, f, q.
// - Rounds are numbered across heights (LFT2): round r has one leader, the set's leader(r) (weighted
//   round-robin; validators[r mod n] unweighted), and certifies at most one block, of whatever
//   height. Genesis is round 0; when nothing fails, block h is proposed in round h.
// - Each validator signs at most one vote per round, ever, in increasing rounds. A kBlock vote in
//   round r needs a proposal from r's leader that extends this node's certified chain tip, carries
//   a valid QC for it, names this validator set, and whose contents the channel judged valid after
//   executing the parent; and the tip must be at least as high as the lock (below). Any other
//   proposal from the leader, or a round timeout, gets a kNone vote. (While sealing, below, the
//   vote is for the tip itself.)
// - The lock is the highest round of any QC this node has seen (from q votes, or carried in a
//   proposal). A QC above the chain tip moves the tip to its block (the block was certified, so
//   switching to it is safe), executing it. The certified blocks it leaves are kept aside, not
//   dropped: a validator still holding one as its tip votes for a child of it before it sees the
//   later QC, so that child can be certified in a round above the later one, and the branch left
//   behind becomes the highest again (and may become final). A QC on such a child moves the tip
//   back, re-executing the blocks kept aside.
// - Commit rule (2-chain): when block B is certified in round r and its parent P was certified in
//   round r−1 (B.prev_qc.round = r−1), P and its ancestors are final. A certified block whose
//   parent's round is further back waits in the certified chain until a child certified in the
//   next round finalises it.
// - A round ends with a QC for it (→ r+1), or when its votes prove no block can reach a quorum
//   (Tally::lost), or (LFT2's lazy vote) when it held a quorum of votes but no decision at two
//   consecutive timeouts. Votes of weight > F for a later round show an honest validator got there,
//   so this node joins that round; a QC for a later round moves it past that round.
// - Changing the validator set (docs/architecture.md): while the tip B is the last block of its
//   set's term and not final, nobody proposes; B's set votes for B again in every round — kSeal if
//   the voter holds a QC for B from the round before, else kBlock (a QC of a later round for B, so the
//   next round can seal). A seal QC makes B final. Only then does the next set vote at B's height + 1,
//   and its first block carries the seal QC. A QC of the next set for a child of B proves B final.
// - Timeout of round r = round_timeout_ms · 2^min(k, 5), k = rounds failed since the tip was
//   certified (+ block_interval_ms when k = 0, while the leader waits out the block interval).
//   Timing out without a vote casts a kNone vote; with one, re-broadcasts it. Either way the timer
//   is re-armed and the evidence laggards need is sent again: the votes of the tip's QC and the
//   votes that ended the previous round. A timeout while a QC's block is missing asks the channel
//   to fetch it (ActSync).
// - Write-ahead record before every signature that leaves the node (VoteRecord, engine.hpp). After
//   a restart nothing is signed at or below the recorded round except the recorded vote itself,
//   re-broadcast unchanged. A vote record covers a proposal in the same round too: the leader
//   persists its own vote for its proposal once, before broadcasting either. The lock is in the
//   record so that safety after a restart does not rest on the channel having kept the certified
//   chain the lock came from.
//
// Safety, with at most f faulty validators. Let B be certified in round r and its child C in round
// r+1, so B is final. (1) No other block is certified in round r+1 (two quorums share an honest
// validator, who votes once per round). (2) Every block certified in a round s > r+1 descends
// from B: its q voters share an honest validator U with C's q voters; U saw B's QC inside C
// before voting for C, so its lock was ≥ r from then on, and U votes in round s only for a block
// whose parent's QC round is ≥ its lock — by induction on s that parent is B, C, or a block
// certified after r+1, which descends from B. So every block final later extends B. A seal QC for
// B in round s plays C's part (its honest voters held B's QC of round s−1, so their lock was s−1 and
// their tip B), and the next set builds only on a B final at its honest voters, so safety carries
// across a change of set (the full argument is in docs/architecture.md). Before the
// fix that introduced global rounds (tests/sim/README.md, seeds 140 and 3), rounds restarted at
// each height and a node could be left holding a certified block that no quorum would extend.
//
// Liveness: after the network heals, votes are relayed by every honest node and re-sent at each
// timeout, so every honest node learns every QC another honest node holds within a timeout; the
// first honest leader whose round lasts long enough proposes on the highest QC, every honest
// node votes for it, and the next honest leader's block finalises it.
// Everything kept from outside is bounded (kVoteRoundsMax, kProposalRoundsMax, kChainMax, kAsideMax).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "base/assert.hpp"
#include "consensus/engine.hpp"
#include "consensus/tally.hpp"

namespace cx::consensus {
namespace {

using core::Address;
using core::QuorumCertificate;
using core::Vote;
using core::VoteKind;

// Rounds with votes kept (recent past rounds, the current one, later ones), each holding at most
// one vote per validator. When full, the oldest past round gives way, then the farthest ahead.
constexpr size_t kVoteRoundsMax = 32;
// Proposals kept (at most one per round).
constexpr size_t kProposalRoundsMax = 16;
// Certified blocks not yet final. Past this the node stops extending the chain and syncs instead.
constexpr size_t kChainMax = 64;
// Certified blocks above the committed one that the chain left for a branch of a later round.
constexpr size_t kAsideMax = 64;
constexpr uint32_t kTimeoutDoublingsMax = 5;  // cap: 32 × round_timeout_ms
constexpr size_t kVerifiedQcCacheMax = 16;

struct StoredProposal {
  BlockPtr block;
  std::optional<bool> contents_valid;  // the channel's verdict, once it executed the parent
  bool own_build = false;              // built by this node after ActBuildProposal: broadcast it when voting
};

class LftEngine final : public Engine {
 public:
  explicit LftEngine(const EngineOptions& o)
      : m_options(o), m_schedule(schedule_of(o)), m_known_through(o.schedule_known_through) {
    auto pub = crypto::public_key_of(o.key);
    CX_ASSERT_MSG(pub.has_value(), "invalid node key");
    m_self = Address::of_public_key(*pub);
  }

  Actions start(const ChainTip& tip, const std::vector<Bytes>& persisted_records) override {
    CX_ASSERT(tip.committed);
    CX_ASSERT_MSG(!m_started, "engine started twice");
    m_started = true;
    // The channel checked the records (check_records) and refuses to start on a bad one: skipping
    // a record could let this node sign a second vote in its round. The highest round bounds what
    // may be signed from now on.
    auto checked = check_records(persisted_records, m_self);
    CX_ASSERT_MSG(checked.is_ok(), checked.message().c_str());
    for (const auto& bytes : persisted_records) {
      auto rec = decode_vote_record(bytes);
      if (!m_signed || rec->vote.round > m_signed->round) m_signed = rec->vote;
      m_lock_round = std::max(m_lock_round, rec->lock_round);
    }
    Actions out;
    adopt_tip(tip);
    uint32_t round = next_round(tip_round());
    if (m_signed && m_signed->round > round) round = m_signed->round;
    enter_round(round, out);
    settle(out);
    return out;
  }

  Actions on_timeout(const Timer& t) override {
    Actions out;
    if (!m_started || t.round != m_round) return out;
    if (t.kind == TimerKind::kPropose) {
      if (is_leader(m_round)) m_propose_due = true;
      settle(out);
      return out;
    }
    // A QC whose block never reached us (its proposal was lost): fetch it.
    if (m_pending_qc) out.push_back(ActSync{m_pending_qc->height});
    if (!m_my_vote) {
      if (can_sign_vote()) cast_vote(VoteKind::kNone, Hash32{}, tip()->header.timestamp_us, out);
    } else {
      out.push_back(ActBroadcastVote{*m_my_vote});  // peers may have lost it
    }
    // Peers that missed the QC of our tip need its votes, and peers still in the previous round
    // need the votes that ended it; nobody else would send them again. So do peers that missed
    // the QC we wait on: one of them may hold its block (having voted for it) and, once it has
    // the QC, attach it and serve it to us.
    for (const auto& v : tip_qc().votes) out.push_back(ActBroadcastVote{v});
    for (const auto& v : m_round_proof) out.push_back(ActBroadcastVote{v});
    if (m_pending_qc)
      for (const auto& v : m_pending_qc->votes) out.push_back(ActBroadcastVote{v});
    settle(out);
    if (m_round != t.round) return out;  // our vote decided the round
    // LFT2's lazy rule: a quorum voted and no block can be certified from what arrived, e.g. f
    // validators are down and one that missed the proposal voted none (q−1 block votes, one none
    // vote: neither certified nor provably lost, forever). After a whole further timeout with such a
    // quorum, the round ends. Safety does not depend on how rounds end (see the header comment).
    auto tally = m_votes.find(m_round);
    const auto& set = deciding_set();
    bool quorum_undecided = tally != m_votes.end() && tally->second.voted_weight(set) >= set.quorum();
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

  Actions on_proposal(const BlockPtr& block, std::optional<bool> contents_valid) override {
    Actions out;
    if (!m_started || !block) return out;
    store_proposal(block, contents_valid);
    // The QC of the parent travels in the block: evidence that the parent is certified.
    const auto& pqc = block->prev_qc;
    if (!pqc.empty() && pqc.block_hash == block->header.prev_hash && pqc.height + 1 == block->header.height)
      take_qc(pqc);
    settle(out);
    return out;
  }

  Actions on_vote(const Vote& v) override {
    Actions out;
    if (!m_started || !m_schedule.at(v.height).contains(v.voter)) return out;
    if ((v.kind == VoteKind::kNone) != v.block_hash.is_zero()) return out;
    if (v.round <= tip_round()) return out;  // that round is settled here
    // A copy already counted needs no signature check, and is never relayed twice.
    if (auto t = m_votes.find(v.round); t != m_votes.end()) {
      auto e = t->second.votes.find(v.voter);
      if (e != t->second.votes.end() && same_vote(e->second, v)) return out;
      auto s = t->second.seconds.find(v.voter);
      if (s != t->second.seconds.end() && same_vote(s->second, v)) return out;
    }
    if (!vote_signature_ok(v)) return out;
    add_vote(v, /*relay=*/v.voter != m_self, out);
    settle(out);
    return out;
  }

  Actions on_block_executed(const Hash32& block_hash) override {
    Actions out;
    if (!m_started || m_tip_executed || block_hash != tip()->hash()) return out;
    m_tip_executed = true;
    settle(out);
    return out;
  }

  Actions on_synced(const ChainTip& synced) override {
    Actions out;
    if (!m_started || !synced.committed) return out;
    uint32_t synced_round = synced.chain.empty() ? synced.committed->header.round : synced.chain.back().qc.round;
    bool gains = synced.committed->header.height > m_committed->header.height || synced_round > tip_round();
    if (!gains) return out;
    adopt_tip(synced);
    if (m_pending_qc && m_pending_qc->round <= tip_round()) m_pending_qc.reset();
    if (m_round <= tip_round()) enter_round(next_round(tip_round()), out);
    settle(out);
    return out;
  }

  Actions on_schedule(const core::ValidatorSchedule& schedule, uint64_t known_through) override {
    Actions out;
    if (schedule.epochs().size() != m_schedule.epochs().size()) {
      m_schedule = schedule;
      m_verified_qcs.clear();
    }
    m_known_through = known_through;
    if (m_started) settle(out);
    return out;
  }

  EngineStatus status() const override {
    EngineStatus s;
    s.height = tip()->header.height + 1;
    s.round = m_round;
    if (m_pending_qc) s.behind_to = m_pending_qc->height;
    s.equivocations = m_equivocations;
    return s;
  }

 private:
  // ---- chain position ----
  const BlockPtr& tip() const { return m_chain.empty() ? m_committed : m_chain.back().block; }
  const QuorumCertificate& tip_qc() const { return m_chain.empty() ? m_committed_qc : m_chain.back().qc; }
  // The round of the tip's highest QC: its own round, or a later one when the last block of a set's
  // term was certified again while being sealed (genesis: 0).
  uint32_t tip_round() const { return std::max(tip()->header.round, tip_qc().empty() ? 0u : tip_qc().round); }
  static uint32_t next_round(uint32_t r) { return r == std::numeric_limits<uint32_t>::max() ? r : r + 1; }

  // ---- validator sets (core::ValidatorSchedule; "Changing the validator set" in the header comment) ----
  // The tip is the last block of its set's term and not final yet: that set seals it before the next
  // set decides anything.
  // Also at the horizon of the schedule learned so far (Engine::on_schedule): the next block's height
  // and its successor's set must be final knowledge before anyone builds or votes for it.
  bool sealing() const {
    if (m_chain.empty()) return false;
    const uint64_t h = tip()->header.height;
    return m_schedule.changes_after(h) || h + 2 > m_known_through;
  }
  // The set deciding the current rounds: the next height's, or while sealing the tip's.
  const core::ValidatorSet& deciding_set() const {
    return m_schedule.at(sealing() ? tip()->header.height : tip()->header.height + 1);
  }
  const Address& leader_of(uint64_t height, uint32_t round) const { return m_schedule.at(height).leader(round); }
  bool is_leader(uint32_t round) const {
    return !sealing() && deciding_set().contains(m_self) && leader_of(tip()->header.height + 1, round) == m_self;
  }

  // Rounds failed since the tip was certified.
  uint32_t failed_rounds() const { return m_round > tip_round() ? m_round - tip_round() - 1 : 0; }

  uint64_t round_timeout_ms(uint32_t /*round*/) const {
    uint32_t k = failed_rounds();
    uint64_t t = m_options.round_timeout_ms << std::min(k, kTimeoutDoublingsMax);
    return k == 0 ? t + m_options.block_interval_ms : t;
  }

  // Is `hash` the committed head or in the certified chain (so executed, or being executed)?
  std::optional<size_t> chain_position(const Hash32& hash) const {
    if (m_committed->hash() == hash) return 0;
    for (size_t i = 0; i < m_chain.size(); ++i)
      if (m_chain[i].block->hash() == hash) return i + 1;
    return std::nullopt;
  }

  void adopt_tip(const ChainTip& t) {
    for (auto& c : m_chain) set_aside(std::move(c));
    m_committed = t.committed;
    m_committed_qc = t.committed_qc;
    m_chain = t.chain;
    for (const auto& c : m_chain) m_aside.erase(c.block->hash());
    if (m_chain.size() > kChainMax) m_chain.erase(m_chain.begin(), m_chain.end() - kChainMax);
    // Blocks handed over at start or after a sync were executed before.
    m_tip_executed = true;
    m_lock_round = std::max(m_lock_round, tip_round());
    prune();
  }

  // Drops what a settled round can no longer use, and blocks kept aside at a committed height.
  void prune() {
    m_votes.erase(m_votes.begin(), m_votes.upper_bound(tip_round()));
    m_proposals.erase(m_proposals.begin(), m_proposals.upper_bound(tip_round()));
    std::erase_if(m_aside, [&](const auto& e) { return e.second.block->header.height <= m_committed->header.height; });
  }

  // Keeps a certified block the chain leaves (see the header comment); when full, the one of the
  // lowest round gives way.
  void set_aside(CertifiedBlock c) {
    if (c.block->header.height <= m_committed->header.height) return;
    if (m_aside.size() >= kAsideMax) {
      auto lowest = std::min_element(m_aside.begin(), m_aside.end(), [](const auto& a, const auto& b) {
        return a.second.block->header.round < b.second.block->header.round;
      });
      if (lowest->second.block->header.round >= c.block->header.round) return;
      m_aside.erase(lowest);
    }
    Hash32 hash = c.block->hash();
    m_aside.emplace(hash, std::move(c));
  }

  void enter_round(uint32_t round, Actions& out) {
    m_round = round;
    m_round_proof.clear();
    m_undecided_at_timeout = false;
    m_my_vote.reset();
    m_propose_due = false;
    m_build_requested = false;
    out.push_back(ActSetTimer{Timer{TimerKind::kRound, tip()->header.height + 1, m_round}, round_timeout_ms(m_round)});
    if (m_signed && m_signed->round == m_round) {
      // Already signed here before a restart: that vote stands, and is sent again unchanged.
      m_my_vote = m_signed;
      out.push_back(ActBroadcastVote{*m_my_vote});
      add_vote(*m_my_vote, /*relay=*/false, out);
    }
    if (is_leader(m_round)) {
      // Right after a certified round the leader waits out the block interval; after failed
      // rounds it proposes at once, the interval having passed.
      if (failed_rounds() == 0)
        out.push_back(ActSetTimer{Timer{TimerKind::kPropose, tip()->header.height + 1, m_round}, m_options.block_interval_ms,
                                  tip()->header.timestamp_us});
      else
        m_propose_due = true;
    }
  }

  // ---- signing (monotonic in rounds; see VoteRecord) ----
  bool can_sign_vote() const { return deciding_set().contains(m_self) && (!m_signed || m_round > m_signed->round); }

  void cast_vote(VoteKind kind, const Hash32& block_hash, int64_t timestamp_us, Actions& out,
                 const BlockPtr& own_proposal = nullptr) {
    CX_ASSERT(can_sign_vote() && !m_my_vote);
    Vote v;
    // A seal (or re-certification) of the tip names the tip's height; any other vote the next one.
    v.height = block_hash == tip()->hash() ? tip()->header.height : tip()->header.height + 1;
    v.round = m_round;
    v.kind = kind;
    v.block_hash = block_hash;
    v.voter = m_self;
    v.timestamp_us = timestamp_us;
    v.signature = crypto::sign(v.signing_hash(), m_options.key);
    m_signed = v;
    m_my_vote = v;
    out.push_back(ActPersist{encode_vote_record(VoteRecord{v, m_lock_round})});
    if (own_proposal) out.push_back(ActBroadcastProposal{own_proposal});
    out.push_back(ActBroadcastVote{v});
    add_vote(v, /*relay=*/false, out);
  }

  // The tip may be extended: it is executed and no higher QC is known (else the locked block is
  // missing here and is being fetched).
  bool tip_usable() const { return m_tip_executed && tip_round() >= m_lock_round; }

  void try_propose(Actions& out) {
    if (!is_leader(m_round) || !m_propose_due || m_build_requested || m_my_vote) return;
    if (!tip_usable() || !can_sign_vote()) return;
    m_build_requested = true;
    out.push_back(ActBuildProposal{tip()->header.height + 1, m_round, tip(), tip_qc()});
  }

  // ---- proposals ----
  void store_proposal(const BlockPtr& block, std::optional<bool> contents_valid) {
    const auto& hd = block->header;
    uint32_t key = hd.round;
    if (key <= tip_round()) return;
    // Only the round's leader proposes; anything else is not this round's proposal.
    if (hd.proposer != leader_of(hd.height, key)) return;
    bool own = m_build_requested && key == m_round && hd.proposer == m_self;
    if (auto it = m_proposals.find(key); it != m_proposals.end()) {
      // First proposal per round wins (a second one is the leader equivocating); a redelivery may
      // bring the verdict.
      auto& p = it->second;
      if (p.block->hash() == block->hash() && contents_valid && !p.contents_valid) p.contents_valid = contents_valid;
      return;
    }
    if (!make_room(m_proposals, key, kProposalRoundsMax)) return;
    m_proposals.emplace(key, StoredProposal{block, contents_valid, own});
  }

  const StoredProposal* stored_block(const Hash32& hash) const {
    for (const auto& [round, p] : m_proposals)
      if (p.block->hash() == hash) return &p;
    return nullptr;
  }

  // Structural checks of a proposal for the current round, independent of its contents.
  bool extends_tip_correctly(const core::Block& b) {
    const auto& hd = b.header;
    const auto& p = tip()->header;
    if (hd.round != m_round || hd.height != p.height + 1) return false;
    if (hd.prev_hash != tip()->hash() || hd.timestamp_us <= p.timestamp_us) return false;
    if (hd.validators_hash != m_schedule.at(hd.height).hash() || hd.prev_qc_hash != b.prev_qc.hash()) return false;
    if (hd.next_validators() != m_schedule.at(hd.height + 1).hash()) return false;
    if (p.height == 0) return b.prev_qc.empty();  // genesis is certified by definition
    // It carries the tip's highest QC (after a seal, the seal QC).
    return b.prev_qc.height == p.height && b.prev_qc.round == tip_round() && b.prev_qc.block_hash == tip()->hash() &&
           verify_qc(b.prev_qc);
  }

  // Votes on the current round's proposal if there is one and the verdict is in; true if it voted.
  bool vote_on_proposal(Actions& out) {
    if (m_my_vote || !can_sign_vote()) return false;
    if (sealing()) {
      if (!tip_usable()) return false;
      // With a QC for the tip from the round before, a seal vote; without, a vote certifying the tip
      // again in this round, so that the next round can seal it.
      const VoteKind kind = tip_round() + 1 == m_round ? VoteKind::kSeal : VoteKind::kBlock;
      cast_vote(kind, tip()->hash(), tip()->header.timestamp_us, out);
      return true;
    }
    auto it = m_proposals.find(m_round);
    if (it == m_proposals.end()) return false;
    const auto& p = it->second;
    if (!m_tip_executed) return false;  // the tip becomes executed within the same channel step
    if (tip_round() < m_lock_round) {
      // A higher QC exists whose block is not here. A proposal on it waits for the sync; one on
      // anything lower is refused (that is the lock).
      if (p.block->header.prev_hash == (m_pending_qc ? m_pending_qc->block_hash : Hash32{})) return false;
      cast_vote(VoteKind::kNone, Hash32{}, tip()->header.timestamp_us, out);
      return true;
    }
    if (!extends_tip_correctly(*p.block)) {
      // (A proposal on a block certified above the tip made that QC pending, taken above.)
      cast_vote(VoteKind::kNone, Hash32{}, tip()->header.timestamp_us, out);
      return true;
    }
    if (!p.contents_valid) return false;  // the channel delivers it again once the parent is executed
    if (*p.contents_valid)
      cast_vote(VoteKind::kBlock, p.block->hash(), p.block->header.timestamp_us, out,
                p.own_build ? p.block : nullptr);
    else
      cast_vote(VoteKind::kNone, Hash32{}, tip()->header.timestamp_us, out);
    return true;
  }

  // ---- votes and certificates ----
  template <typename Map>
  bool make_room(Map& m, uint32_t key, size_t max_keys) const {
    return make_room_for_round(m, key, max_keys, m_round);
  }

  void add_vote(const Vote& v, bool relay, Actions& out) {
    if (v.round <= tip_round()) return;
    auto t = m_votes.find(v.round);
    if (t == m_votes.end()) {
      if (!make_room(m_votes, v.round, kVoteRoundsMax)) return;
      t = m_votes.emplace(v.round, Tally{}).first;
    }
    auto& tally = t->second;
    if (auto e = tally.votes.find(v.voter); e != tally.votes.end()) {
      if (same_vote(e->second, v)) return;
      auto second = tally.seconds.find(v.voter);
      if (second != tally.seconds.end() && same_vote(second->second, v)) return;
      ++m_equivocations;  // the first vote stands for ending the round; evidence counted
      // It still counts toward a QC for the block this node holds as the round's proposal: q
      // signatures certify a block whatever else their signers signed, and peers may have formed
      // that QC with this vote and be locked on it, while only nodes like this one hold the block.
      // (Their re-sent votes reach us one by one; if the first vote stood alone, the QC could never
      // be rebuilt where the block is.) One per voter, so the tally stays bounded.
      const Vote& first = e->second;
      auto p = m_proposals.find(v.round);
      bool same_block = first.kind == VoteKind::kBlock && first.height == v.height && first.block_hash == v.block_hash;
      if (second == tally.seconds.end() && v.kind == VoteKind::kBlock && !same_block && p != m_proposals.end() &&
          p->second.block->header.height == v.height && p->second.block->hash() == v.block_hash) {
        tally.seconds.emplace(v.voter, v);
        tally.block_voters[BlockKey::of(v)].push_back(v.voter);
      }
      return;
    }
    tally.votes.emplace(v.voter, v);
    if (v.kind != VoteKind::kNone) tally.block_voters[BlockKey::of(v)].push_back(v.voter);
    if (relay) out.push_back(ActBroadcastVote{v});
  }

  QuorumCertificate make_qc(uint32_t round, const Tally& tally, const BlockKey& key) const {
    QuorumCertificate qc{key.height, round, key.hash, {}};
    auto for_block = [&](const Vote& v) { return BlockKey::of(v) == key; };
    for (const auto& [voter, v] : tally.votes)
      if (for_block(v)) qc.votes.push_back(v);
    for (const auto& [voter, v] : tally.seconds)
      if (for_block(v)) qc.votes.push_back(v);  // its first vote was for something else: no duplicate
    std::sort(qc.votes.begin(), qc.votes.end(), [](const Vote& a, const Vote& b) { return a.voter < b.voter; });
    std::vector<Address> voters;
    for (const auto& v : qc.votes) voters.push_back(v.voter);
    const auto& set = m_schedule.at(key.height);
    CX_ASSERT(set.weight_of(voters) >= set.quorum());
    return qc;
  }

  // q valid kBlock votes for qc.block_hash at (qc.height, qc.round) from distinct validators,
  // sorted by voter.
  bool verify_qc(const QuorumCertificate& qc) {
    Hash32 id = qc.hash();
    if (m_verified_qcs.contains(id)) return true;
    if (!consensus::verify_qc(qc, m_schedule)) return false;
    if (m_verified_qcs.size() >= kVerifiedQcCacheMax) m_verified_qcs.clear();
    m_verified_qcs.insert(id);
    return true;
  }

  // A QC received from a peer (inside a proposal).
  void take_qc(const QuorumCertificate& qc) {
    if (qc.round <= tip_round()) return;
    if (m_pending_qc && m_pending_qc->round >= qc.round) return;
    if (!verify_qc(qc)) return;
    take_verified_qc(std::move(qc));
  }

  // The highest QC above the tip waits here until its block can join the chain (step()).
  void take_verified_qc(QuorumCertificate qc) {
    if (qc.round <= tip_round() || (m_pending_qc && m_pending_qc->round >= qc.round)) return;
    m_lock_round = std::max(m_lock_round, qc.round);
    m_pending_qc = std::move(qc);
    m_sync_asked = false;
  }

  // Moves the tip to the pending QC's block if its body and parent are here. False: not yet.
  bool attach_pending(Actions& out) {
    const QuorumCertificate& qc = *m_pending_qc;
    if (qc.block_hash == tip()->hash() && qc.height == tip()->header.height) {
      recertify_tip(out);
      return true;
    }
    const StoredProposal* p = stored_block(qc.block_hash);
    std::optional<size_t> parent_at;
    std::vector<CertifiedBlock> path;  // blocks kept aside between the chain and the QC's block, top first
    if (p && p->block->header.height == qc.height && p->block->header.round <= qc.round) {
      Hash32 parent = p->block->header.prev_hash;
      parent_at = chain_position(parent);
      while (!parent_at && path.size() < m_aside.size()) {
        auto it = m_aside.find(parent);
        if (it == m_aside.end()) break;
        path.push_back(it->second);
        parent = it->second.block->header.prev_hash;
        parent_at = chain_position(parent);
      }
    }
    if (!parent_at) {
      // Our chain lacks the block or an ancestor. A block one above the tip may still arrive by
      // proposal (the round timeout asks for a sync); anything else needs a sync now.
      if (!m_sync_asked && qc.height > tip()->header.height + 1) {
        m_sync_asked = true;
        out.push_back(ActSync{qc.height});
      }
      return false;
    }
    // Bound: a block that finalises nothing may not grow the chain past kChainMax (a chain that
    // long needs kChainMax certified rounds in a row each followed by a failed one).
    if (*parent_at + path.size() >= kChainMax && !certifying_finalises_parent(*p->block)) return false;
    BlockPtr block = p->block;
    // Blocks after the parent are another branch, certified in lower rounds: kept aside (header
    // comment). Blocks on the path come back, executed again in order.
    for (size_t i = *parent_at; i < m_chain.size(); ++i) set_aside(std::move(m_chain[i]));
    m_chain.resize(*parent_at);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      m_aside.erase(it->block->hash());
      out.push_back(ActExecute{it->block, it->qc});
      m_chain.push_back(std::move(*it));
    }
    m_chain.push_back(CertifiedBlock{block, std::move(*m_pending_qc)});
    m_pending_qc.reset();
    m_tip_executed = false;
    out.push_back(ActExecute{block, m_chain.back().qc});
    // A seal QC makes the block itself final. Otherwise the parent and everything below it are final
    // by the commit rule, or because a QC of the next set for the first block of its term exists only
    // once an honest member saw the parent sealed.
    if (is_seal_qc(m_chain.back().qc))
      commit_through(m_chain.size() - 1, out);
    else if (m_chain.size() >= 2 &&
             (certifying_finalises_parent(*block) || m_schedule.changes_after(block->header.height - 1)))
      commit_through(m_chain.size() - 2, out);
    prune();
    return true;
  }

  // Commits the chain up to and including m_chain[last].
  void commit_through(size_t last, Actions& out) {
    for (size_t i = 0; i <= last; ++i) out.push_back(ActCommit{m_chain[i].block, m_chain[i].qc});
    m_committed = m_chain[last].block;
    m_committed_qc = m_chain[last].qc;
    m_chain.erase(m_chain.begin(), m_chain.begin() + static_cast<long>(last) + 1);
  }

  // The pending QC is a later QC for the tip itself (sealing, header comment): it replaces the tip's
  // QC, and if it is a seal, the tip and everything below it are final.
  void recertify_tip(Actions& out) {
    QuorumCertificate qc = std::move(*m_pending_qc);
    m_pending_qc.reset();
    const bool seal = is_seal_qc(qc);
    if (m_chain.empty()) {
      m_committed_qc = std::move(qc);
    } else {
      m_chain.back().qc = std::move(qc);
      if (seal) commit_through(m_chain.size() - 1, out);
    }
    prune();
  }

  // One step of progress, if any is possible; false when nothing changed.
  bool step(Actions& out) {
    if (m_pending_qc && m_pending_qc->round <= tip_round()) m_pending_qc.reset();
    if (m_pending_qc && attach_pending(out)) return true;
    if (m_lock_round >= m_round && m_lock_round < std::numeric_limits<uint32_t>::max()) {
      enter_round(m_lock_round + 1, out);  // a QC for this round or a later one
      return true;
    }
    const auto& set = deciding_set();
    for (const auto& [round, tally] : m_votes) {
      if (round <= tip_round()) continue;
      if (const BlockKey* key = tally.certified(m_schedule)) {
        if (m_pending_qc && m_pending_qc->round >= round) continue;
        take_verified_qc(make_qc(round, tally, *key));
        return true;
      }
      if (round < m_round) continue;  // a past round only matters for a QC
      if (round == m_round && tally.lost(set) && round < std::numeric_limits<uint32_t>::max()) {
        // The round is lost: no block can reach q in it. Its votes are the proof, kept for peers.
        std::vector<Vote> proof;
        for (const auto& [voter, v] : tally.votes) proof.push_back(v);
        enter_round(round + 1, out);
        m_round_proof = std::move(proof);
        return true;
      }
      if (round > m_round && tally.present_weight(set) > set.max_faulty()) {
        enter_round(round, out);
        return true;
      }
    }
    if (vote_on_proposal(out)) return true;
    try_propose(out);
    return false;
  }

  // Each step raises the round, attaches a block, casts this round's vote or records a QC, so
  // this ends.
  void settle(Actions& out) {
    while (step(out)) {
    }
  }

  EngineOptions m_options;
  core::ValidatorSchedule m_schedule;
  uint64_t m_known_through = UINT64_MAX;  // the sets of heights up to this are final (on_schedule)
  Address m_self;
  bool m_started = false;

  BlockPtr m_committed;
  QuorumCertificate m_committed_qc;
  std::vector<CertifiedBlock> m_chain;  // certified, not final, each the child of the one before
  std::map<Hash32, CertifiedBlock> m_aside;  // certified blocks the chain left, above the committed one
  bool m_tip_executed = true;
  uint32_t m_lock_round = 0;            // the highest round of any QC seen

  uint32_t m_round = 0;
  bool m_propose_due = false;
  bool m_build_requested = false;
  std::optional<Vote> m_my_vote;  // this node's vote in m_round
  std::optional<Vote> m_signed;   // the last vote this node signed (the write-ahead record)
  std::vector<Vote> m_round_proof;  // the votes that ended the previous round, if it ended without a QC
  bool m_undecided_at_timeout = false;  // the last round timeout found q votes and no decision

  std::map<uint32_t, Tally> m_votes;               // rounds above the tip's
  std::map<uint32_t, StoredProposal> m_proposals;  // rounds above the tip's
  std::optional<QuorumCertificate> m_pending_qc;   // the highest QC above the tip, its block not attached yet
  bool m_sync_asked = false;                       // ActSync sent for m_pending_qc
  std::set<Hash32> m_verified_qcs;
  uint64_t m_equivocations = 0;
};

}  // namespace

std::unique_ptr<Engine> make_lft_engine(const EngineOptions& options) { return std::make_unique<LftEngine>(options); }

}  // namespace cx::consensus
