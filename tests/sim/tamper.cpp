// --faulty validators (cluster.hpp): a faulty node runs an honest channel core, but what it sends as
// round leader, and the block pages it serves, are made wrong in one way per seed, each aimed at one
// rejection rule of proposal judging or block sync (channel/rejections.hpp). Every honest node must
// refuse them with that typed reason and stay safe, live and converged.
//
// Two of the page faults need blocks with a valid QC that fail a later check (a broken parent link, a
// prev_result that differs from the requester's execution). No set of at most f validators can make
// such a QC, so for those two the faulty node forges the QC with every validator's key — beyond the
// fault model, only so that the checks behind the QC check are reached. The forged blocks can never be
// adopted: each fails the check it is aimed at before anything is executed or recorded.
#include "channel/wire.hpp"
#include "cluster.hpp"
#include "core/test_tx.hpp"

namespace cx::sim {

namespace {

void resign(core::Block& b, const crypto::PrivateKey& key) {
  b.header.tx_root = core::tx_root(b.txs);
  b.proposer_signature = crypto::sign(b.header.hash(), key);
}

p2p::Message proposal_message(const core::Block& b) {
  const Bytes bytes = b.encode();
  return {p2p::MessageType::kProposal, channel::wire::encode_proposal(b, bytes)};
}

// A QC for `b` signed by every validator (see the note at the top).
core::QuorumCertificate forge_qc(const Fixture& fx, const core::Block& b) {
  core::QuorumCertificate qc;
  qc.height = b.header.height;
  qc.round = b.header.round;
  qc.block_hash = b.hash();
  for (size_t k = 0; k < fx.keys.size(); ++k) {
    core::Vote v;
    v.height = qc.height;
    v.round = qc.round;
    v.kind = core::VoteKind::kBlock;
    v.block_hash = qc.block_hash;
    v.voter = fx.validators[k];
    v.timestamp_us = b.header.timestamp_us;
    v.signature = crypto::sign(v.signing_hash(), fx.keys[k]);
    qc.votes.push_back(v);
  }
  std::sort(qc.votes.begin(), qc.votes.end(), [](const auto& a, const auto& b) { return a.voter < b.voter; });
  return qc;
}

}  // namespace

const char* to_string(Fault f) {
  switch (f) {
    case Fault::kNone: return "none";
    case Fault::kUndecodableProposal: return "undecodable_proposal";
    case Fault::kWrongValidators: return "wrong_validators";
    case Fault::kTxOutsideWindow: return "tx_outside_window";
    case Fault::kPageUndecodable: return "page_undecodable";
    case Fault::kBadProposerSignature: return "bad_proposer_signature";
    case Fault::kWrongPrevResult: return "wrong_prev_result";
    case Fault::kTimestampNotAdvancing: return "timestamp_not_advancing";
    case Fault::kTimestampTooFarAhead: return "timestamp_too_far_ahead";
    case Fault::kTooManyTxs: return "too_many_txs";
    case Fault::kWrongNid: return "wrong_nid";
    case Fault::kDuplicateTx: return "duplicate_tx";
    case Fault::kTxAlreadyOnChain: return "tx_already_on_chain";
    case Fault::kBadTxSignature: return "bad_tx_signature";
    case Fault::kPageUncertified: return "page_uncertified";
    case Fault::kPageBrokenLink: return "page_broken_link";
    case Fault::kPageWrongPrevResult: return "page_wrong_prev_result";
    case Fault::kPageOutOfOrder: return "page_out_of_order";
  }
  return "?";
}

p2p::Message Cluster::tamper(size_t i, const p2p::Message& m) {
  const Fault f = m_nodes[i].fault;
  const bool page_fault = f >= Fault::kPageUndecodable;
  if (m.type == p2p::MessageType::kProposal && !page_fault) {
    auto p = channel::wire::decode_proposal(m.payload);
    auto b = p ? core::Block::decode(p->block) : Result<core::Block>::error("undecodable");
    if (!b || b->header.proposer != m_nodes[i].addr) return m;
    return tamper_proposal(i, b.value());
  }
  if (m.type == p2p::MessageType::kBlockResponse && page_fault) return tamper_page(i, m.payload);
  return m;
}

p2p::Message Cluster::tamper_proposal(size_t i, const core::Block& real) {
  auto& me = m_nodes[i];
  const auto& key = m_fx.keys[me.key_index];
  core::Block b = real;
  // Room for the txs a fault adds, so that only its own rule is broken.
  if (b.txs.size() + 2 > m_fx.params.block_tx_max) b.txs.resize(m_fx.params.block_tx_max - 2);
  switch (me.fault) {
    case Fault::kUndecodableProposal: {
      p2p::Message m = proposal_message(b);
      m.payload.resize(m.payload.size() / 2);
      return m;
    }
    case Fault::kBadProposerSignature: b.proposer_signature.bytes[5] ^= 0x40; return proposal_message(b);
    case Fault::kWrongValidators: b.header.validators_hash.bytes[0] ^= 1; break;
    case Fault::kTxOutsideWindow: b.txs.push_back(m_fx.bad_txs[3]); break;
    case Fault::kWrongPrevResult: b.header.prev_result.state_root.bytes[0] ^= 1; break;
    case Fault::kTimestampNotAdvancing: b.header.timestamp_us = m_fx.params.genesis_timestamp_us; break;
    case Fault::kTimestampTooFarAhead: b.header.timestamp_us += 2 * m_fx.params.tx_timestamp_window_us; break;
    case Fault::kTooManyTxs:
      while (b.txs.size() <= m_fx.params.block_tx_max) b.txs.push_back(m_fx.bad_txs[2]);
      break;
    case Fault::kWrongNid: b.txs.push_back(m_fx.bad_txs[0]); break;
    case Fault::kDuplicateTx:
      b.txs.push_back(m_fx.bad_txs[2]);
      b.txs.push_back(m_fx.bad_txs[2]);
      break;
    case Fault::kTxAlreadyOnChain: {
      // A tx of a block this node already committed.
      const auto& head = me.core->view()->head;
      if (head->txs.empty()) return proposal_message(real);
      b.txs.push_back(head->txs.front());
      break;
    }
    case Fault::kBadTxSignature: b.txs.push_back(m_fx.bad_txs[1]); break;
    default: return proposal_message(real);
  }
  resign(b, key);
  return proposal_message(b);
}

p2p::Message Cluster::tamper_page(size_t i, const Bytes& payload) {
  auto page = channel::wire::decode_block_response(payload);
  if (!page || page->empty()) return {p2p::MessageType::kBlockResponse, payload};
  auto& me = m_nodes[i];
  auto first = core::Block::decode(page->front().block);
  auto last = core::Block::decode(page->back().block);
  if (!first || !last) return {p2p::MessageType::kBlockResponse, payload};
  switch (me.fault) {
    case Fault::kPageUndecodable: {
      Bytes cut = channel::wire::encode(*page);
      cut.resize(cut.size() - 1);
      return {p2p::MessageType::kBlockResponse, cut};
    }
    case Fault::kPageUncertified: {
      auto qc = core::QuorumCertificate::decode(page->back().qc);
      if (!qc || qc->votes.empty()) break;
      qc->votes.back().signature.bytes[7] ^= 0x10;
      page->back().qc = qc->encode();
      break;
    }
    case Fault::kPageOutOfOrder: page->push_back(page->front()); break;
    case Fault::kPageBrokenLink: {
      // A block after the last that names another parent.
      core::Block b;
      b.header.height = last->header.height + 1;
      b.header.round = last->header.round + 1;
      b.header.prev_hash = crypto::sha3_256(as_bytes("not the parent"));
      b.header.timestamp_us = last->header.timestamp_us + 1;
      b.header.proposer = me.addr;
      b.header.validators_hash = m_fx.params.validator_set().hash();
      b.header.prev_qc_hash = b.prev_qc.hash();
      resign(b, m_fx.keys[me.key_index]);
      page->push_back({b.encode(), forge_qc(m_fx, b).encode()});
      break;
    }
    case Fault::kPageWrongPrevResult: {
      // In place of the first block: one on the same parent, with another prev_result, certified in a
      // round later than anything (so the requester would adopt it, were its prev_result right).
      core::Block b = first.value();
      b.header.round = 1u << 30;
      b.header.prev_result.state_root.bytes[0] ^= 1;
      resign(b, m_fx.keys[me.key_index]);
      page->clear();
      page->push_back({b.encode(), forge_qc(m_fx, b).encode()});
      break;
    }
    default: break;
  }
  return {p2p::MessageType::kBlockResponse, channel::wire::encode(*page)};
}

}  // namespace cx::sim
