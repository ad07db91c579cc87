// cx_sim: the deterministic cluster simulator (DESIGN.md §6, STYLE.md "Tests"; the idea is
// tigerbeetle's VOPR). One process runs a whole cluster from a seed: each node is the channel's real
// ChannelCore with its real stores, executor, commit writer and mempool over in-memory stores; the
// simulator stands in only for threads, sockets, clocks and disks (README.md here).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "alpha/system_contract.hpp"
#include "base/log.hpp"
#include "channel/rejections.hpp"
#include "cluster.hpp"
#include "consensus/engine.hpp"
#include "core/test_tx.hpp"

namespace cx::sim {

Fixture::Fixture(size_t n, bool with_alpha, bool reconfig) {
  using namespace core::testing;
  for (size_t i = 0; i < n + (reconfig ? 1 : 0); ++i) {
    crypto::PrivateKey k;
    k.bytes[0] = 0x77;
    k.bytes[30] = static_cast<uint8_t>(i >> 8);
    k.bytes[31] = static_cast<uint8_t>(i + 1);
    keys.push_back(k);
    validators.push_back(address_of(k));
  }
  params.channel = "sim";
  params.validators.assign(validators.begin(), validators.begin() + static_cast<long>(n));
  static_schedule = core::ValidatorSchedule::single(params.validator_set());
  if (reconfig) schedules = reconfig_schedules(validators, n);
  params.block_interval_ms = kBlockIntervalMs;
  params.genesis_timestamp_us = kBaseTimeUs - 1000;
  params.block_tx_max = 16;
  params.treasury = address_of(test_key(200));
  std::vector<crypto::PrivateKey> senders;
  for (uint8_t s = 1; s <= 6; ++s) {
    senders.push_back(test_key(s));
    params.accounts.push_back({address_of(senders.back()), Uint256(10'000'000'000'000'000'000ull)});
    genesis_supply = *genesis_supply.checked_add(Uint256(10'000'000'000'000'000'000ull));
  }
  // Signed once per process (signing is the expensive part); clients submit from this pool.
  for (size_t t = 0; t < 48; ++t) {
    TxSpec spec;
    spec.to = address_of(test_key(static_cast<uint8_t>(100 + t % 7)));
    spec.value = Uint256(1000 + t);
    spec.timestamp_us = kTxTimestampUs + static_cast<int64_t>(t);
    spec.nonce = t;
    tx_pool.push_back(signed_tx(senders[t % senders.size()], spec));
  }
  TxSpec odd;
  odd.to = address_of(test_key(120));
  odd.timestamp_us = kTxTimestampUs;
  odd.nonce = 1000;
  odd.nid = params.nid + 1;
  bad_txs.push_back(signed_tx(senders[0], odd));
  auto forged = signed_params(senders[1], odd);
  forged["nid"] = Uint256(params.nid).to_icon_hex();  // the signature covers the other nid
  bad_txs.push_back(std::make_shared<const core::Transaction>(std::get<core::Transaction>(core::parse_transaction(forged))));
  odd.nid = params.nid;
  odd.nonce = 1001;
  bad_txs.push_back(signed_tx(senders[2], odd));
  odd.nonce = 1002;
  odd.timestamp_us = kBaseTimeUs - 2 * params.tx_timestamp_window_us;
  bad_txs.push_back(signed_tx(senders[3], odd));
  if (with_alpha) alpha = std::make_unique<AlphaFixture>(params, genesis_supply);
  std::set<core::Address> holders{params.treasury, alpha::alpha_contract_address()};
  for (const auto& a : params.accounts) holders.insert(a.address);
  for (const auto& txs : {tx_pool, bad_txs})
    for (const auto& tx : txs) holders.insert(tx->to);
  accounts.assign(holders.begin(), holders.end());
}

Outcome run_seed(const Fixture& fx, const Config& cfg, uint64_t seed) { return Cluster(fx, cfg, seed).run(); }

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: cx_sim [--seeds A..B | --replay SEED] [--validators N] [--twins T] [--faulty K] [--silent K]\n"
               "              [--heights H] [--wal-crash] [--expect-fork] [--withholding-twins] [--no-liveness]\n"
               "              [--expect-rejections] [--check-determinism] [--trace] [--alpha [--expect-alpha-outcomes]] [--alpha-leak]\n"
               "              [--reconfig]\n"
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

std::string reason_name(size_t k) {
  return k < channel::kProposalRejectCount
             ? std::string("proposal:") + channel::to_string(static_cast<channel::ProposalReject>(k))
             : std::string("sync:") + channel::to_string(static_cast<channel::SyncReject>(k - channel::kProposalRejectCount));
}

void add(AlphaStats& to, const AlphaStats& s) {
  to.instances += s.instances;
  for (size_t k = 0; k < kAlphaOutcomes; ++k) to.outcomes[k] += s.outcomes[k];
  to.timers_fired += s.timers_fired;
  to.timers_cancelled += s.timers_cancelled;
  to.alpha_txs += s.alpha_txs;
}

// Prints what the Alpha traffic did; with --expect-alpha-outcomes, every path of the auctions must
// have been taken over the seeds run.
bool alpha_summary(const AlphaStats& a, bool expect_outcomes, uint64_t first, uint64_t last) {
  std::printf("alpha: %" PRIu64 " instances, %" PRIu64 " alpha txs committed, %" PRIu64 " timers fired, %" PRIu64 " cancelled; outcomes:",
              a.instances, a.alpha_txs, a.timers_fired, a.timers_cancelled);
  size_t missing = 0;
  for (size_t k = 0; k < kAlphaOutcomes; ++k) {
    std::printf(" %s=%" PRIu64, alpha_outcome_name(k), a.outcomes[k]);
    if (a.outcomes[k] == 0) ++missing;
  }
  std::printf("\n");
  if (expect_outcomes && missing) {
    std::printf("FAIL: --expect-alpha-outcomes: %zu outcome(s) never reached in seeds %" PRIu64 "..%" PRIu64 "\n", missing, first, last);
    return false;
  }
  return true;
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
    else if (a == "--faulty") cfg.faulty = number();
    else if (a == "--silent") cfg.silent = number();
    else if (a == "--heights") cfg.heights = number();
    else if (a == "--wal-crash") cfg.mode = Mode::kWalCrash;
    else if (a == "--expect-fork") cfg.expect_fork = true;
    else if (a == "--expect-rejections") cfg.expect_rejections = true;
    else if (a == "--check-determinism") check_determinism = true;
    else if (a == "--trace") cfg.trace = true;
    else if (a == "--withholding-twins") cfg.withholding_twins = true;
    else if (a == "--no-liveness") cfg.check_liveness = false;
    else if (a == "--forget-wal") cfg.forget_wal = true;
    else if (a == "--alpha") cfg.alpha = true;
    else if (a == "--expect-alpha-outcomes") cfg.expect_alpha_outcomes = true;
    else if (a == "--alpha-leak") cfg.alpha = cfg.alpha_leak = true;
    else if (a == "--reconfig") cfg.reconfig = true;
    else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "cx_sim: unknown argument %s\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (cfg.validators < 1 || cfg.validators > 64 || cfg.twins + cfg.faulty > cfg.validators ||
      cfg.silent + cfg.twins + cfg.faulty >= cfg.validators) {
    std::fprintf(stderr, "cx_sim: need 1 <= validators <= 64 and twins + faulty + silent < validators\n");
    return 2;
  }
  if (const char* env = std::getenv("CX_SIM_SEEDS"); env && !replay && !cfg.expect_fork) {
    uint64_t count = std::strtoull(env, nullptr, 10);
    if (count > 0) last = first + count - 1;
  }
  // The nodes' own warnings (refused proposals, sync) would drown the report; --trace shows events.
  cx::log::set_level(cx::log::Level::kError);
  const size_t f = cx::consensus::max_faulty(cfg.validators);
  if (cfg.twins + cfg.faulty + cfg.silent > f && !cfg.expect_fork)
    std::fprintf(stderr, "cx_sim: warning: %zu faulty validators exceed f = %zu; expect failures\n", cfg.twins + cfg.faulty + cfg.silent, f);

  auto replay_cmd = [&](uint64_t seed) {
    std::ostringstream s;
    s << argv[0] << " --replay " << seed << " --validators " << cfg.validators << " --twins " << cfg.twins << " --faulty "
      << cfg.faulty << " --silent " << cfg.silent << " --heights " << cfg.heights << (cfg.mode == Mode::kWalCrash ? " --wal-crash" : "")
      << (cfg.expect_fork ? " --expect-fork" : "") << (cfg.withholding_twins ? " --withholding-twins" : "")
      << (cfg.check_liveness ? "" : " --no-liveness") << (cfg.forget_wal ? " --forget-wal" : "")
      << (cfg.alpha ? " --alpha" : "") << (cfg.alpha_leak ? " --alpha-leak" : "") << (cfg.reconfig ? " --reconfig" : "");
    return s.str();
  };

  Fixture fx(cfg.validators, cfg.alpha, cfg.reconfig);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t failures = 0, runs = 0, events = 0, commits = 0, crashes = 0, syncs = 0, stalls = 0, txs = 0, rejections = 0;
  AlphaStats alpha;
  std::vector<uint64_t> by_reason(cx::channel::kProposalRejectCount + cx::channel::kSyncRejectCount, 0);
  uint32_t max_round = 0;
  uint64_t slowest_recovery_us = 0, slowest_seed = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    Outcome o = run_seed(fx, cfg, seed);
    ++runs;
    events += o.stats.events;
    commits += o.stats.max_committed;
    crashes += o.stats.crashes;
    syncs += o.stats.syncs;
    stalls += o.stats.stalls;
    txs += o.stats.txs_committed;
    rejections += o.stats.rejections;
    add(alpha, o.stats.alpha);
    for (size_t k = 0; k < by_reason.size() && k < o.stats.rejected_by_reason.size(); ++k) by_reason[k] += o.stats.rejected_by_reason[k];
    max_round = std::max(max_round, o.stats.max_round);
    if (o.stats.recovery_us > slowest_recovery_us) slowest_recovery_us = o.stats.recovery_us, slowest_seed = seed;
    if (check_determinism || (o.failed && !cfg.expect_fork)) {
      Config quiet = cfg;
      quiet.trace = false;
      Outcome again = run_seed(fx, quiet, seed);
      if (again.digest != o.digest || again.reason != o.reason) {
        std::printf("FAIL seed=%" PRIu64 " NONDETERMINISM: two runs of one seed differ (trace %016" PRIx64 " vs %016" PRIx64 ")\n",
                    seed, o.digest, again.digest);
        ++failures;
        continue;
      }
    }
    if (replay)
      std::printf("seed=%" PRIu64 " trace=%016" PRIx64 " events=%" PRIu64 " simulated=%.1fs max_committed=%" PRIu64
                  " txs=%" PRIu64 " max_round=%u crashes=%" PRIu64 " syncs=%" PRIu64 " partitions=%" PRIu64
                  " rejections=%" PRIu64 " stalls=%" PRIu64 " %s\n",
                  seed, o.digest, o.stats.events, static_cast<double>(o.stats.sim_us) / 1e6, o.stats.max_committed,
                  o.stats.txs_committed, o.stats.max_round, o.stats.crashes, o.stats.syncs, o.stats.partitions, o.stats.rejections,
                  o.stats.stalls, o.failed ? o.reason.c_str() : "ok");
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
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("cx_sim: n=%zu twins=%zu faulty=%zu silent=%zu heights=%" PRIu64 "%s%s seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64
              " runs, %" PRIu64 " failed; %.2f s (%.1f ms/seed, %.1f seeds/s), %" PRIu64 " events, %" PRIu64 " top heights, %" PRIu64
              " txs committed, %" PRIu64 " crashes, %" PRIu64 " sync requests, %" PRIu64 " stalls, %" PRIu64
              " rejections, max round %u, slowest recovery %.1f s (seed %" PRIu64 ")\n",
              cfg.validators, cfg.twins, cfg.faulty, cfg.silent, cfg.heights, cfg.mode == Mode::kWalCrash ? " wal-crash" : "",
              cfg.expect_fork ? " expect-fork" : "", first, last, runs, failures, secs, 1000.0 * secs / static_cast<double>(runs),
              static_cast<double>(runs) / secs, events, commits, txs, crashes, syncs, stalls, rejections, max_round,
              static_cast<double>(slowest_recovery_us) / 1e6, slowest_seed);
  if (cfg.alpha && !alpha_summary(alpha, cfg.expect_alpha_outcomes, first, last)) return 1;
  if (cfg.expect_fork) {
    std::printf("FAIL: --expect-fork: no fork found in seeds %" PRIu64 "..%" PRIu64 " with %zu twins of %zu validators; the checker or "
                "the fault generator is broken\n",
                first, last, cfg.twins, cfg.validators);
    return 1;
  }
  if (cfg.expect_rejections) {
    std::printf("rejections by reason:");
    size_t missing = 0;
    for (size_t k = 0; k < by_reason.size(); ++k) {
      std::printf(" %s=%" PRIu64, reason_name(k).c_str(), by_reason[k]);
      if (by_reason[k] == 0) ++missing;
    }
    std::printf("\n");
    if (missing) {
      std::printf("FAIL: --expect-rejections: %zu rejection rule(s) never refused anything in seeds %" PRIu64 "..%" PRIu64 "\n", missing,
                  first, last);
      return 1;
    }
  }
  return failures == 0 ? 0 : 1;
}
