#pragma once
// complexchain bench --watch URL[,URL...]: while the run goes on, samples the height of the submit
// endpoints (the reference: the validators the load goes to) and of each watched node (a follower, an
// auditor), and reports how far each watched node trails the highest reference — in blocks per sample,
// and in ms per height (when the node was first seen at it minus when the first reference was).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "base/result.hpp"
#include "cli/rpc_client.hpp"

namespace cx::cli::bench {

inline constexpr size_t kWatchUrlsMax = 64;
inline constexpr std::chrono::milliseconds kWatchInterval{100};
// A node that takes longer to answer a height is counted as not answering in that sample.
inline constexpr std::chrono::milliseconds kWatchTimeout{2000};
// Heights a node may gain between two samples and still be timed one by one (a node that jumps
// further, e.g. one syncing from far behind, has the rest left out of the ms figures).
inline constexpr uint64_t kWatchJumpMax = 10'000;

// "URL[,URL...]": at most `max` URLs; errors name `option`.
Result<std::vector<Url>> parse_url_list(std::string_view text, std::string_view option, size_t max);

// A node's latest height: icx_getNetworkInfo's "latest" (a few bytes) when the node offers it, else
// icx_getLastBlock's height. `has_network_info` is cleared once the node shows it lacks it.
Result<uint64_t> latest_height(RpcClient& client, bool& has_network_info);

struct WatchLag {
  std::string url;
  size_t samples = 0;     // samples the node answered
  size_t unanswered = 0;  // samples it did not (down, or too slow)
  uint64_t blocks_median = 0, blocks_p90 = 0, blocks_max = 0;
  size_t heights = 0;     // heights timed on a reference and on this node
  double ms_median = 0, ms_p90 = 0, ms_max = 0;
};

// Samples on its own thread from start() to stop(); report() after stop().
class HeightWatch {
 public:
  HeightWatch(const std::vector<Url>& references, const std::vector<Url>& watched, std::chrono::milliseconds interval);
  ~HeightWatch();
  HeightWatch(const HeightWatch&) = delete;
  HeightWatch& operator=(const HeightWatch&) = delete;

  void start();
  void stop();
  std::vector<WatchLag> report() const;

 private:
  struct Node {
    std::unique_ptr<RpcClient> client;
    bool has_network_info = true;
    bool seen = false;  // answered at least once: `top` is meaningful
    uint64_t top = 0;
    std::map<uint64_t, int64_t> first_seen_us;  // height → when first seen at or above it
    std::vector<uint64_t> lag_blocks;           // watched nodes: per answered sample
    size_t unanswered = 0;
  };
  void sample();
  // Records that `node` answered `height` at `now_us`.
  static void observe(Node& node, uint64_t height, int64_t now_us);

  std::vector<Node> m_refs;
  std::vector<Node> m_watched;
  std::chrono::milliseconds m_interval;
  std::atomic<bool> m_running{false};
  std::thread m_thread;  // the only writer of m_refs and m_watched until stop() joins it
};

// The report as JSON (bench --json: "watch") and as text lines.
boost::json::array watch_json(const std::vector<WatchLag>& lags);
void print_watch(const std::vector<WatchLag>& lags);

}  // namespace cx::cli::bench
