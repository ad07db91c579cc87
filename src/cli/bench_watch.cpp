#include "cli/bench_watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "cli/bench_internal.hpp"

namespace cx::cli::bench {

namespace json = boost::json;

Result<std::vector<Url>> parse_url_list(std::string_view text, std::string_view option, size_t max) {
  std::vector<Url> out;
  for (size_t start = 0; start <= text.size();) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto url = Url::parse(std::string(text.substr(start, comma - start)));
    if (!url) return Result<std::vector<Url>>::error("--" + std::string(option) + ": " + url.message());
    out.push_back(*url);
    if (out.size() > max)
      return Result<std::vector<Url>>::error("--" + std::string(option) + ": more than " + std::to_string(max) + " URLs");
    start = comma + 1;
  }
  return out;
}

Result<uint64_t> latest_height(RpcClient& client, bool& has_network_info) {
  if (has_network_info) {
    RpcReply r = client.call("icx_getNetworkInfo");
    if (r.ok() && r.result.is_object())
      if (auto h = json_u64(r.result.get_object().if_contains("latest"))) return *h;
    if (!r.ok() && r.error->is_transport()) return Result<uint64_t>::error("icx_getNetworkInfo: " + r.error->describe());
    has_network_info = false;
  }
  RpcReply r = client.call("icx_getLastBlock");
  if (!r.ok()) return Result<uint64_t>::error("icx_getLastBlock: " + r.error->describe());
  auto h = r.result.is_object() ? json_u64(r.result.get_object().if_contains("height")) : std::nullopt;
  if (!h) return Result<uint64_t>::error("icx_getLastBlock returned no height");
  return *h;
}

HeightWatch::HeightWatch(const std::vector<Url>& references, const std::vector<Url>& watched,
                         std::chrono::milliseconds interval)
    : m_interval(interval) {
  RpcClientOptions options;
  options.timeout = kWatchTimeout;
  auto add = [&](std::vector<Node>& to, const Url& u) {
    to.emplace_back();
    to.back().client = std::make_unique<RpcClient>(u, options);
  };
  for (const Url& u : references) add(m_refs, u);
  for (const Url& u : watched) add(m_watched, u);
}

HeightWatch::~HeightWatch() { stop(); }

void HeightWatch::start() {
  if (m_running.exchange(true)) return;
  m_thread = std::thread([this] {
    while (m_running.load()) {
      int64_t started = mono_us();
      sample();
      int64_t left = m_interval.count() * 1000 - (mono_us() - started);
      if (left > 0) std::this_thread::sleep_for(std::chrono::microseconds(left));
    }
  });
}

void HeightWatch::stop() {
  m_running = false;
  if (m_thread.joinable()) m_thread.join();
}

void HeightWatch::observe(Node& node, uint64_t height, int64_t now_us) {
  // The first answer only sets the start: the heights below it were reached before the watch began.
  if (node.seen && height > node.top && height - node.top <= kWatchJumpMax)
    for (uint64_t h = node.top + 1; h <= height; ++h) node.first_seen_us.emplace(h, now_us);
  node.top = node.seen ? std::max(node.top, height) : height;
  node.seen = true;
}

void HeightWatch::sample() {
  uint64_t reference = 0;
  bool any_reference = false;
  for (Node& n : m_refs) {
    auto h = latest_height(*n.client, n.has_network_info);
    if (!h) continue;
    observe(n, *h, mono_us());
    reference = std::max(reference, *h);
    any_reference = true;
  }
  for (Node& n : m_watched) {
    auto h = latest_height(*n.client, n.has_network_info);
    if (!h) {
      ++n.unanswered;
      continue;
    }
    observe(n, *h, mono_us());
    if (any_reference) n.lag_blocks.push_back(reference > *h ? reference - *h : 0);
  }
}

namespace {

template <typename T>
T at_quantile(const std::vector<T>& sorted, double q) {
  if (sorted.empty()) return T{};
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5))];
}

}  // namespace

std::vector<WatchLag> HeightWatch::report() const {
  std::vector<WatchLag> out;
  for (const Node& n : m_watched) {
    WatchLag lag;
    lag.url = n.client->url().to_string();
    lag.samples = n.lag_blocks.size();
    lag.unanswered = n.unanswered;
    std::vector<uint64_t> blocks = n.lag_blocks;
    std::sort(blocks.begin(), blocks.end());
    lag.blocks_median = at_quantile(blocks, 0.5);
    lag.blocks_p90 = at_quantile(blocks, 0.9);
    lag.blocks_max = blocks.empty() ? 0 : blocks.back();
    std::vector<int64_t> ms;
    for (const auto& [height, seen_us] : n.first_seen_us) {
      int64_t first = std::numeric_limits<int64_t>::max();
      for (const Node& r : m_refs)
        if (auto it = r.first_seen_us.find(height); it != r.first_seen_us.end()) first = std::min(first, it->second);
      if (first != std::numeric_limits<int64_t>::max()) ms.push_back(std::max<int64_t>(0, seen_us - first));
    }
    std::sort(ms.begin(), ms.end());
    lag.heights = ms.size();
    lag.ms_median = static_cast<double>(at_quantile(ms, 0.5)) / 1000.0;
    lag.ms_p90 = static_cast<double>(at_quantile(ms, 0.9)) / 1000.0;
    lag.ms_max = ms.empty() ? 0 : static_cast<double>(ms.back()) / 1000.0;
    out.push_back(std::move(lag));
  }
  return out;
}

json::array watch_json(const std::vector<WatchLag>& lags) {
  json::array out;
  for (const WatchLag& l : lags) {
    out.push_back(json::object{
        {"url", l.url},
        {"samples", l.samples},
        {"unanswered", l.unanswered},
        {"lag_blocks", {{"median", l.blocks_median}, {"p90", l.blocks_p90}, {"max", l.blocks_max}}},
        {"heights", l.heights},
        {"lag_ms", {{"median", std::round(l.ms_median)}, {"p90", std::round(l.ms_p90)}, {"max", std::round(l.ms_max)}}},
    });
  }
  return out;
}

void print_watch(const std::vector<WatchLag>& lags) {
  for (const WatchLag& l : lags) {
    std::printf("watch:       %s: lag %llu / %llu / %llu blocks (median / p90 / max of %zu samples, %zu unanswered), "
                "%.0f / %.0f / %.0f ms (over %zu heights)\n",
                l.url.c_str(), static_cast<unsigned long long>(l.blocks_median), static_cast<unsigned long long>(l.blocks_p90),
                static_cast<unsigned long long>(l.blocks_max), l.samples, l.unanswered, l.ms_median, l.ms_p90, l.ms_max,
                l.heights);
  }
}

}  // namespace cx::cli::bench
