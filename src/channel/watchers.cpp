#include "channel/watchers.hpp"

namespace cx::channel {

SubscriptionId Watchers::watch_tx(const Hash32& hash, std::function<void(const TxLookup&)> fn) {
  TxLookup found;
  SubscriptionId id;
  {
    // Registration and the committed check happen under the lock that notify() takes, after the block
    // is on disk: a watcher is either registered before and notified, or sees the tx here.
    MutexLock lock(m_watch_mutex);
    id = ++m_next_watch;
    found = m_reads.committed_lookup(hash);
    if (found.status != TxStatus::kCommitted) {
      m_watchers[hash].emplace_back(id, std::move(fn));
      m_watch_ids[id] = hash;
      return id;
    }
  }
  fn(found);  // outside the lock: the callback may call unwatch_tx
  return id;
}

void Watchers::unwatch_tx(SubscriptionId id) {
  MutexLock lock(m_watch_mutex);
  auto it = m_watch_ids.find(id);
  if (it == m_watch_ids.end()) return;
  auto wit = m_watchers.find(it->second);
  if (wit != m_watchers.end()) {
    std::erase_if(wit->second, [&](const auto& p) { return p.first == id; });
    if (wit->second.empty()) m_watchers.erase(wit);
  }
  m_watch_ids.erase(it);
}

SubscriptionId Watchers::subscribe_blocks(std::function<void(const BlockEvent&)> fn) {
  MutexLock lock(m_sub_mutex);
  SubscriptionId id = ++m_next_sub;
  m_subscribers.emplace(id, std::move(fn));
  return id;
}

void Watchers::unsubscribe_blocks(SubscriptionId id) {
  MutexLock lock(m_sub_mutex);
  m_subscribers.erase(id);
}

void Watchers::notify(const BlockPtr& block, const ReceiptsPtr& receipts) {
  std::vector<std::pair<std::function<void(const TxLookup&)>, TxLookup>> due;
  {
    MutexLock lock(m_watch_mutex);
    if (!m_watchers.empty()) {
      for (uint32_t i = 0; i < block->txs.size(); ++i) {
        auto it = m_watchers.find(block->txs[i]->hash);
        if (it == m_watchers.end()) continue;
        TxLookup l;
        l.status = TxStatus::kCommitted;
        l.tx = block->txs[i];
        l.height = block->header.height;
        l.block_hash = block->hash();
        l.index = i;
        l.receipt = (*receipts)[i];
        for (auto& [id, fn] : it->second) {
          due.emplace_back(std::move(fn), l);
          m_watch_ids.erase(id);
        }
        m_watchers.erase(it);
      }
    }
  }
  for (auto& [fn, l] : due) fn(l);
  BlockEvent ev{block, receipts};
  MutexLock lock(m_sub_mutex);
  for (auto& [id, fn] : m_subscribers) fn(ev);
}

}  // namespace cx::channel
