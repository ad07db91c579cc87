#pragma once
// Cache of decoded, persisted ("clean") trie nodes, keyed by node hash, evicting approximately
// least-recently-used entries with the CLOCK algorithm: a hit only sets a flag, so it does not relink
// list nodes (a true LRU costs several extra cache misses per hit, and lookups dominate both reads
// and apply()). Sharded so that RPC reader threads and the block executor rarely contend on a mutex.
#include <array>
#include <unordered_map>
#include <vector>

#include "base/mutex.hpp"
#include "state/trie_node.hpp"

namespace cx::state::detail {

class NodeCache {
 public:
  // capacity_entries == 0 disables the cache.
  explicit NodeCache(size_t capacity_entries);

  NodePtr get(const Hash32& hash);
  void put(const Hash32& hash, NodePtr node);
  size_t size() const;

 private:
  static constexpr size_t kShardCount = 16;
  struct Entry {
    NodePtr node;
    bool referenced = false;  // set by a hit, cleared as the clock hand passes
  };
  struct Shard {
    mutable Mutex mutex;
    // Invariant: `ring` holds exactly the keys of `entries`, and never more than the shard capacity.
    std::unordered_map<Hash32, Entry, FixedBytesHasher> entries GUARDED_BY(mutex);
    std::vector<Hash32> ring GUARDED_BY(mutex);
    size_t hand GUARDED_BY(mutex) = 0;
  };
  // The unordered_map hashes the first bytes of a node hash; shard by the last byte so that shard
  // choice and bucket choice are independent.
  Shard& shard_for(const Hash32& hash) { return m_shards[hash.bytes[31] % kShardCount]; }

  size_t m_capacity_per_shard;
  std::array<Shard, kShardCount> m_shards;
};

}  // namespace cx::state::detail
