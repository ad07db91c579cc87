#pragma once
// Node configuration: the only place that reads config files. Turns <dir>/config.json into the
// plain option structs of the components.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "channel/channel.hpp"
#include "rpc/server.hpp"

namespace cx::node {

// Where this node listens for its fellow validators of one channel and where they are ("p2p" of a
// channel entry in config.json).
struct P2pConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::vector<p2p::PeerAddress> peers;
};

struct ChannelConfig {
  std::string name;
  std::string genesis_path;        // relative to the node directory
  std::optional<P2pConfig> p2p;    // required when the channel has more than one validator
};

struct NodeConfig {
  std::string dir;
  std::string key_path = "node.key";    // hex private key, mode 0600
  std::string log_level = "info";
  rpc::ServerOptions rpc;
  std::vector<ChannelConfig> channels;  // the first is the default channel (/api/v3)
  mempool::MempoolOptions mempool;
  size_t block_cache_mb = 256;
  uint64_t round_timeout_ms = 2000;
  // "indexes": the explorer's indexes (address → txs, token transfers, validator activity) on every
  // channel, kept with each block's commit; an existing directory is indexed when the node opens it.
  bool explorer_indexes = true;
  // ACORE executor processes (docs/executor.md): Lua contracts run in up to this many processes apart
  // from the node; 0 runs them inside the node (as the simulator and unit tests do).
  size_t executor_processes = 2;
  uint64_t executor_hang_timeout_ms = 120'000;  // a silent executor is killed and the block run again
};

// Reads <dir>/config.json; every error names the file and the field. Each channel has its own p2p
// listener and peers; a top-level "p2p" (the form written before channels had their own) is the
// first channel's.
Result<NodeConfig> load_config(const std::string& dir);
// The same for the text of <dir>/config.json (at most kConfigBytesMax bytes).
inline constexpr size_t kConfigBytesMax = 1u << 20;
Result<NodeConfig> parse_config(std::string_view text, const std::string& dir);
// Every field parse_config reads is written: parse_config(config_to_json(c)) gives c back.
std::string config_to_json(const NodeConfig& config);

Result<crypto::PrivateKey> load_node_key(const std::string& path);
Status write_node_key(const std::string& path, const crypto::PrivateKey& key);

Result<std::string> read_file(const std::string& path, size_t max_bytes = 16u << 20);
Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);

}  // namespace cx::node
