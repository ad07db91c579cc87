#pragma once
// What `complexchain status` reads from a node's GET /metrics (the Prometheus text format that
// base/metrics.hpp writes) and the health verdict it draws from it (docs/operations.md "complexchain
// status"). Apart from the command so that every verdict is tested without a node in that state.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cx::cli {

// One sample line: name{labels} value. Histograms' parts are kept too; callers pick what they know.
struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line of `text`; comments and lines that are no sample are skipped.
std::vector<MetricSample> parse_metrics(const std::string& text);
// The value of `name` for `channel` (its "channel" label), or of the unlabelled series when `channel`
// is empty.
std::optional<double> find_metric(const std::vector<MetricSample>& samples, std::string_view name,
                                  const std::string& channel);

enum class Health { kOk, kSyncing, kStalled, kUnreachable };

// A channel's figures, as the node reports them.
struct NodeFigures {
  int64_t block_age_seconds = 0;  // now minus the last block's time
  int64_t peers = 0;
  int64_t sync_lag_blocks = 0;
  int64_t mempool_txs = 0;
  int64_t validators = 0;
};

struct HealthThresholds {
  int64_t lag_max = 2;         // blocks behind the best peer before the node counts as syncing
  int64_t stall_seconds = 60;  // age of the last block after which a node with work to do is stalled
};

struct Verdict {
  Health health = Health::kOk;
  std::string reason;  // empty when ok
};

// Syncing (behind its peers) comes first: a node catching up has an old last block too.
Verdict judge_health(const NodeFigures& figures, const HealthThresholds& thresholds);

// "45s", "3m7s", "2h5m", "1d3h".
std::string duration_text(int64_t seconds);

}  // namespace cx::cli
