// complexchain status: its verdicts from a node's figures (ok, syncing, stalled, each with its reason)
// and the /metrics text it reads them from. tests/functional/metrics.test.mjs runs the command against
// live nodes (ok, unreachable, and stalled once the only peer is stopped).
#include "cli/status_health.hpp"

#include <gtest/gtest.h>

namespace cx::cli {
namespace {

// Two validators, level with each other, a block a second ago, nothing pending.
NodeFigures healthy() { return NodeFigures{/*block_age_seconds=*/1, /*peers=*/1, /*sync_lag_blocks=*/0, /*mempool_txs=*/0, /*validators=*/2}; }

TEST(StatusHealth, ANodeBehindItsBestPeerIsSyncingOnceBeyondLagMax) {
  HealthThresholds t;  // lag_max 2
  NodeFigures f = healthy();
  f.sync_lag_blocks = 2;
  EXPECT_EQ(judge_health(f, t).health, Health::kOk);
  f.sync_lag_blocks = 3;
  const Verdict v = judge_health(f, t);
  EXPECT_EQ(v.health, Health::kSyncing);
  EXPECT_EQ(v.reason, "3 blocks behind its best peer");
  t.lag_max = 0;
  f.sync_lag_blocks = 1;
  EXPECT_EQ(judge_health(f, t).health, Health::kSyncing);
}

TEST(StatusHealth, CatchingUpIsSyncingNotStalledThoughItsLastBlockIsOld) {
  NodeFigures f = healthy();
  f.block_age_seconds = 3600;  // restarted after an hour down: its last block is an hour old
  f.sync_lag_blocks = 5000;
  EXPECT_EQ(judge_health(f, {}).health, Health::kSyncing);
  f.sync_lag_blocks = 0;  // caught up, and still no new block: stalled
  EXPECT_EQ(judge_health(f, {}).health, Health::kStalled);
}

TEST(StatusHealth, SeveralValidatorsWithoutABlockPastTheThresholdAreStalled) {
  HealthThresholds t;
  t.stall_seconds = 60;
  NodeFigures f = healthy();
  f.block_age_seconds = 60;
  EXPECT_EQ(judge_health(f, t).health, Health::kOk);
  f.block_age_seconds = 61;
  Verdict v = judge_health(f, t);
  EXPECT_EQ(v.health, Health::kStalled);
  EXPECT_EQ(v.reason, "no block for 1m1s");
  f.peers = 0;  // its peers are stopped
  f.mempool_txs = 4;
  v = judge_health(f, t);
  EXPECT_EQ(v.health, Health::kStalled);
  EXPECT_EQ(v.reason, "no block for 1m1s with txs waiting; no peers connected");
}

TEST(StatusHealth, ALoneIdleValidatorIsOkButStalledWithTxsWaiting) {
  NodeFigures f{/*block_age_seconds=*/7200, /*peers=*/0, /*sync_lag_blocks=*/0, /*mempool_txs=*/0, /*validators=*/1};
  EXPECT_EQ(judge_health(f, {}).health, Health::kOk);
  EXPECT_EQ(judge_health(f, {}).reason, "");
  f.mempool_txs = 1;
  const Verdict v = judge_health(f, {});
  EXPECT_EQ(v.health, Health::kStalled);
  EXPECT_EQ(v.reason, "no block for 2h0m with txs waiting");  // a lone validator has no peers to miss
}

TEST(StatusHealth, TheMetricsTextIsReadByNameAndChannel) {
  const std::string text =
      "# HELP complexchain_consensus_height Height of the last durable block.\n"
      "# TYPE complexchain_consensus_height gauge\n"
      "complexchain_consensus_height{channel=\"a\"} 41\n"
      "complexchain_consensus_height{channel=\"b\\\"q\"} 7\n"
      "complexchain_blocksync_lag_blocks{channel=\"a\"} 12\n"
      "process_start_time_seconds 1700000000\n"
      "not a sample line\n"
      "complexchain_rpc_request_duration_seconds_bucket{method=\"icx_call\",le=\"+Inf\"} 3\n";
  const auto samples = parse_metrics(text);
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(find_metric(samples, "complexchain_consensus_height", "a"), 41);
  EXPECT_EQ(find_metric(samples, "complexchain_consensus_height", "b\"q"), 7);
  EXPECT_EQ(find_metric(samples, "complexchain_blocksync_lag_blocks", "a"), 12);
  EXPECT_FALSE(find_metric(samples, "complexchain_blocksync_lag_blocks", "b\"q"));
  EXPECT_EQ(find_metric(samples, "process_start_time_seconds", ""), 1700000000);
  EXPECT_EQ(samples[4].labels.at("le"), "+Inf");
}

TEST(StatusHealth, DurationsAreWrittenInTheTwoLargestUnits) {
  EXPECT_EQ(duration_text(-5), "0s");
  EXPECT_EQ(duration_text(59), "59s");
  EXPECT_EQ(duration_text(187), "3m7s");
  EXPECT_EQ(duration_text(7500), "2h5m");
  EXPECT_EQ(duration_text(97200), "1d3h");
}

}  // namespace
}  // namespace cx::cli
