#pragma once
// A channel's series in the process registry (base/metrics.hpp; docs/operations.md lists them), fed
// by the runtime around the deterministic core, never from inside it: the commit pipeline reports each
// durable block, the event loop looks at the core after every event (rounds, sync lag and the sync
// progress log line), the RPC side reports admission failures and the p2p handler peers coming and
// going. The mempool's size is read at each scrape.
#include <array>
#include <cstdint>

#include "base/assert.hpp"
#include "base/metrics.hpp"
#include "base/progress.hpp"
#include "channel/view.hpp"
#include "core/chain_params.hpp"
#include "core/reject.hpp"
#include "mempool/mempool.hpp"

namespace cx::channel {

class ChannelCore;

class ChannelMetrics {
 public:
  // `head`: the durable block at open (the block interval of the next commit is measured from it);
  // `validators`: the set in force at its height (the gauges follow each durable block's set after);
  // `txs_total`: the txs in the chain up to it (the stored count), where the tx total starts.
  ChannelMetrics(const core::ChainParams& params, const mempool::Mempool& pool, const core::Block& head,
                 const core::ValidatorSet& validators, uint64_t txs_total);

  // The commit pipeline's thread: `block` is on disk.
  void on_durable(const ExecutedBlock& block);
  // The event loop's thread, after each event or timer the core handled; `now_us` is monotonic.
  void after_event(const ChannelCore& core, int64_t now_us);
  // Any thread.
  void on_rejected(core::TxReject reason) {
    const size_t i = static_cast<size_t>(reason);
    CX_ASSERT_MSG(i < m_failed.size(), "a TxReject beyond kTxRejectCount");
    m_failed[i]->inc();
  }
  void on_peer(bool up) { m_peers.add(up ? 1 : -1); }

 private:
  static constexpr size_t kRejectReasons = core::kTxRejectCount;

  const std::string m_channel;
  metrics::Gauge& m_height;
  metrics::Gauge& m_rounds;
  metrics::Histogram& m_round_duration;
  metrics::Gauge& m_block_size;
  metrics::Histogram& m_block_interval;
  metrics::Gauge& m_block_time;
  metrics::Gauge& m_num_txs;
  metrics::Counter& m_total_txs;
  metrics::Gauge& m_validators;
  metrics::Gauge& m_validators_power;
  metrics::Gauge& m_peers;
  metrics::Gauge& m_sync_lag;
  metrics::Counter& m_timers_fired;
  std::array<metrics::Counter*, kRejectReasons> m_failed{};
  metrics::CallbackHandle m_pool_size;
  metrics::CallbackHandle m_pool_bytes;

  int64_t m_prev_block_time_us = 0;  // the commit pipeline's thread

  // The event loop's thread.
  uint32_t m_round = 0;
  int64_t m_round_start_us = 0;  // 0: no round seen yet
  ProgressMeter m_sync_progress;
};

}  // namespace cx::channel
