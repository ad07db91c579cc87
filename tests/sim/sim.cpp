// cx_sim: the deterministic cluster simulator (DESIGN.md §6, STYLE.md "Tests"; the idea is
// tigerbeetle's VOPR). One process runs a whole cluster from a seed: real LFT engines
// (consensus/lft_engine.cpp), real execution (execution::apply_block) on real world states over
// in-memory stores, and a seeded scheduler with a simulated clock standing in for network, timers
// and disks. No threads, no wall clock: every choice comes from SeededRandom(seed), every queue is
// ordered by (time, sequence number), so one seed always produces the same trace (see the digest
// printed by --replay).
//
// What each simulated node runs is the engine plus a small "shell" doing the channel's job
// (channel/channel.cpp): building proposals, judging peers' proposals against its own execution of
// the parent, buffering proposals whose parent is not executed yet, executing certified blocks,
// keeping its certified chain (certified blocks not final yet) and recording commits, write-ahead
// records and the bodies of the proposals it may vote for (its "disk"), and serving syncs from
// peers' chains.
//
// Faults: message loss, random delay (hence reordering), duplication, partitions that heal, crashes
// and restarts (a restart keeps only what is durable: write-ahead records, committed chain, the
// certified chain, the recorded proposal bodies, the store's trie nodes), permanently silent
// validators, and Byzantine validators modelled as twins: two instances sharing one key, each honest
// on its own, together equivocating.
//
// Checks: safety (no two honest instances commit different blocks, or different state roots, at
// one height; every commit is a child of the last one and is justified by the 2-chain rule), no
// honest key ever signs two different votes for one round (votes seen on the network plus the
// write-ahead records), and after the network heals: liveness (every honest instance that is up
// commits past a target) and convergence (state readable, totals intact).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/random.hpp"
#include "codec/binary.hpp"
#include "consensus/engine.hpp"
#include "core/block.hpp"
#include "core/chain_params.hpp"
#include "core/test_tx.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "state/world_state.hpp"
#include "storage/kv_store.hpp"

namespace cx::sim {
namespace {

using consensus::Action;
using consensus::Actions;
using consensus::BlockPtr;
using consensus::CertifiedBlock;
using consensus::ChainTip;
using consensus::Engine;
using consensus::Timer;
using core::Address;
using core::TxPtr;
using core::QuorumCertificate;
using core::Vote;
using core::VoteKind;

// A node's store: the world state's trie nodes and the height index the simulator keeps beside them.
constexpr storage::ColumnDef kHeightIndexColumn{"height_index"};
const storage::Schema kStoreSchema{state::kTrieNodesColumn, kHeightIndexColumn};

constexpr uint64_t kMs = 1000;      // simulated time is in microseconds
constexpr uint64_t kSec = 1000 * kMs;
// Txs from core/test_tx.hpp carry timestamp 1'700'000'000 s; block time at simulated time 0 is 250 s
// earlier, so the txs stay inside the ±5 min window for the first 550 simulated seconds.
constexpr int64_t kTxTimestampUs = 1'700'000'000'000'000;
constexpr int64_t kBaseTimeUs = kTxTimestampUs - 250'000'000;
constexpr size_t kTxPoolSize = 48;
constexpr size_t kBufferedMax = 64;
// The channel's bounds on its proposal records (channel.cpp record_proposal).
constexpr size_t kProposalRecordsPerRound = 4;
constexpr size_t kProposalRecordRoundsMax = 64;
constexpr uint64_t kRoundTimeoutMs = 1000;
constexpr uint64_t kBlockIntervalMs = 200;
constexpr uint64_t kStatusEveryUs = 1 * kSec;   // the channel's height gossip
// The longest one round can last at a node (lft_engine.cpp: round_timeout_ms · 2^min(k, 5), plus
// the block interval): the unit of the liveness window (see liveness_window_us()).
constexpr uint64_t kRoundMaxUs = (kRoundTimeoutMs << 5) * kMs + kBlockIntervalMs * kMs;
constexpr uint64_t kWalRestartMaxUs = 50 * kMs + 3 * kSec;  // --wal-crash: down this long at most

enum class Mode { kSafety, kWalCrash };

struct Config {
  size_t validators = 4;
  size_t twins = 0;       // keys 0..twins-1 run as two instances each (Byzantine)
  size_t silent = 0;      // honest validators that crash for good during the chaos phase
  uint64_t heights = 4;   // liveness target: committed heights per honest up instance
  Mode mode = Mode::kSafety;
  bool expect_fork = false;
  bool withholding_twins = false;  // twins refuse to serve syncs (a Byzantine node withholding blocks)
  bool check_liveness = true;      // --no-liveness: safety, signatures and convergence only
  bool forget_wal = false;         // self-test: restarts lose the write-ahead and proposal records (must be caught)
  bool trace = false;
};

std::string short_hash(const Hash32& h) { return h.hex().substr(0, 8); }

// ---------------------------------------------------------------------------------------------
// Fixed material shared by every seed: validator keys, a pool of signed txs, chain params.

struct Fixture {
  std::vector<crypto::PrivateKey> keys;
  std::vector<Address> validators;
  core::ChainParams params;
  std::vector<TxPtr> tx_pool;
  Uint256 genesis_supply;

  explicit Fixture(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      crypto::PrivateKey k;
      k.bytes[0] = 0x77;
      k.bytes[30] = static_cast<uint8_t>(i >> 8);
      k.bytes[31] = static_cast<uint8_t>(i + 1);
      keys.push_back(k);
      validators.push_back(core::testing::address_of(k));
    }
    params.validators = validators;
    params.block_interval_ms = kBlockIntervalMs;
    params.genesis_timestamp_us = kBaseTimeUs - 1000;
    crypto::PrivateKey treasury = core::testing::test_key(200);
    params.treasury = core::testing::address_of(treasury);
    std::vector<crypto::PrivateKey> senders;
    for (uint8_t s = 1; s <= 6; ++s) {
      senders.push_back(core::testing::test_key(s));
      params.accounts.push_back({core::testing::address_of(senders.back()), Uint256(10'000'000'000'000'000'000ull)});
      genesis_supply = *genesis_supply.checked_add(Uint256(10'000'000'000'000'000'000ull));
    }
    // Signed once per process (signing is the expensive part); proposals pick from this pool the
    // way a leader takes from its mempool, where signatures were checked at admission.
    for (size_t t = 0; t < kTxPoolSize; ++t) {
      core::testing::TxSpec spec;
      spec.to = core::testing::address_of(core::testing::test_key(static_cast<uint8_t>(100 + t % 7)));
      spec.value = Uint256(1000 + t);
      spec.timestamp_us = kTxTimestampUs + static_cast<int64_t>(t);
      spec.nonce = t;
      tx_pool.push_back(core::testing::signed_tx(senders[t % senders.size()], spec));
    }
  }
};

// ---------------------------------------------------------------------------------------------

struct Committed {
  BlockPtr block;
  QuorumCertificate qc;  // the QC certifying `block` (empty for genesis)
  core::ExecResult result;
};

struct Executed {
  BlockPtr block;
  core::ExecResult result;
};

struct Instance {
  size_t index = 0;
  size_t key_index = 0;
  bool honest = true;
  Address addr;
  int64_t skew_us = 0;  // local clock offset, so twins never build identical blocks

  // Durable ("disk"): survives a crash.
  std::vector<Bytes> wal;
  std::vector<Committed> chain;  // chain[h] = committed block at height h; chain[0] = genesis
  // Certified, not final: each the child of the one before, the first a child of chain.back().
  // Written before it is used, as the channel does, so a crash never loses a certified block.
  std::vector<CertifiedBlock> certified;
  std::unique_ptr<storage::KvStore> kv;
  uint64_t persist_writes = 0;
  // The bodies of the proposals judged valid (or built) here, by round, as the channel records them
  // ("proposal/<round><hash>") before the engine sees them, so before any vote for them is signed;
  // dropped when a block of that round or a later one is committed, delivered again after a restart.
  std::map<uint32_t, std::map<Hash32, BlockPtr>> proposals;

  // Memory: lost on a crash.
  bool up = false;
  bool silent_forever = false;
  uint64_t incarnation = 0;
  std::unique_ptr<state::WorldState> state;
  std::unique_ptr<Engine> engine;
  std::map<Hash32, Executed> executed;       // the committed blocks and the certified chain
  std::multimap<Hash32, BlockPtr> buffered;  // by prev_hash: proposals whose parent is not executed
  uint64_t votes_signed_since_restart = 0;
  uint64_t restarts = 0;

  // The checker's, not the node's: the highest block this node holds proof of finality for (a
  // certified child whose prev_qc is one round below its own QC). Every commit must be this block
  // or one of its ancestors.
  BlockPtr final_bound;

  uint64_t committed_height() const { return chain.size() - 1; }
  const BlockPtr& tip() const { return certified.empty() ? chain.back().block : certified.back().block; }
  uint64_t top_height() const { return tip()->header.height; }
  uint32_t tip_round() const { return tip()->header.round; }
};

enum class EvKind : uint8_t { kDeliver, kTimer, kSync, kStatus, kControl };

struct Event {
  uint64_t at_us = 0;
  uint64_t seq = 0;
  EvKind kind = EvKind::kControl;
  size_t to = 0;
  size_t from = 0;
  uint64_t incarnation = 0;
  BlockPtr block;
  std::optional<Vote> vote;
  Timer timer{consensus::TimerKind::kRound, 0, 0};
  size_t control = 0;
};

struct EventLater {
  bool operator()(const Event& a, const Event& b) const {
    return a.at_us != b.at_us ? a.at_us > b.at_us : a.seq > b.seq;
  }
};

struct Stats {
  uint64_t events = 0;
  uint64_t max_committed = 0;
  uint32_t max_round = 0;
  uint64_t crashes = 0;
  uint64_t syncs = 0;
  uint64_t partitions = 0;
  uint64_t invalid_verdicts = 0;
  uint64_t sim_us = 0;
  uint64_t recovery_us = 0;  // heal to liveness (every honest up node past the target)
};

struct Outcome {
  bool failed = false;
  bool fork = false;  // a safety violation (what --expect-fork looks for)
  std::string reason;
  uint64_t digest = 0;
  Stats stats;
};

class Sim {
 public:
  Sim(const Fixture& fx, const Config& cfg, uint64_t seed)
      : m_fx(fx), m_cfg(cfg), m_seed(seed), m_rng(seed), m_n(cfg.validators) {}

  Outcome run() {
    setup();
    plan_faults();
    for (size_t i = 0; i < m_inst.size(); ++i) start_instance(i);
    while (!m_queue.empty() && !m_failed) {
      Event ev = m_queue.top();
      m_queue.pop();
      // With more than f twins nothing is promised after the heal: only safety is looked at.
      uint64_t heal_run_us = m_cfg.expect_fork ? 10 * kSec : m_cfg.check_liveness ? m_liveness_window_us : 30 * kSec;
      if (m_healed && ev.at_us > m_heal_at_us + heal_run_us) break;
      m_now_us = ev.at_us;
      ++m_stats.events;
      digest_event(ev);
      dispatch(ev);
      if (m_healed && !m_failed && m_commit_since_check) {
        m_commit_since_check = false;
        if (live()) {
          m_live = true;
          m_stats.recovery_us = m_now_us - m_heal_at_us;
          break;
        }
      }
    }
    if (!m_failed && !m_cfg.expect_fork) final_checks();
    Outcome o;
    o.failed = m_failed;
    o.fork = m_fork;
    o.reason = m_reason;
    o.digest = m_digest;
    m_stats.sim_us = m_now_us;
    o.stats = m_stats;
    return o;
  }

 private:
  // ---- setup ----
  void setup() {
    m_genesis = std::make_shared<core::Block>();
    auto& g = *std::const_pointer_cast<core::Block>(m_genesis);
    g.header.height = 0;
    g.header.prev_hash = crypto::sha3_256(as_bytes(m_fx.params.to_json()));
    g.header.timestamp_us = m_fx.params.genesis_timestamp_us;
    g.header.validators_hash = core::validators_hash(m_fx.validators);
    g.header.prev_qc_hash = g.prev_qc.hash();
    size_t count = m_n + m_cfg.twins;
    for (size_t i = 0; i < count; ++i) {
      Instance in;
      in.index = i;
      in.key_index = i < m_n ? i : i - m_n;  // instance n+k is key k's twin
      in.honest = in.key_index >= m_cfg.twins;
      in.addr = m_fx.validators[in.key_index];
      in.skew_us = static_cast<int64_t>(m_rng.below(50 * kMs));
      in.kv = storage::make_memory_store(kStoreSchema);
      auto ws = state::make_world_state(*in.kv);
      Hash32 root = ws->apply(state::empty_root(), execution::genesis_changes(m_fx.params));
      storage::WriteBatch batch;
      ws->stage_commit(root, batch);
      if (!in.kv->write(batch, storage::Durability::kSync)) std::abort();
      ws->on_persisted(root);
      in.chain.push_back(Committed{m_genesis, {}, core::ExecResult{root, {}, {}}});
      m_inst.push_back(std::move(in));
    }
    m_group.assign(count, 0);
  }

  void start_instance(size_t i) {
    auto& me = m_inst[i];
    me.up = true;
    ++me.incarnation;
    me.votes_signed_since_restart = 0;
    me.state = state::make_world_state(*me.kv);
    me.executed.clear();
    for (const auto& c : me.chain) me.executed[c.block->hash()] = Executed{c.block, c.result};
    // The certified chain is on disk but its state is not (only commits write trie nodes): execute
    // it again, as the channel does at start, so the engine gets it executed (ChainTip).
    for (const auto& c : me.certified) {
      if (!execute(i, c.block)) {
        fail("node " + std::to_string(i) + "'s recorded certified chain does not extend its committed chain");
        return;
      }
    }
    me.buffered.clear();
    consensus::EngineOptions o;
    o.validators = m_fx.validators;
    o.key = m_fx.keys[me.key_index];
    o.block_interval_ms = kBlockIntervalMs;
    o.round_timeout_ms = kRoundTimeoutMs;
    me.engine = consensus::make_lft_engine(o);
    trace("start", i, me.incarnation, me.committed_height());
    schedule_status(i, m_rng.below(kStatusEveryUs));
    if (m_cfg.forget_wal) {
      // Both kinds of consensus record: with the proposal bodies kept, a node would often vote again
      // for the very block it had voted for (an identical vote), hiding the lost record from the checker.
      me.wal.clear();
      me.proposals.clear();
    }
    run_actions(i, me.engine->start(tip_of(i), me.wal));
    // As the channel does after start(): the recorded proposals above the committed head's round go
    // to the engine again (this node may have voted for them), older records are deleted.
    uint32_t committed_round = me.chain.back().block->header.round;
    me.proposals.erase(me.proposals.begin(), me.proposals.upper_bound(committed_round));
    std::vector<BlockPtr> recorded;
    for (const auto& [round, bodies] : me.proposals)
      for (const auto& [hash, b] : bodies) recorded.push_back(b);
    uint64_t inc = me.incarnation;
    for (const auto& b : recorded) {
      if (m_failed || !me.up || me.incarnation != inc) return;  // crashed again meanwhile (--wal-crash)
      if (b->header.height <= me.committed_height()) continue;    // old news (on_peer_proposal)
      trace("restored-proposal", i, b->header.height, b->header.round, b->hash());
      deliver_proposal(i, b);
    }
  }

  void crash(size_t i) {
    auto& me = m_inst[i];
    if (!me.up) return;
    trace("crash", i, me.incarnation, me.committed_height());
    ++m_stats.crashes;
    me.up = false;
    ++me.incarnation;  // timers and in-flight messages of the old incarnation are void
    me.engine.reset();
    me.state.reset();
    me.executed.clear();
    me.buffered.clear();
  }

  void restart(size_t i) {
    auto& me = m_inst[i];
    if (me.up || me.silent_forever) return;
    ++me.restarts;
    start_instance(i);
  }

  // ---- the fault plan, drawn from the seed up front ----
  size_t add_control(std::function<void()> fn, uint64_t delay_us) {
    m_controls.push_back(std::move(fn));
    Event ev;
    ev.kind = EvKind::kControl;
    ev.control = m_controls.size() - 1;
    push(ev, delay_us);
    return ev.control;
  }

  template <typename T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + m_rng.below(xs.size()));
  }

  void plan_faults() {
    size_t count = m_inst.size();
    uint64_t chaos_us = (2 + m_rng.below(11)) * kSec;
    m_loss_pct = pick<uint64_t>({0, 0, 2, 10, 25});
    m_dup_pct = pick<uint64_t>({0, 0, 5, 20});
    m_delay_max_us = pick<uint64_t>({2, 20, 100, 400}) * kMs;
    m_long_delay_pct = pick<uint64_t>({0, 0, 2, 10});

    size_t partitions = m_rng.below(4);
    if (m_cfg.expect_fork || m_cfg.twins > 0) partitions += m_rng.below(2);
    for (size_t p = 0; p < partitions; ++p) {
      uint64_t start = m_rng.below(chaos_us);
      uint64_t len = 200 * kMs + m_rng.below(12 * kSec);
      size_t groups = 2 + m_rng.below(2);
      std::vector<size_t> g(count);
      for (size_t i = 0; i < count; ++i) g[i] = m_rng.below(groups);
      // Twins go to different sides half of the time: that is when their equivocation can bite.
      for (size_t k = 0; k < m_cfg.twins; ++k)
        if (m_rng.below(2) == 0) g[m_n + k] = (g[k] + 1 + m_rng.below(groups - 1)) % groups;
      size_t id = p + 1;
      add_control([this, g, id] {
        m_group = g;
        m_partition_id = id;
        ++m_stats.partitions;
        trace("partition", id, 0, 0);
      }, start);
      add_control([this, id] {
        if (m_partition_id != id) return;
        std::fill(m_group.begin(), m_group.end(), 0);
        trace("partition-end", id, 0, 0);
      }, std::min(start + len, chaos_us));
    }

    size_t crashes = m_rng.below(3);
    for (size_t c = 0; c < crashes; ++c) {
      size_t i = m_rng.below(count);
      uint64_t at = m_rng.below(chaos_us);
      uint64_t down = 100 * kMs + m_rng.below(8 * kSec);
      add_control([this, i] { crash(i); }, at);
      add_control([this, i] { restart(i); }, at + down);
    }

    // Silent validators: honest keys, chosen from the seed, crash for good during the chaos.
    std::vector<size_t> honest;
    for (size_t i = m_cfg.twins; i < m_n; ++i) honest.push_back(i);
    for (size_t s = 0; s < m_cfg.silent && !honest.empty(); ++s) {
      size_t k = m_rng.below(honest.size());
      size_t i = honest[k];
      honest.erase(honest.begin() + static_cast<long>(k));
      uint64_t at = m_rng.below(2) ? 0 : m_rng.below(chaos_us);
      m_inst[i].silent_forever = true;
      add_control([this, i] { crash(i); }, at);
    }

    if (m_cfg.mode == Mode::kWalCrash) {
      // One honest validator crashes right before or right after its k-th durable write.
      m_wal_target = m_cfg.twins + m_rng.below(m_n - m_cfg.twins);
      while (m_inst[m_wal_target].silent_forever) m_wal_target = (m_wal_target + 1) % m_n;
      m_wal_crash_at = 1 + (m_seed / 2) % 12;
      m_wal_crash_after = m_seed % 2 == 1;
    }

    add_control([this] { heal(); }, chaos_us);
  }

  void heal() {
    trace("heal", 0, 0, 0);
    m_healed = true;
    m_heal_at_us = m_now_us;
    m_partition_id = 0;
    std::fill(m_group.begin(), m_group.end(), 0);
    m_loss_pct = 0;
    m_dup_pct = 0;
    m_long_delay_pct = 0;
    m_delay_max_us = 20 * kMs;
    for (size_t i = 0; i < m_inst.size(); ++i)
      if (!m_inst[i].up && !m_inst[i].silent_forever) restart(i);
    uint64_t best = 0;
    for (const auto& in : m_inst)
      if (in.honest) best = std::max(best, in.committed_height());
    // Progress after the heal, not only what the chaos phase left behind.
    m_target = std::max<uint64_t>(m_cfg.heights, best + 2);
    m_liveness_window_us = liveness_window_us(m_target - best);
    m_commit_since_check = true;
  }

  // How long after the heal every honest up node gets to commit `heights` more blocks, derived from
  // the engine's timeouts, with every round assumed to last its longest (kRoundMaxUs):
  //  - 2 rounds to line up: each honest node's pending round timer fires, re-sending its vote and
  //    the votes of the QCs it holds; nodes restarted at the heal fetch the certified chain;
  //  - a window of n rounds has n leaders, F = twins + silent of them faulty, so at least n − 2F
  //    pairs of consecutive rounds with honest leaders; each such pair certifies a block whose
  //    parent was certified in the round before (2-chain rule), i.e. commits one more height;
  //  - one status period for laggards to sync, and with --wal-crash the crashed node's downtime.
  uint64_t liveness_window_us(uint64_t heights) const {
    uint64_t faulty = m_cfg.twins + m_cfg.silent;
    uint64_t pairs = m_n > 2 * faulty ? m_n - 2 * faulty : 1;
    uint64_t windows = (heights + pairs - 1) / pairs;
    uint64_t w = (2 + windows * m_n) * kRoundMaxUs + kStatusEveryUs;
    if (m_cfg.mode == Mode::kWalCrash) w += kWalRestartMaxUs;
    return w;
  }

  // ---- the scheduler ----
  void push(Event ev, uint64_t delay_us) {
    ev.at_us = m_now_us + delay_us;
    ev.seq = m_seq++;
    m_queue.push(std::move(ev));
  }

  void schedule_status(size_t i, uint64_t delay_us) {
    Event ev;
    ev.kind = EvKind::kStatus;
    ev.to = i;
    ev.incarnation = m_inst[i].incarnation;
    push(ev, delay_us);
  }

  void schedule_sync(size_t i) {
    Event ev;
    ev.kind = EvKind::kSync;
    ev.to = i;
    ev.incarnation = m_inst[i].incarnation;
    push(ev, 5 * kMs + m_rng.below(40 * kMs));
  }

  bool reachable(size_t a, size_t b) const { return m_group[a] == m_group[b]; }

  void dispatch(const Event& ev) {
    if (ev.kind == EvKind::kControl) {
      m_controls[ev.control]();
      return;
    }
    auto& me = m_inst[ev.to];
    if (!me.up || me.incarnation != ev.incarnation) return;
    switch (ev.kind) {
      case EvKind::kDeliver:
        if (!reachable(ev.from, ev.to)) return;
        if (ev.vote) run_actions(ev.to, me.engine->on_vote(*ev.vote));
        else deliver_proposal(ev.to, ev.block);
        return;
      case EvKind::kTimer:
        run_actions(ev.to, me.engine->on_timeout(ev.timer));
        return;
      case EvKind::kSync:
        sync(ev.to);
        return;
      case EvKind::kStatus: {
        // The channel's status gossip: a node that sees a reachable peer ahead asks to sync.
        for (size_t j = 0; j < m_inst.size(); ++j) {
          const auto& p = m_inst[j];
          if (j != ev.to && p.up && serves_sync(p) && reachable(j, ev.to) && ahead(p, me)) {
            schedule_sync(ev.to);
            break;
          }
        }
        schedule_status(ev.to, kStatusEveryUs);
        return;
      }
      case EvKind::kControl:
        return;
    }
  }

  void send(size_t from, const BlockPtr& block, const std::optional<Vote>& vote) {
    for (size_t to = 0; to < m_inst.size(); ++to) {
      if (to == from) continue;
      if (m_loss_pct && m_rng.below(100) < m_loss_pct) continue;
      size_t copies = (m_dup_pct && m_rng.below(100) < m_dup_pct) ? 2 : 1;
      for (size_t c = 0; c < copies; ++c) {
        uint64_t delay = 100 + m_rng.below(m_delay_max_us);
        if (m_long_delay_pct && m_rng.below(100) < m_long_delay_pct) delay += m_rng.below(3 * kSec);
        Event ev;
        ev.kind = EvKind::kDeliver;
        ev.from = from;
        ev.to = to;
        ev.incarnation = m_inst[to].incarnation;
        ev.block = block;
        ev.vote = vote;
        push(std::move(ev), delay);
      }
    }
  }

  // ---- the node shell: the channel's side of the engine ----
  ChainTip tip_of(size_t i) const {
    const auto& me = m_inst[i];
    ChainTip tip;
    tip.committed = me.chain.back().block;
    tip.committed_qc = me.chain.back().qc;
    tip.chain = me.certified;
    return tip;
  }

  int64_t local_time_us(const Instance& me) const {
    return kBaseTimeUs + static_cast<int64_t>(m_now_us) + me.skew_us;
  }

  // Is tx on the chain ending at `parent_hash` (walks the uncommitted part, then the committed one)?
  bool on_chain(const Instance& me, const Hash32& parent_hash, const Hash32& tx_hash) const {
    Hash32 h = parent_hash;
    while (true) {
      auto it = me.executed.find(h);
      if (it == me.executed.end()) return false;
      const auto& b = *it->second.block;
      uint64_t height = b.header.height;
      if (height <= me.committed_height() && me.chain[height].block->hash() == h) break;
      for (const auto& tx : b.txs)
        if (tx->hash == tx_hash) return true;
      h = b.header.prev_hash;
    }
    for (const auto& c : me.chain) {
      if (c.block->hash() == h) return false;  // reached the branch point
      for (const auto& tx : c.block->txs)
        if (tx->hash == tx_hash) return true;
    }
    return false;
  }

  BlockPtr build_proposal(size_t i, const consensus::ActBuildProposal& a) {
    auto& me = m_inst[i];
    auto parent = me.executed.find(a.parent->hash());
    if (parent == me.executed.end()) {
      fail("engine asked node " + std::to_string(i) + " to build on an unexecuted parent");
      return nullptr;
    }
    auto block = std::make_shared<core::Block>();
    auto& h = block->header;
    h.height = a.height;
    h.round = a.round;
    h.prev_hash = a.parent->hash();
    h.timestamp_us = std::max(local_time_us(me), a.parent->header.timestamp_us + 1);
    h.proposer = me.addr;
    h.prev_result = parent->second.result;
    h.validators_hash = core::validators_hash(m_fx.validators);
    block->prev_qc = a.parent_qc;
    h.prev_qc_hash = block->prev_qc.hash();
    size_t want = m_rng.below(4);
    size_t start = m_rng.below(m_fx.tx_pool.size());
    for (size_t k = 0; k < m_fx.tx_pool.size() && block->txs.size() < want; ++k) {
      const auto& tx = m_fx.tx_pool[(start + k) % m_fx.tx_pool.size()];
      int64_t diff = tx->timestamp_us - h.timestamp_us;
      if (diff > m_fx.params.tx_timestamp_window_us || -diff > m_fx.params.tx_timestamp_window_us) continue;
      if (on_chain(me, h.prev_hash, tx->hash)) continue;
      block->txs.push_back(tx);
    }
    h.tx_root = core::tx_root(block->txs);
    block->proposer_signature = crypto::sign(h.hash(), m_fx.keys[me.key_index]);
    return block;
  }

  // The channel's check_proposal(): everything that needs the chain, once the parent is executed.
  // (Tx signatures were checked when the pool was built, as the channel's gossip cache does.)
  bool check_proposal(size_t i, const core::Block& b) {
    auto& me = m_inst[i];
    const auto& h = b.header;
    auto parent = me.executed.find(h.prev_hash);
    if (parent == me.executed.end()) return false;
    auto signer = crypto::recover(h.hash(), b.proposer_signature);
    if (!signer || Address::of_public_key(*signer) != h.proposer) return false;
    if (h.prev_result != parent->second.result) {
      // Both sides executed the same parent with the same code: a mismatch is non-determinism.
      fail("node " + std::to_string(i) + " computed a different result for block " +
           short_hash(h.prev_hash) + " than proposer " + h.proposer.to_string());
      return false;
    }
    if (h.validators_hash != core::validators_hash(m_fx.validators)) return false;
    if (h.timestamp_us <= parent->second.block->header.timestamp_us) return false;
    if (h.timestamp_us > local_time_us(me) + m_fx.params.tx_timestamp_window_us) return false;
    if (h.tx_root != core::tx_root(b.txs) || h.prev_qc_hash != b.prev_qc.hash()) return false;
    std::set<Hash32> seen;
    for (const auto& tx : b.txs) {
      int64_t diff = tx->timestamp_us - h.timestamp_us;
      if (tx->nid != m_fx.params.nid) return false;
      if (diff > m_fx.params.tx_timestamp_window_us || -diff > m_fx.params.tx_timestamp_window_us) return false;
      if (!seen.insert(tx->hash).second) return false;
      if (on_chain(me, h.prev_hash, tx->hash)) return false;
    }
    return true;
  }

  // The channel's judge_proposal(): a valid proposal is recorded before the engine can vote for it.
  bool judge(size_t i, const BlockPtr& b, bool record = true) {
    bool valid = check_proposal(i, *b);
    if (!valid) ++m_stats.invalid_verdicts;
    else if (record) record_proposal(i, b);
    return valid;
  }

  // The channel's record_proposal(): durable at once here (the channel's write is made durable by the
  // fsync of the vote record that follows it, and no vote leaves before that fsync). Bounded as
  // there: kProposalRecordsPerRound per round, kProposalRecordRoundsMax rounds (then nothing new).
  void record_proposal(size_t i, const BlockPtr& b) {
    auto& me = m_inst[i];
    uint32_t round = b->header.round;
    auto it = me.proposals.find(round);
    if (it == me.proposals.end()) {
      if (me.proposals.size() >= kProposalRecordRoundsMax) return;
      it = me.proposals.emplace(round, std::map<Hash32, BlockPtr>{}).first;
    }
    if (it->second.contains(b->hash()) || it->second.size() >= kProposalRecordsPerRound) return;
    it->second.emplace(b->hash(), b);
  }

  void deliver_proposal(size_t i, const BlockPtr& b) {
    auto& me = m_inst[i];
    if (me.executed.contains(b->header.prev_hash)) {
      // The channel drops a proposal at or below its committed height as old news, unjudged, so it
      // never records one (the engine ignores it here anyway: its round is settled).
      run_actions(i, me.engine->on_proposal(b, judge(i, b, /*record=*/b->header.height > me.committed_height())));
      return;
    }
    // Not judgeable before its parent is executed here: the engine keeps the body and takes the QC
    // it carries (which may certify the parent here); the verdict follows once the parent is executed.
    buffer(i, b);
    run_actions(i, me.engine->on_proposal(b, std::nullopt));
  }

  // Keeps a proposal for redelivery. Its parent can still be executed here only if it lies above
  // the committed head. When full, the proposal of the oldest round gives way.
  void buffer(size_t i, const BlockPtr& b) {
    auto& me = m_inst[i];
    if (b->header.height <= me.committed_height() + 1) return;
    auto range = me.buffered.equal_range(b->header.prev_hash);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second->hash() == b->hash()) return;  // a duplicate delivery
    if (me.buffered.size() >= kBufferedMax) {
      auto oldest = me.buffered.begin();
      for (auto it = me.buffered.begin(); it != me.buffered.end(); ++it)
        if (it->second->header.round < oldest->second->header.round) oldest = it;
      if (oldest->second->header.round >= b->header.round) return;
      me.buffered.erase(oldest);
    }
    me.buffered.emplace(b->header.prev_hash, b);
  }

  // Proposals that waited for `parent` are delivered again, now with a verdict.
  void redeliver(size_t i, const Hash32& parent, Actions& out) {
    auto& me = m_inst[i];
    auto range = me.buffered.equal_range(parent);
    std::vector<BlockPtr> ready;
    for (auto it = range.first; it != range.second; ++it) ready.push_back(it->second);
    me.buffered.erase(range.first, range.second);
    for (const auto& b : ready)
      for (auto& a : me.engine->on_proposal(b, judge(i, b))) out.push_back(std::move(a));
  }

  // Every buffered proposal whose parent is executed now (after a sync).
  void redeliver_ready(size_t i, Actions& out) {
    auto& me = m_inst[i];
    std::vector<Hash32> parents;
    for (const auto& [parent, b] : me.buffered)
      if (me.executed.contains(parent) && (parents.empty() || parents.back() != parent)) parents.push_back(parent);
    for (const auto& p : parents) redeliver(i, p, out);
  }

  bool execute(size_t i, const BlockPtr& block) {
    auto& me = m_inst[i];
    if (me.executed.contains(block->hash())) return true;
    auto parent = me.executed.find(block->header.prev_hash);
    if (parent == me.executed.end()) return false;
    auto reader = me.state->reader_at(parent->second.result.state_root);
    execution::BlockContext ctx{&m_fx.params, block->header.height, block->header.timestamp_us};
    auto out = execution::apply_block(*reader, ctx, block->txs);
    Hash32 root = me.state->apply(parent->second.result.state_root, out.changes);
    me.executed[block->hash()] = Executed{block, core::ExecResult{root, out.receipts_root, out.logs_bloom}};
    return true;
  }

  // Forgets the certified blocks from position `keep` on: a QC of a later round moved the tip to
  // another branch (engine.hpp, ActExecute). Should that branch come back, the engine hands its
  // blocks over again. Proposals waiting for them stay buffered for that case.
  void drop_certified_from(size_t i, size_t keep) {
    auto& me = m_inst[i];
    for (size_t k = keep; k < me.certified.size(); ++k) me.executed.erase(me.certified[k].block->hash());
    me.certified.resize(keep);
  }

  // Forgets executed blocks that are neither committed nor on the certified chain (after a sync).
  void forget_off_chain(size_t i) {
    auto& me = m_inst[i];
    std::set<Hash32> on_chain;
    for (const auto& c : me.certified) on_chain.insert(c.block->hash());
    for (auto it = me.executed.begin(); it != me.executed.end();) {
      uint64_t h = it->second.block->header.height;
      bool keep = on_chain.contains(it->first) || (h <= me.committed_height() && me.chain[h].block->hash() == it->first);
      it = keep ? std::next(it) : me.executed.erase(it);
    }
  }

  // ActExecute: the block is certified and becomes the tip of the certified chain. Its parent is
  // the committed head or a block of the certified chain; the blocks above the parent are off the
  // chain now.
  bool take_certified(size_t i, const BlockPtr& block, const QuorumCertificate& qc) {
    auto& me = m_inst[i];
    const auto& h = block->header;
    std::string who = "node " + std::to_string(i);
    if (!certifies(qc, *block)) {
      fail(who + " told to execute height " + std::to_string(h.height) + " with a QC that does not certify it");
      return false;
    }
    size_t keep = 0;
    if (h.prev_hash != me.chain.back().block->hash()) {
      auto it = std::find_if(me.certified.begin(), me.certified.end(),
                             [&](const CertifiedBlock& c) { return c.block->hash() == h.prev_hash; });
      if (it == me.certified.end()) {
        fail(who + " told to execute height " + std::to_string(h.height) + " (" + short_hash(block->hash()) +
             ") whose parent is neither its committed head nor on its certified chain");
        return false;
      }
      keep = static_cast<size_t>(it - me.certified.begin()) + 1;
    }
    drop_certified_from(i, keep);
    if (!execute(i, block)) {
      fail(who + " cannot execute height " + std::to_string(h.height) + " on its parent (harness bug)");
      return false;
    }
    me.certified.push_back(CertifiedBlock{block, qc});
    if (proves_parent_final(*block, qc, *me.executed.at(h.prev_hash).block)) raise_final_bound(i, me.executed.at(h.prev_hash).block);
    trace("certified", i, h.height, h.round, block->hash());
    return true;
  }

  void commit(size_t i, const BlockPtr& block, const QuorumCertificate& qc) {
    auto& me = m_inst[i];
    const auto& h = block->header;
    std::string who = "node " + std::to_string(i);
    if (h.height != me.committed_height() + 1 || h.prev_hash != me.chain.back().block->hash()) {
      fail(who + " commits height " + std::to_string(h.height) + " (" + short_hash(block->hash()) +
           ") on top of height " + std::to_string(me.committed_height()) + ": not its child");
      return;
    }
    if (me.certified.empty() || me.certified.front().block->hash() != block->hash()) {
      fail(who + " commits height " + std::to_string(h.height) + " (" + short_hash(block->hash()) +
           "), not the first block of its certified chain");
      return;
    }
    auto ex = me.executed.find(block->hash());
    if (ex == me.executed.end()) {
      fail(who + " commits block " + short_hash(block->hash()) + " it never executed");
      return;
    }
    if (!certifies(qc, *block)) {
      fail(who + " commits height " + std::to_string(h.height) + " with a QC that does not certify it");
      return;
    }
    if (!under_final_bound(me, *block)) {
      fail("SAFETY: " + who + " commits height " + std::to_string(h.height) + " (" + short_hash(block->hash()) +
           ") without a 2-chain proof (no certified descendant whose parent was certified in the round before it)");
      return;
    }
    // The block's trie nodes become durable with it (one batch, as the channel writes it).
    storage::WriteBatch batch;
    me.state->stage_commit(ex->second.result.state_root, batch);
    codec::Writer key;
    key.u64(h.height);
    Bytes kb = key.take();
    batch.put(kHeightIndexColumn, kb, block->hash().view());
    if (!me.kv->write(batch, storage::Durability::kSync)) std::abort();
    me.state->on_persisted(ex->second.result.state_root);
    me.chain.push_back(Committed{block, qc, ex->second.result});
    me.certified.erase(me.certified.begin());
    // The proposal records of this block's round and earlier go in the same batch.
    me.proposals.erase(me.proposals.begin(), me.proposals.upper_bound(h.round));
    // A buffered proposal at or below the next height waits for a parent at or below the committed
    // height that is not the committed block: it can never be judged here.
    for (auto it = me.buffered.begin(); it != me.buffered.end();)
      it = it->second->header.height <= h.height + 1 ? me.buffered.erase(it) : std::next(it);
    trace("commit", i, h.height, h.round, block->hash());
    check_commit(i, me.chain.back());
  }

  // q valid, distinct kBlock votes for the QC's (height, round, block) from validators. Checked by
  // the simulator itself (not consensus::verify_qc), once per distinct QC.
  bool votes_verify(const QuorumCertificate& qc) {
    Hash32 id = qc.hash();
    if (m_verified_qcs.contains(id)) return true;
    std::set<Address> voters;
    for (const auto& v : qc.votes) {
      if (v.height != qc.height || v.round != qc.round || v.kind != VoteKind::kBlock || v.block_hash != qc.block_hash) return false;
      if (std::find(m_fx.validators.begin(), m_fx.validators.end(), v.voter) == m_fx.validators.end()) return false;
      auto pub = crypto::recover(v.signing_hash(), v.signature);
      if (!pub || Address::of_public_key(*pub) != v.voter) return false;
      voters.insert(v.voter);
    }
    if (voters.size() < consensus::quorum(m_n) || voters.size() != qc.votes.size()) return false;
    m_verified_qcs.insert(id);
    return true;
  }

  // `qc` certifies `b` in the round b was proposed in.
  bool certifies(const QuorumCertificate& qc, const core::Block& b) {
    if (qc.block_hash != b.hash() || qc.height != b.header.height || qc.round != b.header.round) return false;
    return votes_verify(qc);
  }

  // The 2-chain rule, checked from the certificates themselves: `child` certified in round r by
  // `qc`, carrying a QC that certifies `parent` in round r−1, proves `parent` (and its ancestors)
  // final.
  bool proves_parent_final(const core::Block& child, const QuorumCertificate& qc, const core::Block& parent) {
    if (child.header.prev_hash != parent.hash() || child.prev_qc.empty()) return false;
    if (child.prev_qc.round + 1 != qc.round) return false;
    return certifies(qc, child) && certifies(child.prev_qc, parent);
  }

  void raise_final_bound(size_t i, const BlockPtr& b) {
    auto& me = m_inst[i];
    if (!me.final_bound || b->header.height > me.final_bound->header.height) me.final_bound = b;
  }

  // Is `b` the node's proven-final block or one of its ancestors (walking its executed blocks)?
  static bool under_final_bound(const Instance& me, const core::Block& b) {
    if (!me.final_bound || me.final_bound->header.height < b.header.height) return false;
    BlockPtr x = me.final_bound;
    while (x->header.height > b.header.height) {
      auto it = me.executed.find(x->header.prev_hash);
      if (it == me.executed.end()) return false;
      x = it->second.block;
    }
    return x->hash() == b.hash();
  }

  // Any peer may serve a sync (the channel asks whichever peer is ahead): what it sends is checked
  // against QCs, so a twin serves honestly unless --withholding-twins makes it refuse.
  bool serves_sync(const Instance& p) const { return p.honest || !m_cfg.withholding_twins; }

  // Worth syncing from: it committed more, or holds a block certified in a later round.
  static bool ahead(const Instance& p, const Instance& me) {
    return p.committed_height() > me.committed_height() || p.tip_round() > me.tip_round();
  }

  // ActSync, and the channel's status gossip: copy from a reachable peer its committed blocks and
  // its certified chain above our committed head, verifying each QC and prev_result link; decide
  // what is final with the 2-chain rule over what arrived; hand the engine the new tip.
  void sync(size_t i) {
    auto& me = m_inst[i];
    size_t src = m_inst.size();
    for (size_t j = 0; j < m_inst.size(); ++j) {
      const auto& p = m_inst[j];
      if (j == i || !p.up || !serves_sync(p) || !reachable(i, j)) continue;
      if (src == m_inst.size()) {
        src = j;
        continue;
      }
      const auto& best = m_inst[src];
      if (p.tip_round() > best.tip_round() || (p.tip_round() == best.tip_round() && p.committed_height() > best.committed_height()))
        src = j;
    }
    if (src == m_inst.size() || !ahead(m_inst[src], me)) return;
    ++m_stats.syncs;
    const auto& from = m_inst[src];
    trace("sync", i, src, from.tip_round());
    auto refuse = [&](const char* what, uint64_t height) {
      if (!m_cfg.expect_fork)
        fail("node " + std::to_string(i) + " cannot sync height " + std::to_string(height) + " from node " +
             std::to_string(src) + ": " + what);
    };
    std::vector<CertifiedBlock> offered;
    for (uint64_t h = me.committed_height() + 1; h < from.chain.size(); ++h)
      offered.push_back(CertifiedBlock{from.chain[h].block, from.chain[h].qc});
    for (const auto& c : from.certified)
      if (c.block->header.height > me.committed_height()) offered.push_back(c);
    // The part that extends our committed head. A peer's certified chain can start with a block of
    // a lower round than our committed head's finality proof, off our chain: nothing to take then.
    std::vector<CertifiedBlock> list;
    Hash32 parent = me.chain.back().block->hash();
    for (const auto& c : offered) {
      const auto& b = *c.block;
      if (b.header.prev_hash != parent) break;
      if (!certifies(c.qc, b)) {
        refuse("its QC does not verify", b.header.height);
        break;
      }
      if (b.header.prev_result != me.executed.at(parent).result) {
        refuse("its prev_result differs from our execution of its parent", b.header.height);
        break;
      }
      execute(i, c.block);
      list.push_back(c);
      parent = b.hash();
    }
    if (m_failed) return;
    // list[0..final_count) are final: the last of them has a child in the list certified in the
    // round right after it. A peer's committed blocks count as final here only when that shows; if
    // not, they stay certified-not-final, which is always safe.
    size_t final_count = 0;
    for (size_t j = 1; j < list.size(); ++j)
      if (proves_parent_final(*list[j].block, list[j].qc, *list[j - 1].block)) final_count = j;
    BlockPtr head = final_count ? list[final_count - 1].block : me.chain.back().block;
    // Above the new head: the peer's certified blocks, or ours if they extend the new head and reach
    // a round as late (one block per round: same round, same block).
    std::vector<CertifiedBlock> theirs(list.begin() + static_cast<long>(final_count), list.end());
    std::vector<CertifiedBlock> ours;
    bool ours_link = final_count == 0;
    size_t ours_from = 0;
    for (size_t k = 0; k < me.certified.size() && !ours_link; ++k)
      if (me.certified[k].block->hash() == head->hash()) ours_link = true, ours_from = k + 1;
    if (ours_link) ours.assign(me.certified.begin() + static_cast<long>(ours_from), me.certified.end());
    auto top_round = [&](const std::vector<CertifiedBlock>& c) {
      return c.empty() ? head->header.round : c.back().block->header.round;
    };
    const auto& above = ours_link && top_round(ours) >= top_round(theirs) ? ours : theirs;
    // The engine takes a tip only if it commits more or reaches a later round (on_synced).
    bool gains = final_count > 0 || top_round(above) > me.tip_round();
    if (!gains) {
      forget_off_chain(i);
      return;
    }
    std::vector<CertifiedBlock> chain(list.begin(), list.begin() + static_cast<long>(final_count));
    chain.insert(chain.end(), above.begin(), above.end());
    me.certified = std::move(chain);
    if (final_count) raise_final_bound(i, head);
    for (size_t k = 0; k < final_count && !m_failed; ++k) commit(i, list[k].block, list[k].qc);
    if (m_failed) return;
    forget_off_chain(i);
    Actions out = me.engine->on_synced(tip_of(i));
    // Buffered proposals whose parent the sync brought.
    redeliver_ready(i, out);
    run_actions(i, std::move(out));
  }

  void run_actions(size_t i, Actions actions) {
    auto& me = m_inst[i];
    uint64_t inc = me.incarnation;
    for (size_t k = 0; k < actions.size(); ++k) {
      if (m_failed || !me.up || me.incarnation != inc) return;  // crashed while carrying them out
      Action a = std::move(actions[k]);
      Actions more;
      if (auto* t = std::get_if<consensus::ActSetTimer>(&a)) {
        Event ev;
        ev.kind = EvKind::kTimer;
        ev.to = i;
        ev.incarnation = inc;
        ev.timer = t->timer;
        push(ev, t->delay_ms * kMs);
        m_stats.max_round = std::max(m_stats.max_round, t->timer.round);
      } else if (auto* b = std::get_if<consensus::ActBuildProposal>(&a)) {
        BlockPtr block = build_proposal(i, *b);
        if (!block) return;
        if (!check_proposal(i, *block)) {
          fail("node " + std::to_string(i) + "'s own proposal fails its own checks (harness bug)");
          return;
        }
        trace("build", i, block->header.height, block->header.round, block->hash());
        record_proposal(i, block);
        more = me.engine->on_proposal(block, /*contents_valid=*/true);
      } else if (auto* p = std::get_if<consensus::ActBroadcastProposal>(&a)) {
        if (p->block->header.proposer != me.addr) {
          fail("node " + std::to_string(i) + " broadcasts a proposal it did not build");
          return;
        }
        send(i, p->block, std::nullopt);
      } else if (auto* v = std::get_if<consensus::ActBroadcastVote>(&a)) {
        note_signed(v->vote, "broadcast");
        if (v->vote.voter == me.addr) ++me.votes_signed_since_restart;
        send(i, nullptr, v->vote);
      } else if (auto* e = std::get_if<consensus::ActExecute>(&a)) {
        if (!take_certified(i, e->block, e->qc)) return;
        more = me.engine->on_block_executed(e->block->hash());
        redeliver(i, e->block->hash(), more);
      } else if (auto* c = std::get_if<consensus::ActCommit>(&a)) {
        commit(i, c->block, c->qc);
      } else if (auto* w = std::get_if<consensus::ActPersist>(&a)) {
        ++me.persist_writes;
        bool crash_here = m_cfg.mode == Mode::kWalCrash && i == m_wal_target && !m_wal_crashed &&
                          me.persist_writes == m_wal_crash_at;
        if (crash_here && !m_wal_crash_after) {
          m_wal_crashed = true;
          crash_and_restart_later(i);
          return;
        }
        me.wal.push_back(w->record);
        note_record(w->record);
        if (crash_here) {
          m_wal_crashed = true;
          crash_and_restart_later(i);
          return;
        }
      } else if (std::holds_alternative<consensus::ActSync>(a)) {
        schedule_sync(i);
      }
      for (auto& m : more) actions.push_back(std::move(m));
    }
  }

  void crash_and_restart_later(size_t i) {
    crash(i);
    add_control([this, i] { restart(i); }, 50 * kMs + m_rng.below(kWalRestartMaxUs - 50 * kMs));
  }

  // ---- checks ----
  void fail(const std::string& reason) {
    if (m_failed) return;
    m_failed = true;
    m_reason = reason;
  }

  // Every signature an honest key produced: one per round, ever (rounds are numbered across
  // heights; a vote's height is informational, so a second vote differing only in height counts).
  void note_signed(const Vote& v, const char* where) {
    auto it = std::find(m_fx.validators.begin(), m_fx.validators.end(), v.voter);
    if (it == m_fx.validators.end()) return;
    size_t k = static_cast<size_t>(it - m_fx.validators.begin());
    if (k < m_cfg.twins) return;  // the faulty keys
    auto [e, fresh] = m_signed.emplace(std::make_pair(k, v.round), v);
    if (fresh) return;
    const Vote& o = e->second;
    if (o.height != v.height || o.kind != v.kind || o.block_hash != v.block_hash || o.timestamp_us != v.timestamp_us)
      fail("honest validator " + std::to_string(k) + " signed two different votes in round " + std::to_string(v.round) + " (" +
           std::to_string(o.height) + "/" + (o.kind == VoteKind::kNone ? "none" : short_hash(o.block_hash)) + " vs " +
           std::to_string(v.height) + "/" + (v.kind == VoteKind::kNone ? "none" : short_hash(v.block_hash)) + ", seen in " +
           where + ")");
  }

  // The write-ahead record holds the signed vote (lft_engine.cpp encode_record): count it as signed.
  void note_record(const Bytes& rec) {
    codec::Reader r(rec);
    r.u8();
    r.u64();
    r.u32();
    r.fixed<32>();
    Bytes vb = r.bytes(256);
    if (r.failed()) return;
    if (auto v = Vote::decode(vb)) note_signed(*v, "write-ahead record");
  }

  void check_commit(size_t i, const Committed& c) {
    const auto& me = m_inst[i];
    uint64_t h = c.block->header.height;
    m_stats.max_committed = std::max(m_stats.max_committed, h);
    m_commit_since_check = true;
    if (!me.honest) return;
    auto [it, fresh] = m_commits.emplace(h, std::make_tuple(c.block->hash(), c.result.state_root, i));
    if (fresh) return;
    auto& [hash, root, first] = it->second;
    if (hash != c.block->hash()) {
      m_fork = true;
      fail("SAFETY: honest nodes " + std::to_string(first) + " and " + std::to_string(i) + " committed different blocks at height " +
           std::to_string(h) + " (" + short_hash(hash) + " vs " + short_hash(c.block->hash()) + ")");
    } else if (root != c.result.state_root) {
      fail("CONVERGENCE: honest nodes " + std::to_string(first) + " and " + std::to_string(i) + " reached different state roots at height " +
           std::to_string(h));
    }
  }

  bool live() const {
    // The crash under test happens first (the node votes every round, so its k-th write comes).
    if (m_cfg.mode == Mode::kWalCrash && !m_wal_crashed) return false;
    for (size_t i = 0; i < m_inst.size(); ++i) {
      const auto& in = m_inst[i];
      if (!in.honest || !in.up) continue;
      if (in.committed_height() < m_target) return false;
      if (m_cfg.mode == Mode::kWalCrash && i == m_wal_target && in.votes_signed_since_restart == 0) return false;
    }
    return true;
  }

  void final_checks() {
    if (!m_healed) {
      fail("the run ended before the network healed (harness bug)");
      return;
    }
    if (m_cfg.mode == Mode::kWalCrash && !m_wal_crashed) {
      fail("node " + std::to_string(m_wal_target) + " never reached durable write #" + std::to_string(m_wal_crash_at));
      return;
    }
    if (!m_live && m_cfg.check_liveness) {
      std::ostringstream s;
      s << "LIVENESS: " << (m_liveness_window_us / kSec) << " s after healing, not every honest up node committed " << m_target
        << " heights:";
      for (size_t i = 0; i < m_inst.size(); ++i) {
        const auto& in = m_inst[i];
        s << " [node " << i << (in.honest ? "" : " twin") << (in.up ? "" : " down") << " committed " << in.committed_height();
        if (in.up) {
          auto st = in.engine->status();
          s << " at " << st.height << "/" << st.round;
          if (st.behind_to) s << " behind_to " << *st.behind_to;
          for (const auto& c : in.certified)
            s << " certified " << c.block->header.height << "/" << c.block->header.round << " " << short_hash(c.block->hash());
        }
        s << "]";
      }
      fail(s.str());
      return;
    }
    // Convergence: honest up nodes read the same state at their common height, and value was
    // neither created nor destroyed (fees move to the treasury).
    uint64_t common = ~0ull;
    for (const auto& in : m_inst)
      if (in.honest && in.up) common = std::min(common, in.committed_height());
    std::optional<Hash32> root;
    for (size_t i = 0; i < m_inst.size(); ++i) {
      const auto& in = m_inst[i];
      if (!in.honest || !in.up) continue;
      const auto& c = in.chain[common];
      if (root && *root != c.result.state_root) {
        fail("CONVERGENCE: node " + std::to_string(i) + " has another state root at height " + std::to_string(common));
        return;
      }
      root = c.result.state_root;
      auto reader = in.state->reader_at(in.chain.back().result.state_root);
      if (execution::read_total_supply(*reader) != m_fx.genesis_supply) {
        fail("CONVERGENCE: node " + std::to_string(i) + " reads a total supply other than genesis'");
        return;
      }
    }
  }

  // ---- trace ----
  void mix(uint64_t x) {
    for (int k = 0; k < 8; ++k) {
      m_digest ^= (x >> (8 * k)) & 0xff;
      m_digest *= 1099511628211ull;
    }
  }
  void digest_event(const Event& ev) {
    mix(ev.at_us);
    mix(static_cast<uint64_t>(ev.kind) | (ev.to << 8) | (ev.from << 24));
    if (ev.block) mix(*reinterpret_cast<const uint64_t*>(ev.block->hash().data()));
    if (ev.vote) mix(ev.vote->height << 32 | ev.vote->round), mix(*reinterpret_cast<const uint64_t*>(ev.vote->signature.data()));
    if (!m_cfg.trace) return;
    static const char* kNames[] = {"deliver", "timer", "sync", "status", "control"};
    std::printf("%10.3f ms %-7s to=%zu", static_cast<double>(ev.at_us) / 1000.0, kNames[static_cast<int>(ev.kind)], ev.to);
    if (ev.kind == EvKind::kDeliver) {
      std::printf(" from=%zu", ev.from);
      if (ev.block) std::printf(" proposal %" PRIu64 "/%u %s", ev.block->header.height, ev.block->header.round, short_hash(ev.block->hash()).c_str());
      if (ev.vote)
        std::printf(" vote %" PRIu64 "/%u by %s %s", ev.vote->height, ev.vote->round, ev.vote->voter.to_string().substr(0, 8).c_str(),
                    ev.vote->kind == VoteKind::kNone ? "none" : short_hash(ev.vote->block_hash).c_str());
    }
    if (ev.kind == EvKind::kTimer) std::printf(" %s %" PRIu64 "/%u", ev.timer.kind == consensus::TimerKind::kRound ? "round" : "propose", ev.timer.height, ev.timer.round);
    std::printf("\n");
  }
  void trace(const char* what, uint64_t a, uint64_t b, uint64_t c, const Hash32& h = {}) {
    mix(a ^ (b << 20) ^ (c << 40));
    if (!m_cfg.trace) return;
    std::printf("%10.3f ms   * %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n", static_cast<double>(m_now_us) / 1000.0, what, a, b, c,
                h.is_zero() ? "" : short_hash(h).c_str());
  }

  const Fixture& m_fx;
  Config m_cfg;
  uint64_t m_seed;
  SeededRandom m_rng;
  size_t m_n;
  BlockPtr m_genesis;
  std::vector<Instance> m_inst;
  std::priority_queue<Event, std::vector<Event>, EventLater> m_queue;
  std::vector<std::function<void()>> m_controls;
  uint64_t m_now_us = 0;
  uint64_t m_seq = 0;

  std::vector<size_t> m_group;
  size_t m_partition_id = 0;
  uint64_t m_loss_pct = 0, m_dup_pct = 0, m_delay_max_us = 1, m_long_delay_pct = 0;
  bool m_healed = false;
  uint64_t m_heal_at_us = 0;
  uint64_t m_target = 0;
  uint64_t m_liveness_window_us = 0;
  bool m_live = false;
  bool m_commit_since_check = false;

  size_t m_wal_target = 0;
  uint64_t m_wal_crash_at = 0;
  bool m_wal_crash_after = false;
  bool m_wal_crashed = false;

  std::map<uint64_t, std::tuple<Hash32, Hash32, size_t>> m_commits;  // height -> (block, state root, first node)
  std::map<std::pair<size_t, uint32_t>, Vote> m_signed;               // (key, round) -> vote
  std::set<Hash32> m_verified_qcs;                                    // QCs (by hash) whose votes verified
  bool m_failed = false;
  bool m_fork = false;
  std::string m_reason;
  uint64_t m_digest = 14695981039346656037ull;
  Stats m_stats;
};

// ---------------------------------------------------------------------------------------------

void usage() {
  std::fprintf(stderr,
               "usage: cx_sim [--seeds A..B | --replay SEED] [--validators N] [--twins T] [--silent K]\n"
               "              [--heights H] [--wal-crash] [--expect-fork] [--withholding-twins] [--no-liveness]\n"
               "              [--check-determinism] [--trace]\n"
               "  CX_SIM_SEEDS=N overrides the number of seeds of a --seeds run (A..A+N-1).\n");
}

bool parse_range(const std::string& s, uint64_t& a, uint64_t& b) {
  auto dots = s.find("..");
  try {
    if (dots == std::string::npos) {
      a = b = std::stoull(s);
    } else {
      a = std::stoull(s.substr(0, dots));
      b = std::stoull(s.substr(dots + 2));
    }
  } catch (...) {
    return false;
  }
  return a <= b;
}

}  // namespace
}  // namespace cx::sim

int main(int argc, char** argv) {
  using namespace cx::sim;
  Config cfg;
  uint64_t first = 1, last = 100;
  bool replay = false, check_determinism = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "cx_sim: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&]() -> uint64_t {
      std::string v = value();
      try {
        return std::stoull(v);
      } catch (...) {
        std::fprintf(stderr, "cx_sim: %s: not a number: %s\n", a.c_str(), v.c_str());
        std::exit(2);
      }
    };
    if (a == "--seeds") {
      std::string v = value();
      if (!parse_range(v, first, last)) {
        std::fprintf(stderr, "cx_sim: --seeds wants A..B with A <= B, got %s\n", v.c_str());
        return 2;
      }
    } else if (a == "--replay") {
      first = last = number();
      replay = true;
    } else if (a == "--validators") cfg.validators = number();
    else if (a == "--twins") cfg.twins = number();
    else if (a == "--silent") cfg.silent = number();
    else if (a == "--heights") cfg.heights = number();
    else if (a == "--wal-crash") cfg.mode = Mode::kWalCrash;
    else if (a == "--expect-fork") cfg.expect_fork = true;
    else if (a == "--check-determinism") check_determinism = true;
    else if (a == "--trace") cfg.trace = true;
    else if (a == "--withholding-twins") cfg.withholding_twins = true;
    else if (a == "--no-liveness") cfg.check_liveness = false;
    else if (a == "--forget-wal") cfg.forget_wal = true;
    else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "cx_sim: unknown argument %s\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (cfg.validators < 1 || cfg.validators > 64 || cfg.twins > cfg.validators || cfg.silent + cfg.twins >= cfg.validators) {
    std::fprintf(stderr, "cx_sim: need 1 <= validators <= 64 and twins + silent < validators\n");
    return 2;
  }
  if (const char* env = std::getenv("CX_SIM_SEEDS"); env && !replay && !cfg.expect_fork) {
    uint64_t count = std::strtoull(env, nullptr, 10);
    if (count > 0) last = first + count - 1;
  }
  size_t f = cx::consensus::max_faulty(cfg.validators);
  if (cfg.twins + cfg.silent > f && !cfg.expect_fork)
    std::fprintf(stderr, "cx_sim: warning: %zu faulty validators exceed f = %zu; expect failures\n", cfg.twins + cfg.silent, f);

  auto replay_cmd = [&](uint64_t seed) {
    std::ostringstream s;
    s << argv[0] << " --replay " << seed << " --validators " << cfg.validators << " --twins " << cfg.twins << " --silent "
      << cfg.silent << " --heights " << cfg.heights << (cfg.mode == Mode::kWalCrash ? " --wal-crash" : "")
      << (cfg.expect_fork ? " --expect-fork" : "") << (cfg.withholding_twins ? " --withholding-twins" : "")
      << (cfg.check_liveness ? "" : " --no-liveness") << (cfg.forget_wal ? " --forget-wal" : "");
    return s.str();
  };

  Fixture fx(cfg.validators);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t failures = 0, runs = 0, events = 0, commits = 0, crashes = 0, syncs = 0;
  uint32_t max_round = 0;
  uint64_t slowest_recovery_us = 0, slowest_seed = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    Outcome o = Sim(fx, cfg, seed).run();
    ++runs;
    events += o.stats.events;
    commits += o.stats.max_committed;
    crashes += o.stats.crashes;
    syncs += o.stats.syncs;
    max_round = std::max(max_round, o.stats.max_round);
    if (o.stats.recovery_us > slowest_recovery_us) slowest_recovery_us = o.stats.recovery_us, slowest_seed = seed;
    if (check_determinism || (o.failed && !cfg.expect_fork)) {
      Config quiet = cfg;
      quiet.trace = false;
      Outcome again = Sim(fx, quiet, seed).run();
      if (again.digest != o.digest || again.reason != o.reason) {
        std::printf("FAIL seed=%" PRIu64 " NONDETERMINISM: two runs of one seed differ (trace %016" PRIx64 " vs %016" PRIx64 ")\n",
                    seed, o.digest, again.digest);
        ++failures;
        continue;
      }
    }
    if (replay)
      std::printf("seed=%" PRIu64 " trace=%016" PRIx64 " events=%" PRIu64 " simulated=%.1fs max_committed=%" PRIu64
                  " max_round=%u crashes=%" PRIu64 " syncs=%" PRIu64 " partitions=%" PRIu64 " invalid_verdicts=%" PRIu64 " %s\n",
                  seed, o.digest, o.stats.events, static_cast<double>(o.stats.sim_us) / 1e6, o.stats.max_committed,
                  o.stats.max_round, o.stats.crashes, o.stats.syncs, o.stats.partitions, o.stats.invalid_verdicts,
                  o.failed ? o.reason.c_str() : "ok");
    if (cfg.expect_fork) {
      if (o.fork) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("OK: the checker found a fork at seed %" PRIu64 " after %" PRIu64 " seeds (%.2f s): %s\n  replay: %s\n", seed,
                    runs, s, o.reason.c_str(), replay_cmd(seed).c_str());
        return 0;
      }
      if (o.failed && replay) std::printf("not a fork: %s\n", o.reason.c_str());
      continue;
    }
    if (o.failed) {
      ++failures;
      std::printf("FAIL seed=%" PRIu64 " %s\n  trace=%016" PRIx64 " (identical on a second run)\n  replay: %s   (add --trace for the event log)\n",
                  seed, o.reason.c_str(), o.digest, replay_cmd(seed).c_str());
      std::fflush(stdout);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("cx_sim: n=%zu twins=%zu silent=%zu heights=%" PRIu64 "%s%s seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64
              " runs, %" PRIu64 " failed; %.2f s (%.1f ms/seed), %" PRIu64 " events, %" PRIu64 " top heights, %" PRIu64
              " crashes, %" PRIu64 " syncs, max round %u, slowest recovery %.1f s (seed %" PRIu64 ")\n",
              cfg.validators, cfg.twins, cfg.silent, cfg.heights, cfg.mode == Mode::kWalCrash ? " wal-crash" : "",
              cfg.expect_fork ? " expect-fork" : "", first, last, runs, failures, secs, 1000.0 * secs / static_cast<double>(runs),
              events, commits, crashes, syncs, max_round, static_cast<double>(slowest_recovery_us) / 1e6, slowest_seed);
  if (cfg.expect_fork) {
    std::printf("FAIL: --expect-fork: no fork found in seeds %" PRIu64 "..%" PRIu64 " with %zu twins of %zu validators; the checker or "
                "the fault generator is broken\n",
                first, last, cfg.twins, cfg.validators);
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
