#include "checker.hpp"

#include <algorithm>

#include "codec/binary.hpp"

namespace cx::sim {

namespace {
std::string short_hash(const Hash32& h) { return h.hex().substr(0, 8); }
}  // namespace

Checker::Checker(const Fixture& fx, const Config& cfg, size_t instances, const core::ValidatorSchedule& schedule, Fail fail)
    : m_fx(fx), m_cfg(cfg), m_schedule(schedule), m_fail(std::move(fail)), m_final_bound(instances), m_decided(instances) {}

void Checker::set_fault(size_t key, Fault fault) { m_faults[m_fx.validators[key]] = fault; }

void Checker::set_genesis(const consensus::BlockPtr& genesis) { m_blocks[genesis->hash()] = genesis; }

void Checker::on_boot(size_t node, const consensus::BlockPtr& head) {
  m_blocks[head->hash()] = head;
  m_decided[node] = {head->header.height, head->hash()};
}

void Checker::on_certified(size_t node, const consensus::BlockPtr& block, const core::QuorumCertificate& qc) {
  const auto& h = block->header;
  if (!certifies(qc, *block)) {
    m_fail("node " + std::to_string(node) + " took height " + std::to_string(h.height) + " as certified with a QC that does not certify it", false);
    return;
  }
  m_blocks[block->hash()] = block;
  // A seal QC (the last block of a set's term, certified again by voters that held its QC from the
  // round before) proves its own block final.
  if (consensus::is_seal_qc(qc)) {
    auto& bound = m_final_bound[node];
    if (!bound || h.height > bound->header.height) bound = block;
  }
  auto parent = m_blocks.find(h.prev_hash);
  if (parent == m_blocks.end()) return;
  if (proves_parent_final(*block, qc, *parent->second)) {
    auto& bound = m_final_bound[node];
    if (!bound || parent->second->header.height > bound->header.height) bound = parent->second;
  }
}

void Checker::on_commit(size_t node, bool honest, const channel::CommitJob& job) {
  const auto& block = job.block->block;
  const auto& h = block->header;
  const std::string who = "node " + std::to_string(node);
  auto& [last_height, last_hash] = m_decided[node];
  if (h.height != last_height + 1 || h.prev_hash != last_hash) {
    m_fail(who + " commits height " + std::to_string(h.height) + " (" + short_hash(block->hash()) + ") on top of height " +
               std::to_string(last_height) + ": not its child", false);
    return;
  }
  if (!certifies(job.qc, *block)) {
    m_fail(who + " commits height " + std::to_string(h.height) + " with a QC that does not certify it", false);
    return;
  }
  if (!under_final_bound(node, *block)) {
    m_fail("SAFETY: " + who + " commits height " + std::to_string(h.height) + " (" + short_hash(block->hash()) +
               ") without a 2-chain proof (no certified descendant whose parent was certified in the round before it)", true);
    return;
  }
  last_height = h.height;
  last_hash = block->hash();
  if (!honest) return;
  auto [it, fresh] = m_commits.emplace(h.height, std::make_tuple(block->hash(), job.block->result.state_root, node));
  if (fresh) return;
  auto& [hash, root, first] = it->second;
  if (hash != block->hash())
    m_fail("SAFETY: honest nodes " + std::to_string(first) + " and " + std::to_string(node) + " committed different blocks at height " +
               std::to_string(h.height) + " (" + short_hash(hash) + " vs " + short_hash(block->hash()) + ")", true);
  else if (root != job.block->result.state_root)
    m_fail("CONVERGENCE: honest nodes " + std::to_string(first) + " and " + std::to_string(node) +
               " reached different state roots at height " + std::to_string(h.height), false);
}

// Every signature an honest key produced: one per round, ever (rounds are numbered across heights; a
// vote's height is informational, so a second vote differing only in height counts).
void Checker::on_vote(const core::Vote& v, const char* where) {
  auto it = std::find(m_fx.validators.begin(), m_fx.validators.end(), v.voter);
  if (it == m_fx.validators.end()) return;
  const size_t k = static_cast<size_t>(it - m_fx.validators.begin());
  if (k < m_cfg.twins) return;  // the faulty keys
  auto [e, fresh] = m_signed.emplace(std::make_pair(k, v.round), v);
  if (fresh) return;
  const core::Vote& o = e->second;
  auto what = [](const core::Vote& x) {
    return std::to_string(x.height) + "/" + (x.kind == core::VoteKind::kNone ? std::string("none") : short_hash(x.block_hash));
  };
  if (o.height != v.height || o.kind != v.kind || o.block_hash != v.block_hash || o.timestamp_us != v.timestamp_us)
    m_fail("honest validator " + std::to_string(k) + " signed two different votes in round " + std::to_string(v.round) + " (" +
               what(o) + " vs " + what(v) + ", seen in " + where + ")", false);
}

// The write-ahead record holds the signed vote (lft_engine.cpp encode_record): count it as signed.
void Checker::on_vote_record(const Bytes& rec) {
  codec::Reader r(rec);
  r.u8();
  r.u64();
  r.u32();
  r.fixed<32>();
  Bytes vb = r.bytes(256);
  if (r.failed()) return;
  if (auto v = core::Vote::decode(vb)) on_vote(*v, "write-ahead record");
}

bool Checker::key_is_faulty(const core::Address& a) const {
  auto it = std::find(m_fx.validators.begin(), m_fx.validators.end(), a);
  if (it == m_fx.validators.end()) return true;
  const size_t k = static_cast<size_t>(it - m_fx.validators.begin());
  return k >= m_cfg.twins && k < m_cfg.twins + m_cfg.faulty;
}

// An honest (or twin: each instance is honest on its own) peer's proposal can be refused only because a
// tx in it is already certified on this node's chain (the two chains differ above a common block).
void Checker::on_rejections(size_t node, const channel::RejectionsByPeer& rejections) {
  for (const auto& [peer, r] : rejections) {
    if (key_is_faulty(peer)) {
      check_faulty_peer(node, peer, r);
      continue;
    }
    for (size_t i = 0; i < channel::kProposalRejectCount; ++i) {
      const auto reason = static_cast<channel::ProposalReject>(i);
      if (r.proposals[i] && reason != channel::ProposalReject::kTxAlreadyOnChain)
        return m_fail("node " + std::to_string(node) + " refused a proposal of honest peer " + peer.to_string() + " (" +
                          channel::to_string(reason) + ")", false);
    }
    for (size_t i = 0; i < channel::kSyncRejectCount; ++i)
      if (r.sync[i])
        return m_fail("node " + std::to_string(node) + " refused a block page of honest peer " + peer.to_string() + " (" +
                          channel::to_string(static_cast<channel::SyncReject>(i)) + ")", false);
  }
}

namespace {
// The one rejection each fault is aimed at (tamper.cpp).
std::optional<channel::ProposalReject> proposal_reason(Fault f) {
  using P = channel::ProposalReject;
  switch (f) {
    case Fault::kUndecodableProposal: return P::kUndecodable;
    case Fault::kBadProposerSignature: return P::kBadProposerSignature;
    case Fault::kWrongPrevResult: return P::kPrevResultMismatch;
    case Fault::kTimestampNotAdvancing: return P::kTimestampNotAdvancing;
    case Fault::kTimestampTooFarAhead: return P::kTimestampTooFarAhead;
    case Fault::kWrongValidators: return P::kValidatorsMismatch;
    case Fault::kTooManyTxs: return P::kTooManyTxs;
    case Fault::kWrongNid: return P::kWrongNid;
    case Fault::kTxOutsideWindow: return P::kTxOutsideWindow;
    case Fault::kDuplicateTx: return P::kDuplicateTx;
    case Fault::kTxAlreadyOnChain: return P::kTxAlreadyOnChain;
    case Fault::kBadTxSignature: return P::kBadTxSignature;
    default: return std::nullopt;
  }
}
std::optional<channel::SyncReject> sync_reason(Fault f) {
  using S = channel::SyncReject;
  switch (f) {
    case Fault::kPageUndecodable: return S::kUndecodable;
    case Fault::kPageUncertified: return S::kUncertified;
    case Fault::kPageBrokenLink: return S::kBrokenParentLink;
    case Fault::kPageWrongPrevResult: return S::kPrevResultMismatch;
    case Fault::kPageOutOfOrder: return S::kOutOfOrder;
    default: return std::nullopt;
  }
}
}  // namespace

// A faulty peer is refused only for what its fault aims at (and, like any peer, for a tx already on
// this node's chain).
void Checker::check_faulty_peer(size_t node, const core::Address& peer, const channel::PeerRejections& r) {
  auto it = m_faults.find(peer);
  const Fault f = it == m_faults.end() ? Fault::kNone : it->second;
  const auto want_p = proposal_reason(f);
  const auto want_s = sync_reason(f);
  for (size_t i = 0; i < channel::kProposalRejectCount; ++i) {
    const auto reason = static_cast<channel::ProposalReject>(i);
    if (r.proposals[i] && reason != channel::ProposalReject::kTxAlreadyOnChain && want_p != reason)
      return m_fail("node " + std::to_string(node) + " refused a proposal of faulty peer " + peer.to_string() + " (fault " +
                        to_string(f) + ") for " + channel::to_string(reason), false);
  }
  for (size_t i = 0; i < channel::kSyncRejectCount; ++i) {
    const auto reason = static_cast<channel::SyncReject>(i);
    if (r.sync[i] && want_s != reason)
      return m_fail("node " + std::to_string(node) + " refused a block page of faulty peer " + peer.to_string() + " (fault " +
                        to_string(f) + ") for " + channel::to_string(reason), false);
  }
}

// q valid, distinct kBlock votes for the QC's (height, round, block) from validators. Checked by the
// simulator itself (not consensus::verify_qc), once per distinct QC.
bool Checker::votes_verify(const core::QuorumCertificate& qc) {
  const Hash32 id = qc.hash();
  if (m_verified_qcs.contains(id)) return true;
  std::set<core::Address> voters;
  const auto& set = m_schedule.at(qc.height);
  if (qc.votes.empty()) return false;
  const auto kind = qc.votes.front().kind;
  if (kind != core::VoteKind::kBlock && kind != core::VoteKind::kSeal) return false;
  for (const auto& v : qc.votes) {
    if (v.height != qc.height || v.round != qc.round || v.kind != kind || v.block_hash != qc.block_hash) return false;
    if (!set.contains(v.voter)) return false;
    // Each distinct (signed hash, signature) is recovered once per seed.
    const Hash32 signed_hash = v.signing_hash();
    Bytes key(signed_hash.view().begin(), signed_hash.view().end());
    key.insert(key.end(), v.signature.view().begin(), v.signature.view().end());
    if (auto known = m_verified_votes.find(key); known == m_verified_votes.end() || known->second != v.voter) {
      auto pub = crypto::recover(signed_hash, v.signature);
      if (!pub || core::Address::of_public_key(*pub) != v.voter) return false;
      m_verified_votes[key] = v.voter;
    }
    voters.insert(v.voter);
  }
  // Weight (groups count with a majority of their members), recomputed here rather than by the set.
  uint64_t weight = 0;
  std::map<std::string, size_t> group_signers;
  for (const auto& v : set.validators()) {
    if (!voters.contains(v.address)) continue;
    if (v.group.empty()) weight += v.weight;
    else ++group_signers[v.group];
  }
  for (const auto& [group, signers] : group_signers) {
    size_t members = 0;
    uint64_t gw = 0;
    for (const auto& v : set.validators())
      if (v.group == group) ++members, gw = v.weight;
    if (2 * signers > members) weight += gw;
  }
  if (3 * weight <= 2 * set.total_weight() || voters.size() != qc.votes.size()) return false;
  m_verified_qcs.insert(id);
  return true;
}

// `qc` certifies `b` in the round b was proposed in, or a later one (a set's last block sealed).
bool Checker::certifies(const core::QuorumCertificate& qc, const core::Block& b) {
  if (qc.block_hash != b.hash() || qc.height != b.header.height || qc.round < b.header.round) return false;
  return votes_verify(qc);
}

// The 2-chain rule, checked from the certificates themselves: `child` certified in round r by `qc`,
// carrying a QC that certifies `parent` in round r−1, proves `parent` (and its ancestors) final.
bool Checker::proves_parent_final(const core::Block& child, const core::QuorumCertificate& qc, const core::Block& parent) {
  if (child.header.prev_hash != parent.hash() || child.prev_qc.empty()) return false;
  // The first block of a new set's term: its QC exists only once an honest member of the new set saw
  // the parent sealed final by the old set.
  const bool new_term = m_schedule.changes_after(parent.header.height);
  // (A QC of a later round for the child is a sealing set's re-certification: it exists only if one of
  // the child's own round did.)
  if (!new_term && child.prev_qc.round + 1 != child.header.round) return false;
  return certifies(qc, child) && certifies(child.prev_qc, parent);
}

// Is `b` the node's proven-final block or one of its ancestors?
bool Checker::under_final_bound(size_t node, const core::Block& b) const {
  const auto& bound = m_final_bound[node];
  if (!bound || bound->header.height < b.header.height) return false;
  consensus::BlockPtr x = bound;
  while (x->header.height > b.header.height) {
    auto it = m_blocks.find(x->header.prev_hash);
    if (it == m_blocks.end()) return false;
    x = it->second;
  }
  return x->hash() == b.hash();
}

}  // namespace cx::sim
