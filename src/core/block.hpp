#pragma once
// Blocks, votes and quorum certificates in our canonical binary encoding (codec/binary.hpp).
// The header commits to: the previous block, the tx list, the result of executing the *previous*
// block (execution is off the consensus critical path, DESIGN.md §4), the validator set, and the
// quorum certificate of the parent (the votes that certified block N travel in block N+1).
#include <cstdint>
#include <optional>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "core/transaction.hpp"

namespace cx::core {

inline constexpr uint32_t kBlockVersion = 1;
// A header that names a next validator set other than its own (the last block of a set's term).
// Version-1 headers encode and hash as before; version 2 appends next_validators_hash.
inline constexpr uint32_t kBlockVersionNextValidators = 2;
inline constexpr size_t kBlockTxCountMax = 20000;
inline constexpr size_t kBlockBytesMax = 32u << 20;
inline constexpr size_t kValidatorsMax = 1000;

using LogsBloom = FixedBytes<256>;

// What executing one block produced; block N+1's header carries the result of block N.
struct ExecResult {
  Hash32 state_root;     // world state after the block
  Hash32 receipts_root;  // Merkle root of the block's receipts
  LogsBloom logs_bloom;  // union of the receipts' blooms
  bool operator==(const ExecResult&) const = default;
};

// kSeal: a vote for the last block of a validator set's term by a validator that holds a QC for that
// block from the round right before (lft_engine.cpp, "Changing the validator set"): a QC of seal votes
// proves the block final on its own.
enum class VoteKind : uint8_t { kBlock = 0, kNone = 1, kSeal = 2 };

struct Vote {
  uint64_t height = 0;
  uint32_t round = 0;
  VoteKind kind = VoteKind::kBlock;
  Hash32 block_hash;          // zero for a none vote
  Address voter;
  int64_t timestamp_us = 0;   // voter's time; the block time is derived from votes (median)
  crypto::Signature signature;

  Hash32 signing_hash() const;  // sha3 over the encoding without the signature
  Bytes encode() const;
  static std::optional<Vote> decode(BytesView b);
};

struct QuorumCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash32 block_hash;
  std::vector<Vote> votes;  // sorted by voter address
  bool empty() const { return votes.empty(); }
  Hash32 hash() const;
  Bytes encode() const;
  static std::optional<QuorumCertificate> decode(BytesView b);
};

struct Header {
  uint32_t version = kBlockVersion;
  uint64_t height = 0;
  uint32_t round = 0;
  Hash32 prev_hash;
  int64_t timestamp_us = 0;
  Address proposer;
  Hash32 tx_root;            // Merkle root of tx hashes
  ExecResult prev_result;    // result of executing block height-1 (genesis state for height 1)
  Hash32 validators_hash;    // validator set that must certify this block
  Hash32 prev_qc_hash;       // hash of the QC for block height-1 carried in this block
  // The set that certifies block height+1. Encoded only in version 2, which a header uses iff it
  // differs from validators_hash (set_next_validators keeps the two in step).
  Hash32 next_validators_hash;

  Hash32 hash() const;       // block hash: SHA3-256 of encode()
  Bytes encode() const;
  static std::optional<Header> decode(BytesView b);
  // The next set's hash as the header names it (version 1: its own set).
  const Hash32& next_validators() const {
    return version == kBlockVersionNextValidators ? next_validators_hash : validators_hash;
  }
  void set_next_validators(const Hash32& next) {
    next_validators_hash = next;
    version = next == validators_hash ? kBlockVersion : kBlockVersionNextValidators;
  }
};

struct Block {
  Header header;
  QuorumCertificate prev_qc;
  std::vector<TxPtr> txs;
  crypto::Signature proposer_signature;  // over header.hash()

  Hash32 hash() const { return header.hash(); }
  Bytes encode() const;
  // Decodes and parses every tx; checks tx_root and prev_qc_hash consistency (not signatures).
  // `known(i, json)` may offer an already-parsed tx for the i-th tx (e.g. one that arrived by
  // gossip); it is used only if its params JSON is byte-for-byte the block's, so the result is the
  // same as parsing, only cheaper.
  using KnownTx = std::function<TxPtr(size_t index, std::string_view params_json)>;
  static Result<Block> decode(BytesView b, const KnownTx& known = {});
};

// Takes the leaves by value and reduces them in place: callers that are done with them move them in.
Hash32 merkle_root(std::vector<Hash32> leaves);
Hash32 tx_root(const std::vector<TxPtr>& txs);
Hash32 validators_hash(const std::vector<Address>& validators);

}  // namespace cx::core
