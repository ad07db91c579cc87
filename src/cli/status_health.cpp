#include "cli/status_health.hpp"

#include <cstdlib>

namespace cx::cli {

std::vector<MetricSample> parse_metrics(const std::string& text) {
  std::vector<MetricSample> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    MetricSample s;
    size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) break;
        std::string key = line.substr(i, eq - i), value;
        size_t k = eq + 2;
        for (; k < line.size() && line[k] != '"'; ++k) {
          if (line[k] == '\\' && k + 1 < line.size()) {
            ++k;
            value += line[k] == 'n' ? '\n' : line[k];
          } else {
            value += line[k];
          }
        }
        s.labels[key] = value;
        i = k + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // the '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    char* parsed_end = nullptr;
    s.value = std::strtod(line.c_str() + i, &parsed_end);
    if (parsed_end == line.c_str() + i) continue;
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> find_metric(const std::vector<MetricSample>& samples, std::string_view name,
                                  const std::string& channel) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    if (channel.empty() ? s.labels.empty() : (s.labels.contains("channel") && s.labels.at("channel") == channel))
      return s.value;
  }
  return std::nullopt;
}

std::string duration_text(int64_t secs) {
  if (secs < 0) secs = 0;
  if (secs >= 86400) return std::to_string(secs / 86400) + "d" + std::to_string(secs % 86400 / 3600) + "h";
  if (secs >= 3600) return std::to_string(secs / 3600) + "h" + std::to_string(secs % 3600 / 60) + "m";
  if (secs >= 60) return std::to_string(secs / 60) + "m" + std::to_string(secs % 60) + "s";
  return std::to_string(secs) + "s";
}

Verdict judge_health(const NodeFigures& f, const HealthThresholds& t) {
  if (f.sync_lag_blocks > t.lag_max) return {Health::kSyncing, std::to_string(f.sync_lag_blocks) + " blocks behind its best peer"};
  // A lone validator makes no empty blocks while idle; a chain of several keeps a steady pace, and
  // pending txs must get a block either way.
  if (f.block_age_seconds > t.stall_seconds && (f.mempool_txs > 0 || f.validators > 1))
    return {Health::kStalled, "no block for " + duration_text(f.block_age_seconds) + (f.mempool_txs > 0 ? " with txs waiting" : "") +
                                  (f.validators > 1 && f.peers == 0 ? "; no peers connected" : "")};
  return {};
}

}  // namespace cx::cli
