#include "mempool/mempool.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "base/assert.hpp"
#include "base/mutex.hpp"
#include "base/thread_pool.hpp"

namespace cx::mempool {

using core::TxPtr;
using core::TxReject;
using core::TxRejection;

namespace {

// Txs whose signature checked out, bounded FIFO. Keyed by tx hash, which does not cover the
// signature, so the signature is kept and compared too: a block carrying a known tx with other
// signature bytes has its signature checked like any unknown tx.
class VerifiedCache {
 public:
  explicit VerifiedCache(size_t max) : m_max(max) {}
  bool contains(const core::Transaction& tx) const EXCLUDES(m_mutex) {
    ReaderLock lock(m_mutex);
    auto it = m_map.find(tx.hash);
    return it != m_map.end() && it->second == tx.signature;
  }
  void insert(const core::Transaction& tx) EXCLUDES(m_mutex) {
    WriterLock lock(m_mutex);
    if (!m_map.try_emplace(tx.hash, tx.signature).second) return;
    m_order.push_back(tx.hash);
    while (m_order.size() > m_max) {
      m_map.erase(m_order.front());
      m_order.pop_front();
    }
  }

 private:
  size_t m_max;
  mutable SharedMutex m_mutex;
  std::unordered_map<Hash32, crypto::Signature, FixedBytesHasher> m_map GUARDED_BY(m_mutex);
  std::deque<Hash32> m_order GUARDED_BY(m_mutex);
};

// Public keys of senders whose signature checked out, so that their next tx is verified against the
// key instead of recovering it (same verdict, ~20% cheaper; see core::verify_signature). Bounded,
// oldest first out; sharded so the verify threads rarely meet on a lock.
class SignerKeys {
 public:
  explicit SignerKeys(size_t max) : m_per_shard(std::max<size_t>(1, max / kShards)) {}

  std::optional<crypto::VerifyKey> find(const core::Address& a) const {
    const Shard& s = shard(a);
    MutexLock lock(s.mutex);
    auto it = s.keys.find(a);
    if (it == s.keys.end()) return std::nullopt;
    return it->second;
  }

  void insert(const core::Address& a, const crypto::VerifyKey& key) {
    Shard& s = shard(a);
    MutexLock lock(s.mutex);
    if (!s.keys.try_emplace(a, key).second) return;
    s.order.push_back(a);
    if (s.order.size() > m_per_shard) {
      s.keys.erase(s.order.front());
      s.order.pop_front();
    }
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable Mutex mutex;
    std::unordered_map<core::Address, crypto::VerifyKey, crypto::AddressHasher> keys GUARDED_BY(mutex);
    std::deque<core::Address> order GUARDED_BY(mutex);
  };
  Shard& shard(const core::Address& a) { return m_shards[a.id.bytes[19] % kShards]; }
  const Shard& shard(const core::Address& a) const { return m_shards[a.id.bytes[19] % kShards]; }

  size_t m_per_shard;
  std::array<Shard, kShards> m_shards;
};

class MempoolImpl final : public Mempool {
  // A sender's queued txs in arrival order. Invariants: a sender with queued txs has exactly one
  // place in m_ring (in_ring); a sender in m_ring has an entry here, possibly emptied by remove().
  struct Sender {
    std::deque<TxPtr> txs;
    bool in_ring = false;
  };
 public:
  MempoolImpl(const MempoolOptions& o, const AdmissionChecks& checks)
      : m_options(o), m_checks(checks), m_pool(o.verify_threads, "verify"), m_verified(o.verified_cache_entries),
        m_signer_keys(o.signer_key_cache_entries) {}

  std::vector<std::optional<TxRejection>> verify(const std::vector<TxPtr>& txs) override {
    std::vector<std::optional<TxRejection>> out(txs.size());
    m_pool.parallel_for(txs.size(), [&](size_t i) {
      const auto& tx = *txs[i];
      if (m_verified.contains(tx)) return;
      const auto known = m_signer_keys.find(tx.from);
      crypto::VerifyKey learned;
      if (auto bad = core::verify_signature(tx, known ? &*known : nullptr, &learned)) {
        out[i] = std::move(bad);
        return;
      }
      if (!known) m_signer_keys.insert(tx.from, learned);
      m_verified.insert(tx);
    });
    return out;
  }

  std::vector<std::optional<TxRejection>> admit(const std::vector<TxPtr>& txs) override {
    std::vector<std::optional<TxRejection>> out = verify(txs);
    // Chain and state checks run without the pool lock: they read the channel's head. A block that
    // includes one of these txs meanwhile calls remove() before we insert; m_included catches that.
    for (size_t i = 0; i < txs.size(); ++i) {
      if (out[i]) continue;
      const auto& tx = *txs[i];
      if (m_checks.is_known_on_chain(tx.hash)) {
        out[i] = TxRejection{TxReject::kDuplicate, "tx 0x" + tx.hash.hex() + " is already on the chain"};
        continue;
      }
      out[i] = m_checks.check(tx);
    }
    MutexLock lock(m_mutex);
    for (size_t i = 0; i < txs.size(); ++i) {
      if (!out[i]) out[i] = insert_locked(txs[i]);
    }
    return out;
  }

  std::vector<TxPtr> take(size_t max_count, size_t max_bytes) override {
    MutexLock lock(m_mutex);
    std::vector<TxPtr> out;
    size_t bytes = 0;
    while (out.size() < max_count && !m_ring.empty()) {
      core::Address sender = m_ring.front();
      m_ring.pop_front();
      auto sit = m_senders.find(sender);
      CX_ASSERT(sit != m_senders.end() && sit->second.in_ring);
      auto& q = sit->second.txs;
      if (q.empty()) {  // emptied by remove() since its turn was queued: its turn lapses
        m_senders.erase(sit);
        continue;
      }
      TxPtr picked = q.front();
      if (bytes + picked->params_json.size() > max_bytes && !out.empty()) {
        m_ring.push_front(sender);
        break;
      }
      q.pop_front();
      bytes += picked->params_json.size();
      erase_locked(picked);
      m_taken.emplace(picked->hash, picked);
      if (q.empty()) {
        --m_senders_queued;
        m_senders.erase(sit);
      } else {
        m_ring.push_back(sender);
      }
      out.push_back(std::move(picked));
    }
    return out;
  }

  void restore(const std::vector<TxPtr>& txs) override {
    MutexLock lock(m_mutex);
    for (auto it = txs.rbegin(); it != txs.rend(); ++it) {
      const TxPtr& tx = *it;
      m_included.erase(tx->hash);  // its block was abandoned: it may be admitted again
      m_taken.erase(tx->hash);
      if (m_by_hash.count(tx->hash)) continue;
      Sender& s = sender_locked(tx->from, /*front=*/true);
      s.txs.push_front(tx);
      account_locked(tx);
    }
  }

  void remove(const std::vector<Hash32>& hashes) override {
    MutexLock lock(m_mutex);
    for (const auto& h : hashes) {
      remember_included_locked(h);
      m_taken.erase(h);
      auto it = m_by_hash.find(h);
      if (it == m_by_hash.end()) continue;
      TxPtr tx = it->second;
      erase_locked(tx);
      auto sit = m_senders.find(tx->from);
      CX_ASSERT(sit != m_senders.end());
      auto& q = sit->second.txs;
      // Usually the front: a sender's txs are included in arrival order.
      for (auto e = q.begin(); e != q.end(); ++e)
        if (*e == tx) {
          q.erase(e);
          break;
        }
      // The emptied sender keeps its place in the ring until take() reaches it (O(1) here instead of
      // a scan of the ring per tx); compact_ring_locked() bounds how many such places pile up.
      if (q.empty()) --m_senders_queued;
    }
    compact_ring_locked();
  }

  bool contains(const Hash32& hash) const override {
    MutexLock lock(m_mutex);
    return m_by_hash.count(hash) > 0;
  }
  TxPtr find(const Hash32& hash) const override {
    MutexLock lock(m_mutex);
    if (auto it = m_by_hash.find(hash); it != m_by_hash.end()) return it->second;
    auto it = m_taken.find(hash);
    return it == m_taken.end() ? nullptr : it->second;
  }
  size_t size() const override {
    MutexLock lock(m_mutex);
    return m_by_hash.size();
  }
  size_t bytes() const override {
    MutexLock lock(m_mutex);
    return m_bytes;
  }
  bool is_verified(const core::Transaction& tx) const override { return m_verified.contains(tx); }

 private:
  // Bounded FIFO of txs that blocks included, so an admission racing with the block cannot put
  // them back in the pool (where they would be proposed again, and refused by every peer).
  void remember_included_locked(const Hash32& h) REQUIRES(m_mutex) {
    if (!m_included.insert(h).second) return;
    m_included_order.push_back(h);
    while (m_included_order.size() > m_options.count_max) {
      m_included.erase(m_included_order.front());
      m_included_order.pop_front();
    }
  }

  std::optional<TxRejection> insert_locked(const TxPtr& tx) REQUIRES(m_mutex) {
    if (m_included.count(tx->hash))
      return TxRejection{TxReject::kDuplicate, "tx 0x" + tx->hash.hex() + " is already on the chain"};
    if (m_by_hash.count(tx->hash) || m_taken.count(tx->hash))
      return TxRejection{TxReject::kDuplicate, "tx 0x" + tx->hash.hex() + " is already in the pool"};
    if (m_by_hash.size() >= m_options.count_max)
      return TxRejection{TxReject::kPoolFull, "pool holds the maximum of " + std::to_string(m_options.count_max) + " txs"};
    if (m_bytes + tx->params_json.size() > m_options.bytes_max)
      return TxRejection{TxReject::kPoolFull, "pool holds the maximum of " + std::to_string(m_options.bytes_max) + " bytes"};
    auto sit = m_senders.find(tx->from);
    if (sit != m_senders.end() && sit->second.txs.size() >= m_options.per_sender_max)
      return TxRejection{TxReject::kPoolFull, "sender " + tx->from.to_string() + " has the maximum of " +
                                                  std::to_string(m_options.per_sender_max) + " txs in the pool"};
    Sender& s = sender_locked(tx->from, /*front=*/false);
    s.txs.push_back(tx);
    account_locked(tx);
    return std::nullopt;
  }

  // The sender's entry, given a turn in the ring (at the front or the back) if it has none. The
  // caller adds a tx right away, so a sender that had none counts as queued from here on.
  Sender& sender_locked(const core::Address& from, bool front) REQUIRES(m_mutex) {
    Sender& s = m_senders[from];
    if (!s.in_ring) {
      s.in_ring = true;
      if (front) m_ring.push_front(from);
      else m_ring.push_back(from);
    }
    if (s.txs.empty()) ++m_senders_queued;
    return s;
  }

  // Drops the ring places of emptied senders once they outnumber the queued ones (amortised O(1)).
  void compact_ring_locked() REQUIRES(m_mutex) {
    if (m_ring.size() <= 2 * m_senders_queued + 1024) return;
    std::deque<core::Address> kept;
    for (const auto& a : m_ring) {
      auto sit = m_senders.find(a);
      CX_ASSERT(sit != m_senders.end());
      if (sit->second.txs.empty()) m_senders.erase(sit);
      else kept.push_back(a);
    }
    m_ring.swap(kept);
  }

  void account_locked(const TxPtr& tx) REQUIRES(m_mutex) {
    m_by_hash.emplace(tx->hash, tx);
    m_bytes += tx->params_json.size();
  }

  // Removes from the index and the accounting; the caller maintains the sender queue.
  void erase_locked(const TxPtr& tx) REQUIRES(m_mutex) {
    if (!m_by_hash.erase(tx->hash)) return;
    m_bytes -= tx->params_json.size();
  }

  MempoolOptions m_options;
  const AdmissionChecks& m_checks;
  ThreadPool m_pool;
  VerifiedCache m_verified;
  SignerKeys m_signer_keys;

  mutable Mutex m_mutex;
  std::unordered_map<Hash32, TxPtr, FixedBytesHasher> m_by_hash GUARDED_BY(m_mutex);
  std::unordered_map<core::Address, Sender, crypto::AddressHasher> m_senders GUARDED_BY(m_mutex);
  std::deque<core::Address> m_ring GUARDED_BY(m_mutex);  // turns of senders, in round-robin order
  size_t m_senders_queued GUARDED_BY(m_mutex) = 0;       // senders with at least one queued tx
  size_t m_bytes GUARDED_BY(m_mutex) = 0;
  // Taken by take() for a proposal of this node, not yet included by a block (remove()) or given back
  // (restore()): still found by find() and refused as duplicates, so a tx is never out of sight while
  // its proposal is being built and certified.
  std::unordered_map<Hash32, TxPtr, FixedBytesHasher> m_taken GUARDED_BY(m_mutex);
  std::unordered_set<Hash32, FixedBytesHasher> m_included GUARDED_BY(m_mutex);  // see remember_included_locked()
  std::deque<Hash32> m_included_order GUARDED_BY(m_mutex);
};

}  // namespace

std::unique_ptr<Mempool> make_mempool(const MempoolOptions& options, const AdmissionChecks& checks) {
  return std::make_unique<MempoolImpl>(options, checks);
}

}  // namespace cx::mempool
