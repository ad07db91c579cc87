#pragma once
// Payloads of the channel's P2P messages beyond proposals and votes (which are Block/Vote encodings):
// tx gossip, block sync and status. Every decoder bounds counts and sizes before allocating.
#include <optional>
#include <string>
#include <vector>

#include "core/block.hpp"

namespace cx::channel::wire {

inline constexpr size_t kGossipTxsMax = 5000;
inline constexpr size_t kSyncBlocksMax = 32;

// kProposal: the tx hashes of the block (hints, so the receiver can reuse txs it already parsed from
// gossip; Block::decode checks each reused tx against the block's bytes), then Block::encode().
// `block_bytes` must be block.encode().
Bytes encode_proposal(const core::Block& block, BytesView block_bytes);
struct Proposal {
  std::vector<Hash32> tx_hashes;
  Bytes block;
};
std::optional<Proposal> decode_proposal(BytesView b);

// kTxs: the params JSON of each tx, as its sender signed it.
Bytes encode_txs(const std::vector<core::TxPtr>& txs);
std::optional<std::vector<std::string>> decode_txs(BytesView b);

// kBlockRequest: committed blocks from `from_height`, at most `count`.
struct BlockRequest {
  uint64_t from_height = 0;
  uint32_t count = 0;
};
Bytes encode(const BlockRequest& r);
std::optional<BlockRequest> decode_block_request(BytesView b);

// kBlockResponse: certified blocks in height order, each with the QC that certifies it. The last may
// be the sender's candidate (certified, not yet final).
struct CertifiedBlock {
  Bytes block;  // Block::encode()
  Bytes qc;     // QuorumCertificate::encode()
};
Bytes encode(const std::vector<CertifiedBlock>& blocks);
std::optional<std::vector<CertifiedBlock>> decode_block_response(BytesView b);

// kStatus: where the sender is, so a node that was down learns it is behind.
struct Status {
  uint64_t committed_height = 0;
  uint64_t candidate_height = 0;  // == committed_height when there is no candidate
};
Bytes encode(const Status& s);
std::optional<Status> decode_status(BytesView b);

}  // namespace cx::channel::wire
