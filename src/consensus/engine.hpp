#pragma once
// Consensus as a deterministic state machine (DESIGN.md §4, STYLE.md "Shape"): events in
// (proposal, vote, timeout, block executed), actions out (build a proposal, broadcast, execute,
// commit, set a timer, persist). It owns no socket, thread, clock or file; the channel carries out
// the actions in order, and persists a kPersist record durably before any later action is done.
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "core/block.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::consensus {

using BlockPtr = std::shared_ptr<const core::Block>;

enum class TimerKind { kPropose, kRound };
struct Timer {
  TimerKind kind;
  uint64_t height;
  uint32_t round;
  bool operator==(const Timer&) const = default;
};

// Build a block on `parent` at (height, round) carrying `parent_qc`, then feed it to on_proposal().
struct ActBuildProposal { uint64_t height; uint32_t round; BlockPtr parent; core::QuorumCertificate parent_qc; };
struct ActBroadcastProposal { BlockPtr block; };
struct ActBroadcastVote { core::Vote vote; };
// The block is certified (new candidate): execute it and report with on_block_executed().
struct ActExecute { BlockPtr block; core::QuorumCertificate qc; };
// The block is final (its certified child exists).
struct ActCommit { BlockPtr block; core::QuorumCertificate qc; };
struct ActSetTimer { Timer timer; uint64_t delay_ms; };
// Must be durable (fsync) before any following action runs. The channel keeps the latest record
// (each supersedes the ones before) and hands it back to start() after a restart.
struct ActPersist { Bytes record; };
// A quorum certified a block at `height` that this node does not have (a height above the one it is
// deciding, or that height when the certified block's proposal never arrived): fetch from peers the
// blocks up to it (committed ones, and the certified candidate with its QC if a peer has it),
// execute and store them, then call on_synced() with the new tip.
struct ActSync { uint64_t height; };

using Action = std::variant<ActBuildProposal, ActBroadcastProposal, ActBroadcastVote, ActExecute, ActCommit,
                            ActSetTimer, ActPersist, ActSync>;
using Actions = std::vector<Action>;

// What the channel knows at start: the last committed block (with the QC that finalised it, if
// any) and the certified-but-uncommitted candidate on top of it, if any.
struct ChainTip {
  BlockPtr committed;
  core::QuorumCertificate committed_qc;
  BlockPtr candidate;
  core::QuorumCertificate candidate_qc;
};

struct EngineOptions {
  std::vector<core::Address> validators;
  crypto::PrivateKey key;      // this node's validator key (signing is pure computation)
  uint64_t block_interval_ms = 200;
  uint64_t round_timeout_ms = 2000;
};

// What the engine is doing, for tests, the simulator and monitoring.
struct EngineStatus {
  uint64_t height = 0;                  // the height being decided (candidate or committed + 1)
  uint32_t round = 0;
  std::optional<uint64_t> behind_to;    // a certified height this node lacks the block of (see ActSync)
  uint64_t equivocations = 0;           // second, different votes from one voter for one (height, round)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // `persisted_records`: the ActPersist records kept durable, latest last (an empty list on first start).
  virtual Actions start(const ChainTip& tip, const std::vector<Bytes>& persisted_records) = 0;
  virtual Actions on_timeout(const Timer& timer) = 0;
  // A proposal received from a peer or built after ActBuildProposal. The channel has checked what
  // needs the chain: decoding, the proposer's signature, the txs, and header.prev_result against its
  // own execution of the parent. It can judge that only once it has executed the parent; before
  // then it may still deliver the block with contents_valid=false (the engine never votes on a
  // proposal whose parent it has not seen executed; it keeps the body and the QC it carries), and
  // must deliver it again with the real verdict after on_block_executed(parent).
  virtual Actions on_proposal(const BlockPtr& block, bool contents_valid) = 0;
  virtual Actions on_vote(const core::Vote& vote) = 0;
  virtual Actions on_block_executed(const Hash32& block_hash) = 0;
  // After an ActSync: the channel caught up to `tip` (its candidate, if any, already executed).
  virtual Actions on_synced(const ChainTip& tip) = 0;
  virtual EngineStatus status() const = 0;
};

// Quorum arithmetic (DESIGN.md §4): f = ⌊(n−1)/3⌋, q = n − f.
inline size_t max_faulty(size_t n) { return n == 0 ? 0 : (n - 1) / 3; }
inline size_t quorum(size_t n) { return n - max_faulty(n); }

// True iff `qc` holds at least q valid kBlock votes for qc.block_hash at (qc.height, qc.round) from
// distinct members of `validators`, sorted by voter address (the one form engines produce).
bool verify_qc(const core::QuorumCertificate& qc, const std::vector<core::Address>& validators);

// The single-validator engine: the LFT rules with n = 1 (propose, self-vote, certify, commit the
// previous candidate). The multi-validator LFT engine replaces it behind this interface.
std::unique_ptr<Engine> make_solo_engine(const EngineOptions& options);

// LFT for any n (lft_engine.cpp has the rules). `options.key` need not belong to a validator: such a
// node follows the chain and relays votes but never signs.
std::unique_ptr<Engine> make_lft_engine(const EngineOptions& options);

}  // namespace cx::consensus
