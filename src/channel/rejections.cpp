#include "channel/rejections.hpp"

namespace cx::channel {

const char* to_string(ProposalReject r) {
  switch (r) {
    case ProposalReject::kUndecodable: return "undecodable";
    case ProposalReject::kBadProposerSignature: return "bad_proposer_signature";
    case ProposalReject::kPrevResultMismatch: return "prev_result_mismatch";
    case ProposalReject::kValidatorsMismatch: return "validators_mismatch";
    case ProposalReject::kTimestampNotAdvancing: return "timestamp_not_advancing";
    case ProposalReject::kTimestampTooFarAhead: return "timestamp_too_far_ahead";
    case ProposalReject::kTooManyTxs: return "too_many_txs";
    case ProposalReject::kWrongNid: return "wrong_nid";
    case ProposalReject::kTxOutsideWindow: return "tx_outside_window";
    case ProposalReject::kDuplicateTx: return "duplicate_tx";
    case ProposalReject::kTxAlreadyOnChain: return "tx_already_on_chain";
    case ProposalReject::kBadTxSignature: return "bad_tx_signature";
  }
  return "unknown";
}

const char* to_string(SyncReject r) {
  switch (r) {
    case SyncReject::kUndecodable: return "undecodable";
    case SyncReject::kUncertified: return "uncertified";
    case SyncReject::kOutOfOrder: return "out_of_order";
    case SyncReject::kBrokenParentLink: return "broken_parent_link";
    case SyncReject::kPrevResultMismatch: return "prev_result_mismatch";
  }
  return "unknown";
}

uint64_t PeerRejections::total() const {
  uint64_t n = 0;
  for (auto c : proposals) n += c;
  for (auto c : sync) n += c;
  return n;
}

}  // namespace cx::channel
