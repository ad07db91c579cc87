#pragma once
// Why the channel core refused what a peer sent: a peer's proposal (its contents, judged against this
// node's own execution of the parent) or a page of blocks it served for sync. Each refusal is a typed
// reason with a detail for the log, counted per peer so that a misbehaving peer is visible (STYLE.md
// "Errors": validators report, policy — penalise, disconnect — is decided elsewhere).
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/chain_params.hpp"

namespace cx::channel {

enum class ProposalReject : uint8_t {
  kUndecodable,           // the message or the block does not decode (tx_root, prev_qc_hash, tx JSON)
  kBadProposerSignature,  // the signature is not the header proposer's
  kPrevResultMismatch,    // prev_result differs from this node's execution of the parent
  kValidatorsMismatch,    // validators_hash is not the channel's validator set
  kTimestampNotAdvancing, // block time not after the parent's
  kTimestampTooFarAhead,  // block time beyond this node's clock + the tx time window
  kTooManyTxs,            // more txs than the channel's block_tx_max
  kWrongNid,              // a tx of another network id
  kTxOutsideWindow,       // a tx whose timestamp is outside the window around the block time
  kDuplicateTx,           // one tx twice in the block
  kTxAlreadyOnChain,      // a tx committed or certified already
  kBadTxSignature,        // a tx whose signature does not verify
};
inline constexpr size_t kProposalRejectCount = 12;

enum class SyncReject : uint8_t {
  kUndecodable,         // the page or one of its blocks or QCs does not decode
  kUncertified,         // a block without a valid QC of this channel's validators
  kOutOfOrder,          // heights not consecutive, or the page starts above what this node asked for
  kBrokenParentLink,    // a block is not the child of the block before it in the page
  kPrevResultMismatch,  // a block's prev_result differs from this node's execution of its parent
};
inline constexpr size_t kSyncRejectCount = 5;

const char* to_string(ProposalReject r);
const char* to_string(SyncReject r);

struct ProposalRejection {
  ProposalReject reason;
  std::string detail;
};

struct SyncRejection {
  SyncReject reason;
  std::string detail;
};

// Refusals counted for one peer.
struct PeerRejections {
  std::array<uint64_t, kProposalRejectCount> proposals{};
  std::array<uint64_t, kSyncRejectCount> sync{};
  uint64_t count(ProposalReject r) const { return proposals[static_cast<size_t>(r)]; }
  uint64_t count(SyncReject r) const { return sync[static_cast<size_t>(r)]; }
  uint64_t total() const;
};

// Ordered by address, so reports and metrics list peers in one order everywhere.
using RejectionsByPeer = std::map<core::Address, PeerRejections>;

}  // namespace cx::channel
