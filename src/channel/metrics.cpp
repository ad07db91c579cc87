#include "channel/metrics.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "channel/core.hpp"

namespace cx::channel {

namespace {
constexpr const char* kLog = "sync";
constexpr int64_t kSyncLogIntervalUs = 5'000'000;
// A node this close to its peers is following the chain, not syncing: no progress lines.
constexpr uint64_t kSyncLogLagMin = 10;
}  // namespace

ChannelMetrics::ChannelMetrics(const core::ChainParams& params, const mempool::Mempool& pool, const core::Block& head,
                               const core::ValidatorSet& validators, uint64_t txs_total)
    : m_channel(params.channel),
      m_height(metrics::global().gauge("complexchain_consensus_height", "Height of the last durable block.",
                                       {{"channel", params.channel}})),
      m_rounds(metrics::global().gauge("complexchain_consensus_rounds",
                                       "Round (numbered across heights) of the last durable block.",
                                       {{"channel", params.channel}})),
      m_round_duration(metrics::global().histogram(
          "complexchain_consensus_round_duration_seconds",
          "Time this node spent in each consensus round, measured when the next round starts.",
          metrics::Histogram::seconds_from_us(), {{"channel", params.channel}})),
      m_block_size(metrics::global().gauge("complexchain_consensus_block_size_bytes",
                                           "Bytes of tx JSON in the last durable block.", {{"channel", params.channel}})),
      m_block_interval(metrics::global().histogram(
          "complexchain_consensus_block_interval_seconds",
          "Block time of each durable block minus its parent's (header timestamps).",
          metrics::Histogram::seconds_from_us(), {{"channel", params.channel}})),
      m_block_time(metrics::global().gauge("complexchain_consensus_latest_block_time_seconds",
                                           "Block time (unix seconds, header timestamp) of the last durable block.",
                                           {{"channel", params.channel}})),
      m_num_txs(metrics::global().gauge("complexchain_consensus_num_txs", "Txs in the last durable block.",
                                        {{"channel", params.channel}})),
      m_total_txs(metrics::global().counter("complexchain_consensus_total_txs",
                                            "Txs in the chain (every durable block, from genesis).",
                                            {{"channel", params.channel}})),
      m_validators(metrics::global().gauge("complexchain_consensus_validators",
                                           "Validators in the set in force at the last durable block.",
                                           {{"channel", params.channel}})),
      m_validators_power(metrics::global().gauge("complexchain_consensus_validators_power",
                                                 "Total voting weight of the set in force at the last durable block.",
                                                 {{"channel", params.channel}})),
      m_peers(metrics::global().gauge("complexchain_p2p_peers", "Connected p2p peers.", {{"channel", params.channel}})),
      m_sync_lag(metrics::global().gauge("complexchain_blocksync_lag_blocks",
                                         "Best height heard from peers minus this node's final height (0 when level).",
                                         {{"channel", params.channel}})),
      m_timers_fired(metrics::global().counter("complexchain_alpha_timers_fired_total",
                                               "Alpha contract timers fired by begin-block in durable blocks.",
                                               {{"channel", params.channel}})),
      m_sync_progress(kSyncLogIntervalUs) {
  for (size_t r = 0; r < kRejectReasons; ++r) {
    std::string reason = core::to_string(static_cast<core::TxReject>(r));  // "wrong nid" -> "wrong_nid"
    std::replace(reason.begin(), reason.end(), ' ', '_');
    m_failed[r] = &metrics::global().counter("complexchain_mempool_failed_txs",
                                             "Txs refused at admission (RPC submissions since the process started), by reason.",
                                             {{"channel", params.channel}, {"reason", reason}});
  }
  m_pool_size = metrics::global().gauge_callback("complexchain_mempool_size", "Txs in the pool.",
                                                 {{"channel", params.channel}},
                                                 [&pool] { return static_cast<int64_t>(pool.size()); });
  m_pool_bytes = metrics::global().gauge_callback("complexchain_mempool_size_bytes", "Bytes of tx JSON in the pool.",
                                                  {{"channel", params.channel}},
                                                  [&pool] { return static_cast<int64_t>(pool.bytes()); });
  // The chain's total, as CometBFT's consensus_total_txs: it starts from the stored count, so a restart
  // does not drop it to 0. A counter never goes down: a channel reopened in this process (tests) with
  // a shorter chain keeps the higher value.
  if (const uint64_t seen = m_total_txs.value(); txs_total > seen) m_total_txs.inc(txs_total - seen);
  m_validators.set(static_cast<int64_t>(validators.size()));
  m_validators_power.set(static_cast<int64_t>(validators.total_weight()));
  m_height.set(static_cast<int64_t>(head.header.height));
  m_block_time.set(head.header.timestamp_us / 1'000'000);
  m_prev_block_time_us = head.header.timestamp_us;
  m_peers.set(0);
  m_sync_lag.set(0);
}

void ChannelMetrics::on_durable(const ExecutedBlock& e) {
  const core::Block& b = *e.block;
  size_t bytes = 0;
  for (const auto& tx : b.txs) bytes += tx->params_json.size();
  m_height.set(static_cast<int64_t>(b.header.height));
  m_rounds.set(b.header.round);
  m_num_txs.set(static_cast<int64_t>(b.txs.size()));
  m_total_txs.inc(b.txs.size());
  m_block_size.set(static_cast<int64_t>(bytes));
  m_block_interval.observe(b.header.timestamp_us - m_prev_block_time_us);
  m_prev_block_time_us = b.header.timestamp_us;
  m_block_time.set(b.header.timestamp_us / 1'000'000);
  m_timers_fired.inc(e.timers_fired);
  // The set governance put in force at this height.
  if (e.schedule) {
    const core::ValidatorSet& set = e.schedule->at(b.header.height);
    m_validators.set(static_cast<int64_t>(set.size()));
    m_validators_power.set(static_cast<int64_t>(set.total_weight()));
  }
}

void ChannelMetrics::after_event(const ChannelCore& core, int64_t now_us) {
  const consensus::EngineStatus st = core.engine_status();
  if (st.round != m_round || m_round_start_us == 0) {
    if (m_round_start_us != 0) m_round_duration.observe(now_us - m_round_start_us);
    m_round = st.round;
    m_round_start_us = now_us;
  }
  const uint64_t own = core.final_height();
  const uint64_t best = std::max(core.best_peer_height(), st.behind_to.value_or(0));
  const uint64_t lag = best > own ? best - own : 0;
  m_sync_lag.set(static_cast<int64_t>(lag));
  // One line every few seconds while far behind, and one when caught up.
  if (auto r = m_sync_progress.update(now_us, own, lag >= kSyncLogLagMin ? lag : 0)) {
    if (r->finished) CX_INFO(kLog, m_channel << ": caught up at height " << own);
    else CX_INFO(kLog, m_channel << ": at height " << own << ", peers at " << best << ": "
                                 << ProgressMeter::describe(*r, " blocks"));
  }
}

}  // namespace cx::channel
