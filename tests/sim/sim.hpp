#pragma once
// cx_sim: the deterministic cluster simulator (README.md here). Shared definitions.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/chain_params.hpp"
#include "core/validator_set.hpp"
#include "core/transaction.hpp"
#include "crypto/secp256k1.hpp"
#include "alpha_traffic.hpp"

namespace cx::sim {

constexpr uint64_t kMs = 1000;  // simulated time is in microseconds
constexpr uint64_t kSec = 1000 * kMs;
// Txs carry timestamps around 1'700'000'000 s; block time at simulated time 0 is 250 s earlier, so
// the txs stay inside the ±5 min window for the first 550 simulated seconds.
constexpr int64_t kTxTimestampUs = 1'700'000'000'000'000;
constexpr int64_t kBaseTimeUs = kTxTimestampUs - 250'000'000;
constexpr uint64_t kRoundTimeoutMs = 1000;
constexpr uint64_t kBlockIntervalMs = 200;
constexpr uint64_t kStatusIntervalMs = 1000;  // the channel core's height announcements
constexpr uint64_t kGossipIntervalMs = 20;
// The longest one round can last at a node (lft_engine.cpp: round_timeout_ms · 2^min(k, 5), plus the
// block interval): the unit of the liveness window (see liveness_window_us()).
constexpr uint64_t kRoundMaxUs = (kRoundTimeoutMs << 5) * kMs + kBlockIntervalMs * kMs;
constexpr uint64_t kWalRestartMaxUs = 50 * kMs + 3 * kSec;  // --wal-crash: down this long at most
constexpr size_t kCommitQueueMax = 4;                        // the runtime's commit pipeline bound

enum class Mode { kSafety, kWalCrash };

// What a --faulty validator does wrong (one per seed, or all of them in turn).
enum class Fault : uint8_t {
  kNone,
  // proposals (as round leader; re-signed where the check needs a valid signature)
  kUndecodableProposal,
  kBadProposerSignature,
  kWrongPrevResult,
  kTimestampNotAdvancing,
  kTimestampTooFarAhead,
  kWrongValidators,
  kTooManyTxs,
  kWrongNid,
  kTxOutsideWindow,
  kDuplicateTx,
  kTxAlreadyOnChain,
  kBadTxSignature,
  // sync pages it serves
  kPageUndecodable,
  kPageUncertified,
  kPageBrokenLink,
  kPageWrongPrevResult,
  kPageOutOfOrder,
};
inline constexpr size_t kFaultCount = 18;
const char* to_string(Fault f);

struct Config {
  size_t validators = 4;
  size_t twins = 0;       // keys 0..twins-1 run as two instances each (Byzantine)
  size_t faulty = 0;      // keys twins..twins+faulty-1 misbehave (--faulty): see Fault
  size_t silent = 0;      // honest validators that crash for good during the chaos phase
  uint64_t heights = 4;   // liveness target: committed heights per honest up instance
  Mode mode = Mode::kSafety;
  bool expect_fork = false;
  bool withholding_twins = false;  // twins refuse to serve syncs (a Byzantine node withholding blocks)
  bool check_liveness = true;      // --no-liveness: safety, signatures and convergence only
  bool forget_wal = false;         // self-test: restarts lose the write-ahead and proposal records (must be caught)
  bool expect_rejections = false;  // --faulty: every rejection rule must be hit over the seeds run
  bool alpha = false;                  // --alpha: Alpha contract traffic, timers and money audited
  bool expect_alpha_outcomes = false;  // --alpha: every outcome of the auctions must occur over the seeds run
  bool alpha_leak = false;             // self-test: clients also pay an account the money audit omits (must be caught)
  bool trace = false;
  // --reconfig: the validator set changes at kReconfigHeights (reconfig.cpp), one scenario per seed in
  // turn; one more key (index `validators`) runs as an honest node that is a validator only in some.
  bool reconfig = false;
};

// --reconfig: the heights at which the set changes, and back.
constexpr uint64_t kReconfigFirst = 3;
constexpr uint64_t kReconfigSecond = 6;

// Fixed material shared by every seed: validator keys, a pool of signed txs, chain params.
struct Fixture {
  std::vector<crypto::PrivateKey> keys;
  std::vector<core::Address> validators;
  core::ChainParams params;
  std::vector<core::TxPtr> tx_pool;
  // For the faulty validators: [0] another nid, [1] a bad signature, [2] valid but never sent by a
  // client, [3] a timestamp outside the window.
  std::vector<core::TxPtr> bad_txs;
  Uint256 genesis_supply;
  std::unique_ptr<AlphaFixture> alpha;  // --alpha only (so other runs keep their genesis)
  std::vector<core::Address> accounts;  // every address that can ever hold money (the money audit)
  // --reconfig: the scenarios' validator schedules (reconfig.cpp); empty otherwise.
  std::vector<core::ValidatorSchedule> schedules;
  core::ValidatorSchedule static_schedule;  // without --reconfig: the genesis set throughout
  Fixture(size_t n, bool with_alpha, bool reconfig);
  // The schedule of a seed's run.
  const core::ValidatorSchedule& schedule(uint64_t seed) const;
  static const char* scenario_name(uint64_t seed);
};

struct Stats {
  uint64_t events = 0;
  uint64_t max_committed = 0;
  uint32_t max_round = 0;
  uint64_t crashes = 0;
  uint64_t syncs = 0;
  uint64_t partitions = 0;
  uint64_t rejections = 0;    // proposals and pages refused by honest nodes
  uint64_t stalls = 0;        // a full commit queue held a node's thread
  uint64_t txs_committed = 0;
  uint64_t sim_us = 0;
  uint64_t recovery_us = 0;   // heal to liveness (every honest up node past the target)
  std::vector<uint64_t> rejected_by_reason;  // proposal reasons, then sync reasons (channel/rejections.hpp)
  AlphaStats alpha;
};

struct Outcome {
  bool failed = false;
  bool fork = false;  // a safety violation (what --expect-fork looks for)
  std::string reason;
  uint64_t digest = 0;
  Stats stats;
};

// --reconfig: one schedule per scenario (reconfig.cpp) over `keys` (n + 1 of them), starting with the
// first n unweighted.
std::vector<core::ValidatorSchedule> reconfig_schedules(const std::vector<core::Address>& keys, size_t n);

Outcome run_seed(const Fixture& fx, const Config& cfg, uint64_t seed);

}  // namespace cx::sim
