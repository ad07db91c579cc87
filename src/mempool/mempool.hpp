#pragma once
// The tx pool: admission (shape and signature checked once, in parallel, and cached), bounds on
// count, bytes and per sender, duplicate rejection, and round-robin ordering across senders so one
// busy sender cannot starve the others.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/transaction.hpp"

namespace cx::mempool {

struct MempoolOptions {
  size_t count_max = 200000;
  size_t bytes_max = 256u << 20;
  size_t per_sender_max = 20000;
  unsigned verify_threads = 2;           // worker pool for signature recovery
  size_t verified_cache_entries = 1u << 18;
  size_t signer_key_cache_entries = 1u << 16;  // ~100 bytes each
};

// What admission needs to know about the chain, supplied by the channel.
class AdmissionChecks {
 public:
  virtual ~AdmissionChecks() = default;
  // In a committed or in-flight block already.
  virtual bool is_known_on_chain(const Hash32& tx_hash) const = 0;
  // Stateful checks (nid, time window, balance, step limits) at the current head.
  virtual std::optional<core::TxRejection> check(const core::Transaction& tx) const = 0;
};

class Mempool {
 public:
  virtual ~Mempool() = default;

  // Verifies signatures of all txs (on the pool and the calling thread), then admits each in order.
  // Returns one entry per tx: nullopt = admitted.
  virtual std::vector<std::optional<core::TxRejection>> admit(const std::vector<core::TxPtr>& txs) = 0;

  // Up to max_count txs / max_bytes of params JSON, round-robin across senders, each sender in
  // arrival order. Taken txs leave the queues (they are in a proposal) but stay known to find() and to
  // duplicate checks until a block includes them (remove()) or they are given back (restore()).
  virtual std::vector<core::TxPtr> take(size_t max_count, size_t max_bytes) = 0;
  // Puts txs back at the front of their senders' queues (a proposal that was abandoned).
  virtual void restore(const std::vector<core::TxPtr>& txs) = 0;
  // Drops txs that a block included (by any proposer), queued or taken.
  virtual void remove(const std::vector<Hash32>& hashes) = 0;

  virtual bool contains(const Hash32& hash) const = 0;
  virtual core::TxPtr find(const Hash32& hash) const = 0;
  virtual size_t size() const = 0;
  virtual size_t bytes() const = 0;
  // This tx, with these signature bytes, was verified before and is cached (for txs that arrive
  // again inside a block).
  virtual bool is_verified(const core::Transaction& tx) const = 0;
  // Verifies signatures (cache first, then in parallel on the pool) without admitting: for the txs
  // of a block proposed by a peer. nullopt = valid.
  virtual std::vector<std::optional<core::TxRejection>> verify(const std::vector<core::TxPtr>& txs) = 0;
};

std::unique_ptr<Mempool> make_mempool(const MempoolOptions& options, const AdmissionChecks& checks);

}  // namespace cx::mempool
