// complexchain status: is this node well? Height, last block time and age, peers, sync lag, the pool,
// and a verdict with an exit code for scripts and probes (docs/operations.md "complexchain status").
// Everything comes from the node's GET /metrics (Prometheus text format, base/metrics.hpp).
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>

#include "base/clock.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/status_health.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr const char* kHealthNames[] = {"ok", "syncing", "stalled", "unreachable"};
constexpr int kHealthExit[] = {0, 3, 4, 5};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 2;
}

std::string utc(int64_t secs) {
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// The channel the status is about: --channel, the URL's /api/v3/{channel}, the only one the node
// serves, or the node's default channel (icx_getNetworkInfo at the URL).
std::optional<std::string> pick_channel(const Args& args, const Url& url, const std::vector<MetricSample>& samples,
                                        std::string& why) {
  if (auto c = args.get("channel"); c && !c->empty()) return *c;
  constexpr std::string_view kPrefix = "/api/v3/";
  if (url.target.starts_with(kPrefix) && url.target.size() > kPrefix.size()) {
    std::string c = url.target.substr(kPrefix.size());
    if (auto slash = c.find('/'); slash != std::string::npos) c.resize(slash);
    return c;
  }
  std::vector<std::string> channels;
  for (const auto& s : samples)
    if (s.name == "complexchain_consensus_height" && s.labels.contains("channel")) channels.push_back(s.labels.at("channel"));
  if (channels.size() == 1) return channels.front();
  RpcClientOptions options;
  options.timeout = std::chrono::milliseconds(5000);
  RpcClient client(url, options);
  RpcReply info = client.call("icx_getNetworkInfo");
  if (info.ok() && info.result.is_object())
    if (const auto* c = info.result.get_object().if_contains("channel"); c && c->is_string())
      return std::string(c->get_string());
  why = "the node serves " + std::to_string(channels.size()) + " channels and has no default; pass --channel";
  return std::nullopt;
}

}  // namespace

int cmd_status(const Argv& argv) {
  Args args("complexchain status [options]",
            "A node's height, last block, peers, sync lag, pool and health verdict, read from its /metrics.\n"
            "Exit status: 0 ok, 3 syncing, 4 stalled, 5 unreachable (2: bad usage).",
            {{"rpc", "URL", "node JSON-RPC endpoint (its host and port are used)", kDefaultRpcUrl},
             {"channel", "NAME", "the channel to report (default: the URL's, the only one, or the node's default)", ""},
             {"lag-max", "N", "blocks behind the best peer before the node counts as syncing", "2"},
             {"stall-seconds", "N", "age of the last block after which a node with work to do counts as stalled", "60"},
             {"timeout-ms", "N", "how long to wait for the node", "5000"},
             {"json", "", "print the status as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto url = Url::parse(args.get_or("rpc", kDefaultRpcUrl));
  if (!url) return usage_error(url.message());
  int64_t lag_max = 0, stall_seconds = 0, timeout_ms = 0;
  try {
    lag_max = std::stoll(args.get_or("lag-max", "2"));
    stall_seconds = std::stoll(args.get_or("stall-seconds", "60"));
    timeout_ms = std::stoll(args.get_or("timeout-ms", "5000"));
  } catch (const std::exception&) {
    return usage_error("--lag-max, --stall-seconds and --timeout-ms must be numbers");
  }
  if (lag_max < 0 || stall_seconds <= 0 || timeout_ms <= 0 || timeout_ms > 600000)
    return usage_error("--lag-max must be >= 0, --stall-seconds > 0 and --timeout-ms 1..600000");
  const bool as_json = args.flag("json");

  Url metrics_url = *url;
  metrics_url.target = "/metrics";
  const std::string node = "http://" + url->host + ":" + url->port;
  RpcClientOptions options;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  RpcClient client(metrics_url, options);
  auto reply = client.get();
  json::object out{{"node", node}};
  auto finish = [&](Health h, const std::string& reason) {
    out["health"] = kHealthNames[static_cast<int>(h)];
    out["reason"] = reason;
    if (as_json) {
      std::printf("%s\n", pretty_json(out).c_str());
    } else {
      std::printf("health     %s%s\n", kHealthNames[static_cast<int>(h)], reason.empty() ? "" : (" (" + reason + ")").c_str());
    }
    return kHealthExit[static_cast<int>(h)];
  };
  if (!as_json) std::printf("node       %s\n", node.c_str());
  if (!reply) return finish(Health::kUnreachable, reply.message());
  if (reply->status != 200)
    return finish(Health::kUnreachable, "GET /metrics answered HTTP " + std::to_string(reply->status) +
                                            " (a node older than /metrics, or not a complexchain node)");
  const auto samples = parse_metrics(reply->body);
  std::string why;
  auto channel = pick_channel(args, *url, samples, why);
  if (!channel) return finish(Health::kUnreachable, why);
  out["channel"] = *channel;
  auto height = find_metric(samples, "complexchain_consensus_height", *channel);
  if (!height) return finish(Health::kUnreachable, "the node does not serve channel '" + *channel + "'");

  const int64_t now_s = system_clock().now_us() / 1'000'000;
  auto num = [&](std::string_view name) { return static_cast<int64_t>(find_metric(samples, name, *channel).value_or(0)); };
  const int64_t block_time = num("complexchain_consensus_latest_block_time_seconds");
  const int64_t age = std::max<int64_t>(0, now_s - block_time);
  const int64_t peers = num("complexchain_p2p_peers"), lag = num("complexchain_blocksync_lag_blocks");
  const int64_t pool = num("complexchain_mempool_size"), pool_bytes = num("complexchain_mempool_size_bytes");
  const int64_t validators = num("complexchain_consensus_validators");
  const auto started = find_metric(samples, "process_start_time_seconds", "");
  out["height"] = static_cast<int64_t>(*height);
  out["last_block_time"] = block_time;
  out["last_block_age_seconds"] = age;
  out["peers"] = peers;
  out["sync_lag_blocks"] = lag;
  out["mempool_txs"] = pool;
  out["mempool_bytes"] = pool_bytes;
  out["validators"] = validators;
  if (started) out["uptime_seconds"] = now_s - static_cast<int64_t>(*started);
  if (!as_json) {
    std::printf("channel    %s%s\n", channel->c_str(),
                started ? ("  (node up " + duration_text(now_s - static_cast<int64_t>(*started)) + ")").c_str() : "");
    std::printf("height     %lld  last block %s (%s ago)\n", static_cast<long long>(*height), utc(block_time).c_str(),
                duration_text(age).c_str());
    std::printf("peers      %lld  (%lld validators)\n", static_cast<long long>(peers), static_cast<long long>(validators));
    std::printf("sync lag   %lld blocks\n", static_cast<long long>(lag));
    std::printf("mempool    %lld txs, %lld bytes\n", static_cast<long long>(pool), static_cast<long long>(pool_bytes));
  }
  const Verdict v = judge_health({age, peers, lag, pool, validators}, {lag_max, stall_seconds});
  return finish(v.health, v.reason);
}

}  // namespace cx::cli
