// Fuzz target: a node's config.json. Parsing must never crash; a refusal names the file; an accepted
// config written back with config_to_json parses to the same settings, field by field (decode ->
// encode -> decode), and writing those again gives the same bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.hpp"
#include "node/config.hpp"

using namespace cx;

namespace {

const std::string kDir = "/nonexistent/fuzz-node";

bool same_p2p(const node::P2pConfig& a, const node::P2pConfig& b) {
  if (a.host != b.host || a.port != b.port || a.peers.size() != b.peers.size()) return false;
  for (size_t i = 0; i < a.peers.size(); ++i) {
    const auto &x = a.peers[i], &y = b.peers[i];
    if (x.id != y.id || x.host != y.host || x.port != y.port) return false;
  }
  return true;
}

// Every field parse_config sets.
bool same_config(const node::NodeConfig& a, const node::NodeConfig& b) {
  if (a.dir != b.dir || a.key_path != b.key_path || a.log_level != b.log_level) return false;
  if (a.rpc.host != b.rpc.host || a.rpc.port != b.rpc.port || a.rpc.io_threads != b.rpc.io_threads ||
      a.rpc.body_bytes_max != b.rpc.body_bytes_max || a.rpc.batch_max != b.rpc.batch_max ||
      a.rpc.connections_max != b.rpc.connections_max || a.rpc.default_channel != b.rpc.default_channel)
    return false;
  if (a.mempool.count_max != b.mempool.count_max || a.mempool.bytes_max != b.mempool.bytes_max ||
      a.mempool.per_sender_max != b.mempool.per_sender_max || a.mempool.verify_threads != b.mempool.verify_threads)
    return false;
  if (a.block_cache_mb != b.block_cache_mb || a.round_timeout_ms != b.round_timeout_ms) return false;
  if (a.channels.size() != b.channels.size()) return false;
  for (size_t i = 0; i < a.channels.size(); ++i) {
    const auto &x = a.channels[i], &y = b.channels[i];
    if (x.name != y.name || x.genesis_path != y.genesis_path || x.p2p.has_value() != y.p2p.has_value()) return false;
    if (x.p2p && !same_p2p(*x.p2p, *y.p2p)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = node::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), kDir);
  if (!c) {
    CX_ASSERT(c.message().starts_with(kDir + "/config.json"));
    return 0;
  }
  std::string text = node::config_to_json(*c);
  auto again = node::parse_config(text, kDir);
  CX_ASSERT_MSG(again, again.message().c_str());
  CX_ASSERT(same_config(*c, *again));
  CX_ASSERT(node::config_to_json(*again) == text);
  return 0;
}
