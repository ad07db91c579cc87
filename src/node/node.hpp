#pragma once
// Process lifecycle: opens the channels, starts RPC, runs until a signal, shuts down in reverse.
#include <memory>
#include <string>

#include "node/config.hpp"

namespace cx::node {

class Node {
 public:
  virtual ~Node() = default;
  virtual uint16_t rpc_port() const = 0;
  // The channel of that name (what RPC reaches), or nullptr; valid while the node runs.
  virtual channel::ChannelApi* channel(const std::string& name) const = 0;
  // Blocks until SIGINT or SIGTERM, then stops everything in order.
  virtual void run_until_signal() = 0;
};

Result<std::unique_ptr<Node>> start_node(const NodeConfig& config);

}  // namespace cx::node
