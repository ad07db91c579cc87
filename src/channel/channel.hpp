#pragma once
// One ledger: storage, world state, mempool, execution and consensus wired together and driven by
// one channel thread ("chan-<name>"). RPC reaches it through ChannelApi.
#include <memory>
#include <string>

#include "base/clock.hpp"
#include "channel/api.hpp"
#include "mempool/mempool.hpp"
#include "storage/kv_store.hpp"

namespace cx::channel {

struct ChannelOptions {
  std::string data_dir;                 // RocksDB directory of this channel; empty = in memory (tests)
  core::ChainParams params;
  crypto::PrivateKey node_key;          // must be the (single) validator for now
  mempool::MempoolOptions mempool;
  storage::RocksOptions rocks;
  size_t block_bytes_max = 16u << 20;   // txs' JSON per block
  // Recently committed blocks kept decoded for RPC; bounded by count and by txs held (blocks can be large).
  size_t recent_blocks_cached = 256;
  size_t recent_txs_cached = 20000;
};

class Channel : public ChannelApi {
 public:
  // Opens (creating the genesis on first use) and checks that the data belongs to this genesis.
  static Result<std::unique_ptr<Channel>> open(const ChannelOptions& options, Clock& clock);
  virtual void start() = 0;
  virtual void stop() = 0;
};

}  // namespace cx::channel
