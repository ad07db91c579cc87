#pragma once
// Consensus as a deterministic state machine (DESIGN.md §4, STYLE.md "Shape"): events in
// (proposal, vote, timeout, block executed), actions out (build a proposal, broadcast, execute,
// commit, set a timer, persist). It owns no socket, thread, clock or file; the channel carries out
// the actions in order, and persists a kPersist record durably before any later action is done.
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "core/block.hpp"
#include "core/validator_set.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::consensus {

using BlockPtr = std::shared_ptr<const core::Block>;

enum class TimerKind { kPropose, kRound };
// Rounds are numbered across heights (LFT2): every round has one leader and certifies at most one
// block, whatever its height. `height` is the height being decided when the timer was set.
struct Timer {
  TimerKind kind;
  uint64_t height;
  uint32_t round;
  bool operator==(const Timer&) const = default;
};

// A block with the QC that certifies it.
struct CertifiedBlock {
  BlockPtr block;
  core::QuorumCertificate qc;
};

// Build a block on `parent` at (height, round) carrying `parent_qc`, then feed it to on_proposal().
struct ActBuildProposal { uint64_t height; uint32_t round; BlockPtr parent; core::QuorumCertificate parent_qc; };
struct ActBroadcastProposal { BlockPtr block; };
struct ActBroadcastVote { core::Vote vote; };
// The block is certified and extends this node's certified chain: execute it and report with
// on_block_executed(). Blocks above it at its height or higher that the channel holds are off the
// chain now and can be forgotten.
struct ActExecute { BlockPtr block; core::QuorumCertificate qc; };
// The block is final. Commits come in height order.
struct ActCommit { BlockPtr block; core::QuorumCertificate qc; };
// A kPropose timer carries the parent's block time (`from_block_time_us`, 0 = none): the block
// interval counts from it, not from now, so the time spent certifying and executing the parent is not
// added to every interval. The channel takes off what its clock says has passed since then (never
// more than the whole delay); the engine itself reads no clock.
struct ActSetTimer { Timer timer; uint64_t delay_ms; int64_t from_block_time_us = 0; };
// Must be durable (fsync) before any following action runs. The channel keeps the latest record
// (each supersedes the ones before) and hands it back to start() after a restart.
struct ActPersist { Bytes record; };
// A quorum certified a block this node cannot attach to its chain (its body or an ancestor never
// arrived): fetch from peers the blocks up to `height` (committed ones, and the certified but not
// yet final chain above them), execute and store them, then call on_synced() with the new tip.
struct ActSync { uint64_t height; };

using Action = std::variant<ActBuildProposal, ActBroadcastProposal, ActBroadcastVote, ActExecute, ActCommit,
                            ActSetTimer, ActPersist, ActSync>;
using Actions = std::vector<Action>;

// What the channel knows at start or after a sync: the last committed block (with its own QC, if
// any) and the certified blocks above it that are not final yet, each the child of the one before
// (the first a child of `committed`), all executed.
struct ChainTip {
  BlockPtr committed;
  core::QuorumCertificate committed_qc;
  std::vector<CertifiedBlock> chain;
};

// The commit rule (2-chain, consecutive rounds): when `block` is certified, its parent (and with it
// every ancestor) is final iff the parent was certified in the round right before block's round.
// The parent's round is prev_qc.round. (Genesis, the parent of height 1, is final by definition.)
inline bool certifying_finalises_parent(const core::Block& block) {
  return !block.prev_qc.empty() && block.header.round == block.prev_qc.round + 1;
}

// A QC of seal votes (core::VoteKind::kSeal): its block is final by itself (lft_engine.cpp).
inline bool is_seal_qc(const core::QuorumCertificate& qc) {
  return !qc.votes.empty() && qc.votes.front().kind == core::VoteKind::kSeal;
}

struct EngineOptions {
  // The validator sets by height. Empty: `validators`, unweighted, from genesis on (a shorthand).
  core::ValidatorSchedule schedule;
  std::vector<core::Address> validators;
  // The sets of heights up to this are final (governance decided them in final blocks); beyond it the
  // schedule may still grow. UINT64_MAX: the schedule is fixed. See Engine::on_schedule.
  uint64_t schedule_known_through = UINT64_MAX;
  crypto::PrivateKey key;      // this node's validator key (signing is pure computation)
  uint64_t block_interval_ms = 200;
  uint64_t round_timeout_ms = 2000;
};

// What the engine is doing, for tests, the simulator and monitoring.
struct EngineStatus {
  uint64_t height = 0;                  // the height being decided (top of the certified chain + 1)
  uint32_t round = 0;                   // the round (numbered across heights)
  std::optional<uint64_t> behind_to;    // a certified height this node lacks the block of (see ActSync)
  uint64_t equivocations = 0;           // second, different votes from one voter for one (height, round)
};

// The LFT engine's write-ahead record (its ActPersist payload): the last vote this node signed, and
// its lock round when it signed it. After a restart nothing is signed at or below the vote's round
// except the vote itself, and no block vote goes below the lock (lft_engine.cpp).
//   u8 version (kVoteRecordVersion) | u64 height | u32 round | hash32 block hash (zero for a none vote)
//   | bytes vote (Vote::encode(), the signed vote itself, so a restart re-broadcasts it unchanged)
//   | u32 lock round
inline constexpr uint8_t kVoteRecordVersion = 3;  // 2: rounds numbered across heights; 3: + lock round
struct VoteRecord {
  core::Vote vote;
  uint32_t lock_round = 0;
};
Bytes encode_vote_record(const VoteRecord& record);
// One encoding per record: a record that decodes re-encodes to the same bytes. The error names what
// is wrong (version, truncation, trailing bytes, a header that does not match the vote inside).
Result<VoteRecord> decode_vote_record(BytesView bytes);

// Checks the records a channel is about to hand to Engine::start(): each decodes as this build's
// record version and holds a vote signed by `self` (voter field and signature). The error names the
// record and what is wrong. A channel runs this before start() and refuses to start on an error:
// a record it cannot use is a vote it may sign again. start() asserts that this holds.
Status check_records(const std::vector<Bytes>& records, const core::Address& self);

class Engine {
 public:
  virtual ~Engine() = default;
  // `persisted_records`: the ActPersist records kept durable, latest last (an empty list on first
  // start). They must pass check_records() for this node's key (asserted).
  virtual Actions start(const ChainTip& tip, const std::vector<Bytes>& persisted_records) = 0;
  virtual Actions on_timeout(const Timer& timer) = 0;
  // A proposal received from a peer or built after ActBuildProposal. The channel has checked what
  // needs the chain: decoding, the proposer's signature, the txs, and header.prev_result against its
  // own execution of the parent. It can judge that only once it has executed the parent; before
  // then it delivers the block with contents_valid = nullopt (the engine keeps the body and takes
  // the QC it carries, which may make it execute the parent), and delivers it again with the
  // verdict once the parent is executed.
  virtual Actions on_proposal(const BlockPtr& block, std::optional<bool> contents_valid) = 0;
  virtual Actions on_vote(const core::Vote& vote) = 0;
  virtual Actions on_block_executed(const Hash32& block_hash) = 0;
  // After an ActSync: the channel caught up to `tip` (its candidate, if any, already executed).
  virtual Actions on_synced(const ChainTip& tip) = 0;
  // The schedule learned from final state (docs/governance.md "The margin"): `schedule` extends the one
  // before (the same set at every height up to the old horizon), and the sets of heights up to
  // `known_through` are final. The engine neither builds nor votes for a block whose height or next
  // height lies beyond the horizon: while its tip T is not final and T + 2 > known_through, it seals T
  // (as at the end of a set's term), so the chain becomes final and the horizon moves on.
  virtual Actions on_schedule(const core::ValidatorSchedule& schedule, uint64_t known_through) = 0;
  virtual EngineStatus status() const = 0;
};

// Quorum arithmetic (DESIGN.md §4): f = ⌊(n−1)/3⌋, q = n − f.
inline size_t max_faulty(size_t n) { return n == 0 ? 0 : (n - 1) / 3; }
inline size_t quorum(size_t n) { return n - max_faulty(n); }

// True iff `qc` holds valid votes for qc.block_hash at (qc.height, qc.round), all kBlock or all
// kSeal, from distinct members of `validators` sorted by voter address (the one form engines
// produce), whose weight is a quorum (core::ValidatorSet::weight_of, groups included).
bool verify_qc(const core::QuorumCertificate& qc, const core::ValidatorSet& validators);
// The same against the set in force at qc.height.
bool verify_qc(const core::QuorumCertificate& qc, const core::ValidatorSchedule& schedule);
// The same against an unweighted set (every weight 1, no groups).
bool verify_qc(const core::QuorumCertificate& qc, const std::vector<core::Address>& validators);
// The schedule an engine runs with (EngineOptions::schedule, or `validators` as one unweighted set).
core::ValidatorSchedule schedule_of(const EngineOptions& options);

// The single-validator engine: the LFT rules with n = 1 (propose, self-vote, certify, commit the
// previous candidate). The multi-validator LFT engine replaces it behind this interface.
std::unique_ptr<Engine> make_solo_engine(const EngineOptions& options);

// LFT for any n (lft_engine.cpp has the rules). `options.key` need not belong to a validator: such a
// node follows the chain and relays votes but never signs.
std::unique_ptr<Engine> make_lft_engine(const EngineOptions& options);

}  // namespace cx::consensus
