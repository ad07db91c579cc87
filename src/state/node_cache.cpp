#include "state/node_cache.hpp"

namespace cx::state::detail {

NodeCache::NodeCache(size_t capacity_entries)
    : m_capacity_per_shard(capacity_entries == 0 ? 0 : std::max<size_t>(1, capacity_entries / kShardCount)) {}

NodePtr NodeCache::get(const Hash32& hash) {
  if (m_capacity_per_shard == 0) return nullptr;
  Shard& shard = shard_for(hash);
  MutexLock lock(shard.mutex);
  auto it = shard.entries.find(hash);
  if (it == shard.entries.end()) return nullptr;
  it->second.referenced = true;
  return it->second.node;
}

void NodeCache::put(const Hash32& hash, NodePtr node) {
  if (m_capacity_per_shard == 0) return;
  CX_ASSERT(node != nullptr);
  Shard& shard = shard_for(hash);
  MutexLock lock(shard.mutex);
  auto it = shard.entries.find(hash);
  if (it != shard.entries.end()) {
    // Content addressed: the same hash always names the same node, so only recency changes.
    it->second.referenced = true;
    return;
  }
  if (shard.ring.size() < m_capacity_per_shard) {
    shard.ring.push_back(hash);
  } else {
    // Sweep: spare referenced entries once (clearing the flag), evict the first unreferenced one.
    // Terminates within two turns of the ring, since each pass clears every flag it meets.
    while (true) {
      auto victim = shard.entries.find(shard.ring[shard.hand]);
      CX_ASSERT(victim != shard.entries.end());
      if (!victim->second.referenced) {
        shard.entries.erase(victim);
        shard.ring[shard.hand] = hash;
        shard.hand = (shard.hand + 1) % shard.ring.size();
        break;
      }
      victim->second.referenced = false;
      shard.hand = (shard.hand + 1) % shard.ring.size();
    }
  }
  shard.entries.emplace(hash, Entry{std::move(node), false});
  CX_ASSERT(shard.ring.size() == shard.entries.size());
}

size_t NodeCache::size() const {
  size_t n = 0;
  for (const auto& shard : m_shards) {
    MutexLock lock(shard.mutex);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace cx::state::detail
