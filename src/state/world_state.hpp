#pragma once
// Authenticated world state: a hexary Merkle Patricia trie whose nodes are stored content-addressed
// (key = SHA3-256 of the node encoding) in kTrieNodesColumn. Nothing is ever overwritten, so every
// block's root stays readable: reads at a past height are reads at that height's root (archive mode).
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "storage/kv_store.hpp"

namespace cx::state {

// The column that holds the trie nodes: the store given to make_world_state must be opened with it.
// Its name is the column family on disk since storage format 1.
inline constexpr storage::ColumnDef kTrieNodesColumn{"trie_nodes"};

// Ordered set of changes: value nullopt deletes the key. Ordered, so applying it is deterministic.
using StateChanges = std::map<Bytes, std::optional<Bytes>>;

// Root of the trie that holds nothing.
Hash32 empty_root();

// Reads through one root. Keys and values are opaque bytes; keys up to 256 bytes.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<Bytes> get(BytesView key) const = 0;
};

struct WorldStateOptions {
  size_t node_cache_entries = 1u << 18;  // decoded clean nodes kept in memory (CLOCK ≈ LRU)
};

class WorldState {
 public:
  virtual ~WorldState() = default;

  // A failed storage read during a lookup is an environment failure: it aborts with a clear message
  // rather than returning a wrong answer (a missing node under a known root is data corruption).
  virtual std::optional<Bytes> get(const Hash32& root, BytesView key) const = 0;
  virtual std::unique_ptr<StateReader> reader_at(const Hash32& root) const = 0;

  // Applies `changes` on top of `base_root` and returns the new root. New nodes are kept in memory
  // ("pending") and are readable at once, so the next block can execute on an uncommitted root.
  virtual Hash32 apply(const Hash32& base_root, const StateChanges& changes) = 0;

  // Adds to `batch` every pending node reachable from `root` (the caller writes the batch together
  // with the block), and after the write succeeded the caller calls on_persisted(root), which moves
  // those nodes from pending to the clean cache.
  virtual void stage_commit(const Hash32& root, storage::WriteBatch& batch) const = 0;
  virtual void on_persisted(const Hash32& root) = 0;
  // Drops pending nodes not reachable from any of `keep` (abandoned forks).
  virtual void discard_pending(const std::vector<Hash32>& keep) = 0;

  // Merkle proof: the encoded nodes on the path from root to key (inclusion or exclusion).
  virtual std::vector<Bytes> prove(const Hash32& root, BytesView key) const = 0;
};

// `kv` must have been opened with kTrieNodesColumn in its schema (asserted).
std::unique_ptr<WorldState> make_world_state(storage::KvStore& kv, const WorldStateOptions& options = {});

// Checks a proof from prove(): true iff the proof shows `key` maps to `value` (nullopt = absent) under `root`.
bool verify_proof(const Hash32& root, BytesView key, const std::optional<Bytes>& value,
                  const std::vector<Bytes>& proof);

}  // namespace cx::state
