#pragma once
// Who waits for what a channel commits: tx watchers (a callback once a tx is committed) and block
// subscribers (every committed block, in height order). Notified by the commit pipeline after each
// block is durable and published to the chain reader, so a callback that reads the chain sees it.
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "base/mutex.hpp"
#include "channel/api.hpp"
#include "channel/chain_reads.hpp"

namespace cx::channel {

class Watchers {
 public:
  explicit Watchers(const ChainReads& reads) : m_reads(reads) {}

  SubscriptionId watch_tx(const Hash32& hash, std::function<void(const TxLookup&)> fn);
  void unwatch_tx(SubscriptionId id);
  SubscriptionId subscribe_blocks(std::function<void(const BlockEvent&)> fn);
  void unsubscribe_blocks(SubscriptionId id);

  // The commit pipeline's thread, after `block` is durable and published.
  void notify(const BlockPtr& block, const ReceiptsPtr& receipts);

 private:
  using TxWatcher = std::pair<SubscriptionId, std::function<void(const TxLookup&)>>;
  const ChainReads& m_reads;

  Mutex m_watch_mutex;
  SubscriptionId m_next_watch GUARDED_BY(m_watch_mutex) = 0;
  std::unordered_map<Hash32, std::vector<TxWatcher>, FixedBytesHasher> m_watchers GUARDED_BY(m_watch_mutex);
  std::unordered_map<SubscriptionId, Hash32> m_watch_ids GUARDED_BY(m_watch_mutex);

  Mutex m_sub_mutex;
  SubscriptionId m_next_sub GUARDED_BY(m_sub_mutex) = 0;
  std::map<SubscriptionId, std::function<void(const BlockEvent&)>> m_subscribers GUARDED_BY(m_sub_mutex);
};

}  // namespace cx::channel
