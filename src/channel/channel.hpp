#pragma once
// One ledger: storage, world state, mempool, execution and consensus wired together and driven by
// one channel thread ("chan-<name>"). RPC reaches it through ChannelApi.
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "channel/api.hpp"
#include "channel/commit_writer.hpp"
#include "mempool/mempool.hpp"
#include "p2p/network.hpp"
#include "storage/kv_store.hpp"

namespace cx::channel {

// An index the commit pipeline keeps with the chain (the index seam, commit_writer.hpp): its columns
// join the channel's store before it opens, and its subscriber stages entries into each final block's
// own batch. The explorer's indexes are (explorer_index.hpp).
struct IndexSpec {
  std::string name;
  std::function<void(storage::Schema&)> add_columns;
  std::function<std::unique_ptr<CommitSubscriber>(storage::KvStore&)> make;
};

struct ChannelOptions {
  std::string data_dir;                 // RocksDB directory of this channel; empty = in memory (tests)
  core::ChainParams params;
  crypto::PrivateKey node_key;          // a validator's, or a follower's (a genesis member)
  // Required when the channel has more than one validator: where to listen and where the others are.
  std::optional<p2p::NetworkOptions> network;
  uint64_t round_timeout_ms = 2000;     // LFT round timeout before backoff
  uint64_t gossip_interval_ms = 20;     // admitted txs are forwarded to peers in batches this often
  uint64_t status_interval_ms = 1000;   // heights announced to peers so laggards notice
  mempool::MempoolOptions mempool;
  storage::RocksOptions rocks;
  size_t block_bytes_max = 16u << 20;   // txs' JSON per block
  // Recently committed blocks kept decoded for RPC; bounded by count and by txs held (blocks can be large).
  size_t recent_blocks_cached = 256;
  size_t recent_txs_cached = 20000;
  std::vector<IndexSpec> indexes;
  // The channels of this node, for cx_getChannels: filled by the node once every channel is open and
  // before RPC starts, read-only after. Null: this channel alone.
  std::shared_ptr<std::vector<const ChannelApi*>> served_channels;
};

class Channel : public ChannelApi {
 public:
  // Opens (creating the genesis on first use) and checks that the data belongs to this genesis.
  static Result<std::unique_ptr<Channel>> open(const ChannelOptions& options, Clock& clock);
  virtual void start() = 0;
  virtual void stop() = 0;
};

}  // namespace cx::channel
