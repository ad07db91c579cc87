#include "state/world_state.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "base/mutex.hpp"
#include "crypto/hash.hpp"
#include "state/node_cache.hpp"
#include "state/trie_node.hpp"

namespace cx::state {

using detail::kMaxKeyBytes;
using detail::Nibbles;
using detail::nibble_at;
using detail::Node;
using detail::NodeKind;
using detail::NodePtr;

// The empty trie has no node to hash, so its root is a constant rather than a hash of anything:
// 32 zero bytes. No node encoding hashes to it (that would be a SHA3-256 preimage of zero).
Hash32 empty_root() { return Hash32{}; }

namespace {

[[noreturn]] void fatal(const std::string& message) {
  ::cx::base::assert_fail("trie node readable", __FILE__, __LINE__, message.c_str());
}

// True iff the nibbles of `key` from `depth` start with `path`.
bool path_is_prefix(BytesView key, size_t depth, const Nibbles& path) {
  if (key.size() * 2 - depth < path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (nibble_at(key, depth + i) != path[i]) return false;
  }
  return true;
}

// True iff the nibbles of `key` from `depth` are exactly `path`.
bool path_is_rest(BytesView key, size_t depth, const Nibbles& path) {
  return key.size() * 2 - depth == path.size() && path_is_prefix(key, depth, path);
}

// ---------------------------------------------------------------------------------------------------
// Batch update.
//
// apply() walks the trie once for the whole sorted change set: at every node the changes below it
// form one contiguous run of the sorted input (all keys through a node share its prefix), so a branch
// splits its run by next nibble and recurses once per touched child. New and modified nodes are built
// as unhashed Drafts; hashing happens once per new node at the end (finalize). Normalisation after
// every step keeps the trie canonical — the same key/value set always has the same shape and root,
// whatever the history:
//   * a branch keeps >= 2 of {children, value}; with one child and no value it merges into the
//     path of its child, with only a value it becomes a leaf;
//   * an extension has a non-empty path and a branch child; adjacent paths are concatenated.

struct Change {
  BytesView key;
  const Bytes* value;  // nullptr deletes
  size_t nibbles() const { return key.size() * 2; }
  uint8_t at(size_t i) const { return nibble_at(key, i); }
};

struct Draft;

// A child slot during an update: empty, an existing node by hash, or a new unhashed node.
struct Sub {
  std::unique_ptr<Draft> draft;
  std::optional<Hash32> hash;

  bool empty() const { return !draft && !hash; }
  static Sub of(std::unique_ptr<Draft> d) {
    Sub s;
    s.draft = std::move(d);
    return s;
  }
  static Sub of(const Hash32& h) {
    Sub s;
    s.hash = h;
    return s;
  }
};

struct Draft {
  NodeKind kind = NodeKind::kLeaf;
  Nibbles path;
  bool has_value = false;
  Bytes value;
  Sub child;                    // extension
  std::array<Sub, 16> children;  // branch
};

struct NewNode {
  Hash32 hash;
  NodePtr node;
  Bytes encoding;
};

size_t common_prefix(const Change& a, const Change& b, size_t depth) {
  const size_t n = std::min(a.nibbles(), b.nibbles());
  size_t i = depth;
  while (i < n && a.at(i) == b.at(i)) ++i;
  return i - depth;
}

size_t common_prefix(const Change& c, size_t depth, const Nibbles& path) {
  const size_t n = std::min(c.nibbles() - depth, path.size());
  size_t i = 0;
  while (i < n && c.at(depth + i) == path[i]) ++i;
  return i;
}

Nibbles nibbles_of(const Change& c, size_t from, size_t to) {
  Nibbles out(to - from);
  for (size_t i = from; i < to; ++i) out[i - from] = c.at(i);
  return out;
}

int compare_keys(BytesView a, BytesView b) {
  const size_t n = std::min(a.size(), b.size());
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::unique_ptr<Draft> new_leaf(Nibbles path, const Bytes& value) {
  auto d = std::make_unique<Draft>();
  d->kind = NodeKind::kLeaf;
  d->path = std::move(path);
  d->has_value = true;
  d->value = value;
  return d;
}

std::unique_ptr<Draft> new_extension(Nibbles path, Sub child) {
  CX_ASSERT(!path.empty() && !child.empty());
  auto d = std::make_unique<Draft>();
  d->kind = NodeKind::kExtension;
  d->path = std::move(path);
  d->child = std::move(child);
  return d;
}

class Updater {
 public:
  using Loader = std::function<NodePtr(const Hash32&)>;
  explicit Updater(const Loader& load) : m_load(load) {}

  Sub update(Sub node, size_t depth, std::span<const Change> changes) {
    if (changes.empty()) return node;
    if (node.empty()) return build(depth, changes);
    auto draft = take_draft(std::move(node));
    switch (draft->kind) {
      case NodeKind::kLeaf: return update_leaf(std::move(draft), depth, changes);
      case NodeKind::kExtension: return update_extension(std::move(draft), depth, changes);
      case NodeKind::kBranch: return update_branch(std::move(draft), depth, changes);
    }
    CX_UNREACHABLE();
  }

  // Hashes every draft under `s` (children first) and records it in `out`; returns the hash of `s`.
  Hash32 finalize(Sub& s, std::vector<NewNode>& out) {
    CX_ASSERT(!s.empty());
    if (!s.draft) return *s.hash;
    Draft& d = *s.draft;
    auto node = std::make_shared<Node>();
    node->kind = d.kind;
    node->path = std::move(d.path);
    node->has_value = d.has_value;
    node->value = std::move(d.value);
    switch (d.kind) {
      case NodeKind::kLeaf:
        CX_ASSERT(node->has_value);
        break;
      case NodeKind::kExtension:
        CX_ASSERT(!node->path.empty());
        CX_ASSERT(!d.child.draft || d.child.draft->kind == NodeKind::kBranch);
        node->children.push_back(finalize(d.child, out));
        break;
      case NodeKind::kBranch:
        for (unsigned i = 0; i < 16; ++i) {
          if (d.children[i].empty()) continue;
          node->child_mask = static_cast<uint16_t>(node->child_mask | (1u << i));
          node->children.push_back(finalize(d.children[i], out));
        }
        break;
    }
    Bytes encoding = detail::encode_node(*node);
    const Hash32 hash = crypto::sha3_256(encoding);
    out.push_back(NewNode{hash, std::move(node), std::move(encoding)});
    s.draft.reset();
    s.hash = hash;
    return hash;
  }

 private:
  NodePtr load(const Hash32& h) const { return m_load(h); }

  NodeKind kind_of(const Sub& s) const { return s.draft ? s.draft->kind : load(*s.hash)->kind; }

  // The node in `s` as a mutable draft (a copy when it is an existing node).
  std::unique_ptr<Draft> take_draft(Sub s) const {
    CX_ASSERT(!s.empty());
    if (s.draft) return std::move(s.draft);
    const NodePtr n = load(*s.hash);
    auto d = std::make_unique<Draft>();
    d->kind = n->kind;
    d->path = n->path;
    d->has_value = n->has_value;
    d->value = n->value;
    if (n->kind == NodeKind::kExtension) d->child = Sub::of(n->extension_child());
    if (n->kind == NodeKind::kBranch) {
      for (unsigned i = 0; i < 16; ++i) {
        if (n->has_child(i)) d->children[i] = Sub::of(n->child(i));
      }
    }
    return d;
  }

  // Builds the canonical subtree at `depth` holding the puts in `changes` (deletes are ignored: there
  // is nothing under an empty slot to delete).
  Sub build(size_t depth, std::span<const Change> changes) {
    size_t first = changes.size(), last = 0;
    for (size_t i = 0; i < changes.size(); ++i) {
      if (!changes[i].value) continue;
      if (first == changes.size()) first = i;
      last = i;
    }
    if (first == changes.size()) return {};
    const Change& lo = changes[first];
    if (first == last) return Sub::of(new_leaf(nibbles_of(lo, depth, lo.nibbles()), *lo.value));

    // Sorted input: the common prefix of the smallest and largest put is shared by every change
    // between them, and no change outside [first, last] matters.
    const Change& hi = changes[last];
    const size_t shared = common_prefix(lo, hi, depth);
    const size_t at = depth + shared;
    auto run = changes.subspan(first, last - first + 1);
    auto branch = std::make_unique<Draft>();
    branch->kind = NodeKind::kBranch;
    size_t i = 0;
    if (run[0].nibbles() == at) {
      branch->has_value = true;
      branch->value = *run[0].value;
      i = 1;
    }
    while (i < run.size()) {
      const uint8_t nib = run[i].at(at);
      size_t j = i + 1;
      while (j < run.size() && run[j].at(at) == nib) ++j;
      branch->children[nib] = build(at + 1, run.subspan(i, j - i));
      i = j;
    }
    // lo and hi diverge at `at` (or lo ends there), so the branch has >= 2 entries.
    if (shared == 0) return Sub::of(std::move(branch));
    return Sub::of(new_extension(nibbles_of(lo, depth, at), Sub::of(std::move(branch))));
  }

  Sub update_leaf(std::unique_ptr<Draft> leaf, size_t depth, std::span<const Change> changes) {
    // Common case: the one change is to this leaf's own key.
    if (changes.size() == 1 && path_is_rest(changes[0].key, depth, leaf->path)) {
      if (!changes[0].value) return {};
      leaf->value = *changes[0].value;
      return Sub::of(std::move(leaf));
    }
    // Otherwise merge the leaf's entry into the sorted changes (a change to the same key wins) and
    // build the subtree from scratch. The leaf's full key is the shared prefix plus its path.
    const size_t total = depth + leaf->path.size();
    CX_ASSERT(total % 2 == 0);
    Bytes full(total / 2, 0);
    for (size_t i = 0; i < total; ++i) {
      const uint8_t nib = i < depth ? changes[0].at(i) : leaf->path[i - depth];
      full[i / 2] = static_cast<uint8_t>(full[i / 2] | ((i & 1) ? nib : nib << 4));
    }
    const Change existing{full, &leaf->value};
    std::vector<Change> merged;
    merged.reserve(changes.size() + 1);
    bool placed = false;
    for (const auto& c : changes) {
      if (!placed) {
        const int cmp = compare_keys(existing.key, c.key);
        if (cmp <= 0) placed = true;
        if (cmp < 0) merged.push_back(existing);
      }
      merged.push_back(c);
    }
    if (!placed) merged.push_back(existing);
    return build(depth, merged);
  }

  Sub update_extension(std::unique_ptr<Draft> ext, size_t depth, std::span<const Change> changes) {
    const Nibbles& path = ext->path;
    // Sorted input: the shortest match with the path is at the first or the last change.
    const size_t shared = std::min(common_prefix(changes.front(), depth, path), common_prefix(changes.back(), depth, path));
    if (shared == path.size()) {
      Sub child = update(std::move(ext->child), depth + path.size(), changes);
      return make_extension(std::move(ext->path), std::move(child));
    }
    // Some change leaves the path at `shared`: split there into a branch holding the rest of the
    // extension under its next nibble, then let the branch take the changes.
    auto branch = std::make_unique<Draft>();
    branch->kind = NodeKind::kBranch;
    const uint8_t nib = path[shared];
    if (shared + 1 == path.size()) {
      branch->children[nib] = std::move(ext->child);
    } else {
      Nibbles rest(path.begin() + static_cast<ptrdiff_t>(shared) + 1, path.end());
      branch->children[nib] = Sub::of(new_extension(std::move(rest), std::move(ext->child)));
    }
    Sub result = update_branch(std::move(branch), depth + shared, changes);
    return make_extension(Nibbles(path.begin(), path.begin() + static_cast<ptrdiff_t>(shared)), std::move(result));
  }

  Sub update_branch(std::unique_ptr<Draft> branch, size_t depth, std::span<const Change> changes) {
    size_t i = 0;
    if (changes[0].nibbles() == depth) {
      branch->has_value = changes[0].value != nullptr;
      branch->value = changes[0].value ? *changes[0].value : Bytes{};
      i = 1;
    }
    while (i < changes.size()) {
      CX_ASSERT(changes[i].nibbles() > depth);
      const uint8_t nib = changes[i].at(depth);
      size_t j = i + 1;
      while (j < changes.size() && changes[j].at(depth) == nib) ++j;
      branch->children[nib] = update(std::move(branch->children[nib]), depth + 1, changes.subspan(i, j - i));
      i = j;
    }
    return finish_branch(std::move(branch));
  }

  // Restores the branch invariant (>= 2 entries) after children or the value changed.
  Sub finish_branch(std::unique_ptr<Draft> branch) {
    size_t count = 0;
    unsigned only = 0;
    for (unsigned i = 0; i < 16; ++i) {
      if (!branch->children[i].empty()) {
        ++count;
        only = i;
      }
    }
    if (count == 0) {
      if (!branch->has_value) return {};
      return Sub::of(new_leaf({}, branch->value));
    }
    if (count == 1 && !branch->has_value) {
      return make_extension(Nibbles{static_cast<uint8_t>(only)}, std::move(branch->children[only]));
    }
    return Sub::of(std::move(branch));
  }

  // `path` followed by `child`, in canonical form: paths of leaf and extension children absorb it.
  Sub make_extension(Nibbles path, Sub child) {
    if (child.empty()) return {};
    if (path.empty()) return child;
    if (kind_of(child) == NodeKind::kBranch) return Sub::of(new_extension(std::move(path), std::move(child)));
    auto d = take_draft(std::move(child));
    path.insert(path.end(), d->path.begin(), d->path.end());
    d->path = std::move(path);
    return Sub::of(std::move(d));
  }

  const Loader& m_load;
};

// ---------------------------------------------------------------------------------------------------

class WorldStateImpl;

class ReaderAt final : public StateReader {
 public:
  ReaderAt(const WorldStateImpl& ws, const Hash32& root) : m_ws(ws), m_root(root) {}
  std::optional<Bytes> get(BytesView key) const override;

 private:
  const WorldStateImpl& m_ws;
  Hash32 m_root;
};

class WorldStateImpl final : public WorldState {
 public:
  WorldStateImpl(storage::KvStore& kv, const WorldStateOptions& options)
      : m_kv(kv), m_cache(options.node_cache_entries) {
    CX_ASSERT_MSG(kv.schema().contains(kTrieNodesColumn), "the world state's store lacks the trie nodes column");
  }

  std::optional<Bytes> get(const Hash32& root, BytesView key) const override {
    CX_ASSERT(key.size() <= kMaxKeyBytes);
    if (root == empty_root()) return std::nullopt;
    NodePtr node = lookup(root);
    size_t depth = 0;
    while (true) {
      switch (node->kind) {
        case NodeKind::kLeaf:
          if (!path_is_rest(key, depth, node->path)) return std::nullopt;
          return node->value;
        case NodeKind::kExtension:
          if (!path_is_prefix(key, depth, node->path)) return std::nullopt;
          depth += node->path.size();
          node = lookup(node->extension_child());
          break;
        case NodeKind::kBranch: {
          if (depth == key.size() * 2) {
            if (!node->has_value) return std::nullopt;
            return node->value;
          }
          const uint8_t nib = nibble_at(key, depth);
          if (!node->has_child(nib)) return std::nullopt;
          ++depth;
          node = lookup(node->child(nib));
          break;
        }
      }
    }
  }

  std::unique_ptr<StateReader> reader_at(const Hash32& root) const override {
    return std::make_unique<ReaderAt>(*this, root);
  }

  Hash32 apply(const Hash32& base_root, const StateChanges& changes) override {
    MutexLock writer(m_writer);
    std::vector<Change> list;
    list.reserve(changes.size());
    for (const auto& [key, value] : changes) {
      CX_ASSERT(key.size() <= kMaxKeyBytes);
      CX_ASSERT(!value || value->size() <= std::numeric_limits<uint32_t>::max());
      list.push_back(Change{key, value ? &*value : nullptr});
    }
    // Lookups here take the shared lock only per node, so readers proceed during the update; the
    // writer mutex guarantees nobody else changes m_pending meanwhile.
    const Updater::Loader load = [this](const Hash32& h) { return lookup(h); };
    Updater updater(load);
    Sub base = base_root == empty_root() ? Sub{} : Sub::of(base_root);
    Sub result = updater.update(std::move(base), 0, list);
    if (result.empty()) return empty_root();
    std::vector<NewNode> fresh;
    const Hash32 root = updater.finalize(result, fresh);
    if (!fresh.empty()) {
      // Into the cache as well, so that lookup() finds recent and old nodes alike with one probe.
      // The cache may evict them; m_pending keeps them until they are persisted or discarded.
      for (const auto& n : fresh) m_cache.put(n.hash, n.node);
      WriterLock lock(m_mutex);
      for (auto& n : fresh) m_pending.try_emplace(n.hash, Pending{std::move(n.node), std::move(n.encoding)});
    }
    return root;
  }

  void stage_commit(const Hash32& root, storage::WriteBatch& batch) const override {
    ReaderLock lock(m_mutex);
    // A node that is not pending is persisted, and a persisted node never points to a pending one (it
    // was persisted together with its whole subtree), so the walk stops at the first non-pending node.
    std::unordered_set<Hash32, FixedBytesHasher> seen;
    std::vector<Hash32> stack;
    if (root != empty_root()) stack.push_back(root);
    while (!stack.empty()) {
      const Hash32 h = stack.back();
      stack.pop_back();
      auto it = m_pending.find(h);
      if (it == m_pending.end() || !seen.insert(h).second) continue;
      batch.put(kTrieNodesColumn, h.view(), it->second.encoding);
      push_children(*it->second.node, stack);
    }
  }

  void on_persisted(const Hash32& root) override {
    MutexLock writer(m_writer);
    WriterLock lock(m_mutex);
    std::vector<Hash32> stack;
    if (root != empty_root()) stack.push_back(root);
    while (!stack.empty()) {
      const Hash32 h = stack.back();
      stack.pop_back();
      auto it = m_pending.find(h);
      if (it == m_pending.end()) continue;
      NodePtr node = std::move(it->second.node);
      m_pending.erase(it);
      push_children(*node, stack);
      m_cache.put(h, std::move(node));
    }
  }

  void discard_pending(const std::vector<Hash32>& keep) override {
    MutexLock writer(m_writer);
    WriterLock lock(m_mutex);
    std::unordered_set<Hash32, FixedBytesHasher> live;
    std::vector<Hash32> stack;
    for (const auto& r : keep) {
      if (r != empty_root()) stack.push_back(r);
    }
    while (!stack.empty()) {
      const Hash32 h = stack.back();
      stack.pop_back();
      auto it = m_pending.find(h);
      if (it == m_pending.end() || !live.insert(h).second) continue;
      push_children(*it->second.node, stack);
    }
    std::erase_if(m_pending, [&](const auto& entry) { return !live.contains(entry.first); });
  }

  std::vector<Bytes> prove(const Hash32& root, BytesView key) const override {
    CX_ASSERT(key.size() <= kMaxKeyBytes);
    std::vector<Bytes> proof;
    if (root == empty_root()) return proof;
    Hash32 next = root;
    size_t depth = 0;
    while (true) {
      const NodePtr node = lookup(next);
      // Encoding is canonical, so re-encoding a cached node reproduces the stored bytes.
      proof.push_back(detail::encode_node(*node));
      switch (node->kind) {
        case NodeKind::kLeaf:
          return proof;
        case NodeKind::kExtension:
          if (!path_is_prefix(key, depth, node->path)) return proof;
          depth += node->path.size();
          next = node->extension_child();
          break;
        case NodeKind::kBranch: {
          if (depth == key.size() * 2) return proof;
          const uint8_t nib = nibble_at(key, depth);
          if (!node->has_child(nib)) return proof;
          ++depth;
          next = node->child(nib);
          break;
        }
      }
    }
  }

 private:
  struct Pending {
    NodePtr node;
    Bytes encoding;  // kept for stage_commit, so committing never re-encodes
  };

  static void push_children(const Node& node, std::vector<Hash32>& stack) {
    if (node.kind != NodeKind::kLeaf) stack.insert(stack.end(), node.children.begin(), node.children.end());
  }

  // cache -> pending -> store. Nodes are content addressed, so the order only decides the cost: the
  // cache holds persisted and (unless evicted) pending nodes, so most lookups end at its one probe.
  // A node missing under a root we were asked about is corruption (or a caller reading a discarded
  // root): abort rather than answer wrongly.
  NodePtr lookup(const Hash32& hash) const {
    if (NodePtr cached = m_cache.get(hash)) return cached;
    {
      ReaderLock lock(m_mutex);
      auto it = m_pending.find(hash);
      if (it != m_pending.end()) return it->second.node;
    }
    auto read = m_kv.get(kTrieNodesColumn, hash.view());
    if (!read) fatal("state: reading trie node " + hash.hex() + " failed: " + read.message());
    if (!read->has_value()) fatal("state: trie node " + hash.hex() + " is missing from the store");
    auto decoded = detail::decode_node(**read);
    if (!decoded) fatal("state: trie node " + hash.hex() + " in the store does not decode");
    auto node = std::make_shared<const Node>(std::move(*decoded));
    m_cache.put(hash, node);
    return node;
  }

  storage::KvStore& m_kv;
  // Serialises the mutators (apply, on_persisted, discard_pending) with each other; taken before m_mutex.
  Mutex m_writer ACQUIRED_BEFORE(m_mutex);
  // Readers take it shared per node lookup; mutators take it exclusively only to publish or retire nodes.
  mutable SharedMutex m_mutex;
  std::unordered_map<Hash32, Pending, FixedBytesHasher> m_pending GUARDED_BY(m_mutex);
  mutable detail::NodeCache m_cache;
};

std::optional<Bytes> ReaderAt::get(BytesView key) const { return m_ws.get(m_root, key); }

}  // namespace

std::unique_ptr<WorldState> make_world_state(storage::KvStore& kv, const WorldStateOptions& options) {
  return std::make_unique<WorldStateImpl>(kv, options);
}

bool verify_proof(const Hash32& root, BytesView key, const std::optional<Bytes>& value,
                  const std::vector<Bytes>& proof) {
  if (key.size() > kMaxKeyBytes) return false;
  if (root == empty_root()) return proof.empty() && !value;
  Hash32 expected = root;
  size_t depth = 0;
  for (size_t i = 0; i < proof.size(); ++i) {
    if (crypto::sha3_256(proof[i]) != expected) return false;
    const auto node = detail::decode_node(proof[i]);
    if (!node) return false;
    const bool last = i + 1 == proof.size();
    // Each case either descends (the proof must go on) or ends the lookup (the proof must end here).
    const Bytes* found = nullptr;
    switch (node->kind) {
      case NodeKind::kLeaf:
        if (path_is_rest(key, depth, node->path)) found = &node->value;
        return last && (found ? value && *value == *found : !value);
      case NodeKind::kExtension:
        if (!path_is_prefix(key, depth, node->path)) return last && !value;
        depth += node->path.size();
        expected = node->extension_child();
        break;
      case NodeKind::kBranch: {
        if (depth == key.size() * 2) {
          if (node->has_value) found = &node->value;
          return last && (found ? value && *value == *found : !value);
        }
        const uint8_t nib = nibble_at(key, depth);
        if (!node->has_child(nib)) return last && !value;
        ++depth;
        expected = node->child(nib);
        break;
      }
    }
  }
  return false;  // the proof ended before the lookup did
}

}  // namespace cx::state
