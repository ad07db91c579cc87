#include "state/world_state.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/random.hpp"
#include "crypto/hash.hpp"
#include "state/trie_node.hpp"

namespace cx::state {
namespace {

using Model = std::map<Bytes, Bytes>;

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The stores here hold the trie and, as a chain's store does, a column of another owner.
constexpr storage::ColumnDef kHeightColumn{"height"};
const storage::Schema kSchema{kTrieNodesColumn, kHeightColumn};

StateChanges puts(std::initializer_list<std::pair<std::string_view, std::string_view>> kvs) {
  StateChanges c;
  for (auto [k, v] : kvs) c[b(k)] = b(v);
  return c;
}

StateChanges all_of(const Model& m) {
  StateChanges c;
  for (const auto& [k, v] : m) c[k] = v;
  return c;
}

// The root a fresh trie gets for exactly `model`, built in one apply.
Hash32 fresh_root(const Model& m) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  return ws->apply(empty_root(), all_of(m));
}

void expect_matches(const WorldState& ws, const Hash32& root, const Model& model, const std::vector<Bytes>& probe) {
  for (const auto& k : probe) {
    auto it = model.find(k);
    auto got = ws.get(root, k);
    if (it == model.end()) {
      EXPECT_FALSE(got.has_value()) << "key " << to_hex(k);
    } else {
      ASSERT_TRUE(got.has_value()) << "key " << to_hex(k);
      EXPECT_EQ(*got, it->second) << "key " << to_hex(k);
    }
  }
}

// Keys drawn to exercise every node shape: short keys that prefix each other, the empty key, long
// keys sharing long prefixes, and 32-byte hash-like keys.
class KeyGen {
 public:
  explicit KeyGen(uint64_t seed) : m_rng(seed) {
    for (int i = 0; i < 24; ++i) m_prefixes.push_back(random_bytes(m_rng.below(5)));
    for (int i = 0; i < 400; ++i) m_universe.push_back(fresh_key());
  }
  const Bytes& key() { return m_universe[m_rng.below(m_universe.size())]; }
  Bytes value() {
    Bytes v = random_bytes(m_rng.below(3) == 0 ? 0 : 1 + m_rng.below(40));
    return v;
  }
  const std::vector<Bytes>& universe() const { return m_universe; }
  SeededRandom& rng() { return m_rng; }

 private:
  Bytes random_bytes(size_t n) {
    Bytes out(n);
    // A small alphabet makes shared nibbles (and so extensions and deep branches) common.
    for (auto& x : out) x = static_cast<uint8_t>(m_rng.below(4) == 0 ? m_rng.below(256) : 0x10 * m_rng.below(3) + m_rng.below(3));
    return out;
  }
  Bytes fresh_key() {
    switch (m_rng.below(4)) {
      case 0: return random_bytes(32);
      case 1: return random_bytes(m_rng.below(4));
      default: {
        Bytes k = m_prefixes[m_rng.below(m_prefixes.size())];
        const Bytes tail = random_bytes(m_rng.below(6));
        k.insert(k.end(), tail.begin(), tail.end());
        return k;
      }
    }
  }

  SeededRandom m_rng;
  std::vector<Bytes> m_prefixes;
  std::vector<Bytes> m_universe;
};

TEST(WorldState, EmptyRoot) {
  EXPECT_TRUE(empty_root().is_zero());
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  EXPECT_FALSE(ws->get(empty_root(), b("a")).has_value());
  EXPECT_EQ(ws->apply(empty_root(), {}), empty_root());
  StateChanges deletes;
  deletes[b("a")] = std::nullopt;
  deletes[b("")] = std::nullopt;
  EXPECT_EQ(ws->apply(empty_root(), deletes), empty_root());
  storage::WriteBatch batch;
  ws->stage_commit(empty_root(), batch);
  EXPECT_TRUE(batch.empty());
}

TEST(WorldState, SingleKeyRootIsHashOfItsLeaf) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  const Hash32 root = ws->apply(empty_root(), puts({{"\x12", "v"}}));
  detail::Node leaf;
  leaf.kind = detail::NodeKind::kLeaf;
  leaf.path = {0x1, 0x2};
  leaf.has_value = true;
  leaf.value = b("v");
  EXPECT_EQ(root, crypto::sha3_256(detail::encode_node(leaf)));
}

TEST(WorldState, InsertGetUpdateDelete) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  const Hash32 r1 = ws->apply(empty_root(), puts({{"alice", "10"}, {"bob", "20"}, {"", "root value"}}));
  EXPECT_NE(r1, empty_root());
  EXPECT_EQ(ws->get(r1, b("alice")), b("10"));
  EXPECT_EQ(ws->get(r1, b("bob")), b("20"));
  EXPECT_EQ(ws->get(r1, b("")), b("root value"));
  EXPECT_FALSE(ws->get(r1, b("carol")).has_value());
  EXPECT_FALSE(ws->get(r1, b("alic")).has_value());
  EXPECT_FALSE(ws->get(r1, b("alicex")).has_value());

  StateChanges c = puts({{"alice", "11"}, {"alic", "prefix"}, {"alicex", ""}});
  c[b("bob")] = std::nullopt;
  const Hash32 r2 = ws->apply(r1, c);
  EXPECT_EQ(ws->get(r2, b("alice")), b("11"));
  EXPECT_EQ(ws->get(r2, b("alic")), b("prefix"));
  EXPECT_EQ(ws->get(r2, b("alicex")), Bytes{});  // empty value is present
  EXPECT_FALSE(ws->get(r2, b("bob")).has_value());
  // The old root still reads the old values.
  EXPECT_EQ(ws->get(r1, b("alice")), b("10"));
  EXPECT_EQ(ws->get(r1, b("bob")), b("20"));
  // Reader objects read through one root.
  auto reader = ws->reader_at(r1);
  EXPECT_EQ(reader->get(b("alice")), b("10"));
  // Re-putting the same value changes nothing.
  EXPECT_EQ(ws->apply(r2, puts({{"alice", "11"}})), r2);
  EXPECT_EQ(ws->apply(r2, {}), r2);
  // Deleting an absent key changes nothing.
  StateChanges absent;
  absent[b("zzz")] = std::nullopt;
  absent[b("al")] = std::nullopt;
  EXPECT_EQ(ws->apply(r2, absent), r2);
  // The root is a function of the contents.
  EXPECT_EQ(r2, fresh_root({{b(""), b("root value")}, {b("alice"), b("11")}, {b("alic"), b("prefix")}, {b("alicex"), {}}}));
  EXPECT_NE(r1, r2);
}

TEST(WorldState, LongestKeysWork) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  Bytes k1(256, 0xab), k2(256, 0xab);
  k2.back() = 0xac;
  StateChanges c;
  c[k1] = b("one");
  c[k2] = b("two");
  const Hash32 r = ws->apply(empty_root(), c);
  EXPECT_EQ(ws->get(r, k1), b("one"));
  EXPECT_EQ(ws->get(r, k2), b("two"));
  EXPECT_TRUE(verify_proof(r, k1, b("one"), ws->prove(r, k1)));
}

TEST(WorldStateDeathTest, OversizeKeyIsABug) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  EXPECT_DEATH(ws->get(empty_root(), Bytes(257, 1)), "kMaxKeyBytes");
}

TEST(WorldStateDeathTest, StoreWithoutTheTrieColumnIsABug) {
  auto kv = storage::make_memory_store({kHeightColumn});
  EXPECT_DEATH(make_world_state(*kv), "lacks the trie nodes column");
}

// Random operations against a std::map model. After every apply the root must equal the root of a
// fresh trie holding the model, so the root depends only on the contents, not on history or batching.
TEST(WorldState, RandomOpsMatchModelAndRootIsCanonical) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    KeyGen gen(seed);
    auto kv = storage::make_memory_store(kSchema);
    auto ws = make_world_state(*kv);
    Model model;
    Hash32 root = empty_root();
    std::vector<std::pair<Hash32, Model>> history;
    for (int round = 0; round < 60; ++round) {
      StateChanges changes;
      const size_t n = 1 + gen.rng().below(round % 7 == 0 ? 300 : 40);
      for (size_t i = 0; i < n; ++i) {
        const Bytes& k = gen.key();
        if (gen.rng().below(3) == 0) {
          changes[k] = std::nullopt;
        } else {
          changes[k] = gen.value();
        }
      }
      for (const auto& [k, v] : changes) {
        if (v) model[k] = *v; else model.erase(k);
      }
      root = ws->apply(root, changes);
      ASSERT_EQ(root, fresh_root(model)) << "round " << round;
      ASSERT_EQ(root == empty_root(), model.empty());
      history.emplace_back(root, model);
    }
    expect_matches(*ws, root, model, gen.universe());
    // Every earlier root still reads its own contents.
    for (size_t i = 0; i < history.size(); i += 7) expect_matches(*ws, history[i].first, history[i].second, gen.universe());
  }
}

TEST(WorldState, RootIndependentOfBatching) {
  KeyGen gen(42);
  Model model;
  for (int i = 0; i < 3000; ++i) model[gen.key()] = gen.value();
  const Hash32 expected = fresh_root(model);

  // The same contents reached through many small batches, in a shuffled order, with detours
  // (keys put and deleted again, values overwritten).
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  std::vector<std::pair<Bytes, Bytes>> entries(model.begin(), model.end());
  for (size_t i = entries.size(); i > 1; --i) std::swap(entries[i - 1], entries[gen.rng().below(i)]);
  Hash32 root = empty_root();
  size_t pos = 0;
  while (pos < entries.size()) {
    StateChanges batch;
    const size_t n = 1 + gen.rng().below(50);
    for (size_t i = 0; i < n && pos < entries.size(); ++i, ++pos) batch[entries[pos].first] = b("temporary");
    root = ws->apply(root, batch);
    StateChanges extra;
    extra[b("detour")] = b("x");
    extra[Bytes(32, 0x77)] = b("y");
    root = ws->apply(root, extra);
    extra[b("detour")] = std::nullopt;
    extra[Bytes(32, 0x77)] = std::nullopt;
    root = ws->apply(root, extra);
  }
  for (size_t start = 0; start < entries.size(); start += 700) {
    StateChanges batch;
    for (size_t i = start; i < std::min(entries.size(), start + 700); ++i) batch[entries[i].first] = entries[i].second;
    root = ws->apply(root, batch);
  }
  EXPECT_EQ(root, expected);
  expect_matches(*ws, root, model, gen.universe());
}

TEST(WorldState, DeletingEverythingGivesEmptyRoot) {
  KeyGen gen(7);
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  Model model;
  for (int i = 0; i < 500; ++i) model[gen.key()] = gen.value();
  Hash32 root = ws->apply(empty_root(), all_of(model));
  // Delete in several batches, the last one also deleting absent keys.
  std::vector<Bytes> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  // Delete all but the last key in batches, then the rest together with absent keys.
  for (size_t i = 0; i + 1 < keys.size(); i += 37) {
    StateChanges del;
    for (size_t j = i; j < std::min(keys.size() - 1, i + 37); ++j) del[keys[j]] = std::nullopt;
    root = ws->apply(root, del);
    EXPECT_NE(root, empty_root());
  }
  EXPECT_EQ(root, fresh_root({{keys.back(), model[keys.back()]}}));
  StateChanges rest;
  for (const auto& k : gen.universe()) rest[k] = std::nullopt;
  root = ws->apply(root, rest);
  EXPECT_EQ(root, empty_root());
}

// ---------------------------------------------------------------------------------------------------
// Persistence through a KvStore: the memory store and RocksDB in a temporary directory.

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cx_state_XXXXXX").string();
    CX_ASSERT(mkdtemp(tmpl.data()) != nullptr);
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  std::string path() const { return (m_path / "db").string(); }

 private:
  std::filesystem::path m_path;
};

enum class StoreKind { kMemory, kRocks };

class PersistenceTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  std::unique_ptr<storage::KvStore> open() {
    if (GetParam() == StoreKind::kMemory) {
      if (!m_memory) m_memory = storage::make_memory_store(kSchema);
      return nullptr;  // the memory store lives in m_memory across "reopens"
    }
    if (!m_dir) m_dir = std::make_unique<TempDir>();  // only RocksDB runs need a directory
    auto r = storage::open_rocksdb(m_dir->path(), kSchema);
    CX_ASSERT_MSG(r.is_ok(), r.message().c_str());
    return std::move(r.value());
  }
  storage::KvStore& store(std::unique_ptr<storage::KvStore>& opened) { return opened ? *opened : *m_memory; }

  std::unique_ptr<TempDir> m_dir;
  std::unique_ptr<storage::KvStore> m_memory;
};

size_t count_ops(const storage::WriteBatch& batch) { return batch.size(); }

TEST_P(PersistenceTest, CommittedRootsReadableFromNewWorldState) {
  KeyGen gen(99);
  std::vector<std::pair<Hash32, Model>> history;
  {
    auto opened = open();
    auto& kv = store(opened);
    auto ws = make_world_state(kv);
    Model model;
    Hash32 root = empty_root();
    for (int height = 0; height < 20; ++height) {
      StateChanges changes;
      for (int i = 0; i < 60; ++i) {
        const Bytes& k = gen.key();
        if (gen.rng().below(4) == 0) changes[k] = std::nullopt; else changes[k] = gen.value();
      }
      for (const auto& [k, v] : changes) {
        if (v) model[k] = *v; else model.erase(k);
      }
      root = ws->apply(root, changes);
      // Pending state is readable before it is committed.
      expect_matches(*ws, root, model, gen.universe());
      storage::WriteBatch batch;
      ws->stage_commit(root, batch);
      batch.put(kHeightColumn, as_bytes("height"), as_bytes(std::to_string(height)));
      ASSERT_TRUE(kv.write(batch, storage::Durability::kSync).is_ok());
      ws->on_persisted(root);
      // Nothing reachable from a persisted root is pending any more.
      storage::WriteBatch again;
      ws->stage_commit(root, again);
      EXPECT_TRUE(again.empty());
      history.emplace_back(root, model);
    }
  }
  auto opened = open();
  auto& kv = store(opened);
  WorldStateOptions no_cache;
  no_cache.node_cache_entries = 0;
  for (const auto& options : {WorldStateOptions{}, no_cache}) {
    auto ws = make_world_state(kv, options);
    for (const auto& [root, model] : history) expect_matches(*ws, root, model, gen.universe());
    // Proofs come from persisted nodes as well.
    const auto& [root, model] = history.back();
    for (const auto& k : gen.universe()) {
      auto it = model.find(k);
      const std::optional<Bytes> v = it == model.end() ? std::nullopt : std::optional<Bytes>(it->second);
      ASSERT_TRUE(verify_proof(root, k, v, ws->prove(root, k)));
    }
  }
}

TEST_P(PersistenceTest, ChainedUncommittedRootsCommitInOrder) {
  // Block N+1 executes on block N's uncommitted root; committing N then N+1 writes each node once.
  auto opened = open();
  auto& kv = store(opened);
  auto ws = make_world_state(kv);
  const Hash32 r1 = ws->apply(empty_root(), puts({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  const Hash32 r2 = ws->apply(r1, puts({{"a", "1b"}, {"d", "4"}}));
  storage::WriteBatch b1, b2_before;
  ws->stage_commit(r1, b1);
  ws->stage_commit(r2, b2_before);
  ASSERT_TRUE(kv.write(b1, storage::Durability::kSync).is_ok());
  ws->on_persisted(r1);
  storage::WriteBatch b2;
  ws->stage_commit(r2, b2);
  // r2 shares the leaves "b" and "c" with r1: once r1 is persisted they are not written again.
  EXPECT_LT(count_ops(b2), count_ops(b2_before));
  EXPECT_FALSE(b2.empty());
  ASSERT_TRUE(kv.write(b2, storage::Durability::kSync).is_ok());
  ws->on_persisted(r2);
  auto fresh = make_world_state(kv);
  EXPECT_EQ(fresh->get(r1, b("a")), b("1"));
  EXPECT_EQ(fresh->get(r2, b("a")), b("1b"));
  EXPECT_EQ(fresh->get(r2, b("c")), b("3"));
  EXPECT_EQ(fresh->get(r2, b("d")), b("4"));
}

TEST_P(PersistenceTest, DiscardPendingDropsAbandonedForks) {
  auto opened = open();
  auto& kv = store(opened);
  auto ws = make_world_state(kv);
  const Hash32 base = ws->apply(empty_root(), puts({{"a", "1"}, {"b", "2"}}));
  const Hash32 fork_a = ws->apply(base, puts({{"c", "from a"}}));
  const Hash32 fork_b = ws->apply(base, puts({{"c", "from b"}, {"e", "5"}}));
  storage::WriteBatch before;
  ws->stage_commit(fork_b, before);
  EXPECT_FALSE(before.empty());

  ws->discard_pending({base, fork_a});
  // The kept roots are intact (including subtrees fork_b shared with them); fork_b's own nodes are gone.
  EXPECT_EQ(ws->get(fork_a, b("c")), b("from a"));
  EXPECT_EQ(ws->get(base, b("a")), b("1"));
  storage::WriteBatch b_after;
  ws->stage_commit(fork_b, b_after);
  EXPECT_TRUE(b_after.empty());

  storage::WriteBatch batch;
  ws->stage_commit(fork_a, batch);
  ASSERT_TRUE(kv.write(batch, storage::Durability::kSync).is_ok());
  ws->on_persisted(fork_a);
  ws->discard_pending({});
  auto fresh = make_world_state(kv);
  EXPECT_EQ(fresh->get(fork_a, b("c")), b("from a"));
  EXPECT_EQ(fresh->get(fork_a, b("b")), b("2"));
  // The discarded fork's own nodes were never written, so reading it is a missing-node abort. Checked
  // on the memory store only: a death test's child aborts without cleaning up a RocksDB directory.
  // "threadsafe" re-executes the test instead of forking: earlier RocksDB tests leave pool threads.
  if (GetParam() == StoreKind::kMemory) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(fresh->get(fork_b, b("c")), "missing");
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, PersistenceTest, ::testing::Values(StoreKind::kMemory, StoreKind::kRocks),
                         [](const auto& info) { return info.param == StoreKind::kMemory ? "Memory" : "RocksDB"; });

// ---------------------------------------------------------------------------------------------------
// Proofs.

TEST(WorldStateProof, InclusionAndExclusion) {
  KeyGen gen(5);
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  Model model;
  for (int i = 0; i < 200; ++i) model[gen.key()] = gen.value();
  const Hash32 root = ws->apply(empty_root(), all_of(model));
  size_t present = 0, absent = 0;
  for (const auto& k : gen.universe()) {
    const auto proof = ws->prove(root, k);
    ASSERT_FALSE(proof.empty());
    auto it = model.find(k);
    if (it != model.end()) {
      ++present;
      EXPECT_TRUE(verify_proof(root, k, it->second, proof));
      EXPECT_FALSE(verify_proof(root, k, std::nullopt, proof));
      Bytes wrong = it->second;
      wrong.push_back(0);
      EXPECT_FALSE(verify_proof(root, k, wrong, proof));
    } else {
      ++absent;
      EXPECT_TRUE(verify_proof(root, k, std::nullopt, proof));
      EXPECT_FALSE(verify_proof(root, k, b("anything"), proof));
    }
    // Against another root, or with a node missing or added, the proof fails.
    EXPECT_FALSE(verify_proof(empty_root(), k, std::nullopt, proof));
    auto shorter = proof;
    shorter.pop_back();
    EXPECT_FALSE(verify_proof(root, k, it == model.end() ? std::nullopt : std::optional<Bytes>(it->second), shorter));
    auto longer = proof;
    longer.push_back(proof.back());
    EXPECT_FALSE(verify_proof(root, k, it == model.end() ? std::nullopt : std::optional<Bytes>(it->second), longer));
  }
  EXPECT_GT(present, 50u);
  EXPECT_GT(absent, 50u);
}

TEST(WorldStateProof, TamperedNodeFails) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  const Hash32 root = ws->apply(empty_root(), puts({{"alpha", "1"}, {"alps", "2"}, {"beta", "3"}}));
  auto proof = ws->prove(root, b("alpha"));
  ASSERT_GE(proof.size(), 2u);
  ASSERT_TRUE(verify_proof(root, b("alpha"), b("1"), proof));
  // Change the value inside the leaf: the leaf no longer hashes to what its parent commits to.
  auto tampered = proof;
  tampered.back().back() ^= 1;
  EXPECT_FALSE(verify_proof(root, b("alpha"), b("0"), tampered));
  EXPECT_FALSE(verify_proof(root, b("alpha"), b("1"), tampered));
  // Flip a byte in every position of the root node.
  for (size_t i = 0; i < proof[0].size(); ++i) {
    auto t = proof;
    t[0][i] ^= 0x80;
    EXPECT_FALSE(verify_proof(root, b("alpha"), b("1"), t)) << i;
  }
  // A proof for a different key does not prove this one.
  EXPECT_FALSE(verify_proof(root, b("alpha"), b("2"), ws->prove(root, b("alps"))));
}

TEST(WorldStateProof, EmptyTrie) {
  auto kv = storage::make_memory_store(kSchema);
  auto ws = make_world_state(*kv);
  const auto proof = ws->prove(empty_root(), b("x"));
  EXPECT_TRUE(proof.empty());
  EXPECT_TRUE(verify_proof(empty_root(), b("x"), std::nullopt, proof));
  EXPECT_FALSE(verify_proof(empty_root(), b("x"), b("v"), proof));
}

// ---------------------------------------------------------------------------------------------------

TEST(WorldState, ConcurrentReadersDuringApplyAndCommit) {
  auto kv = storage::make_memory_store(kSchema);
  WorldStateOptions options;
  options.node_cache_entries = 64;  // small, so readers also go to the store and evict
  auto ws = make_world_state(*kv, options);
  KeyGen gen(11);
  Model model;
  for (int i = 0; i < 300; ++i) model[gen.key()] = gen.value();
  const Hash32 stable = ws->apply(empty_root(), all_of(model));
  storage::WriteBatch batch;
  ws->stage_commit(stable, batch);
  ASSERT_TRUE(kv->write(batch, storage::Durability::kSync).is_ok());
  ws->on_persisted(stable);

  std::atomic<bool> stop{false};
  std::atomic<size_t> mismatches{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        for (const auto& [k, v] : model) {
          if (ws->get(stable, k) != v) ++mismatches;
        }
      }
    });
  }
  Hash32 root = stable;
  KeyGen writes(12);
  for (int height = 0; height < 30; ++height) {
    StateChanges changes;
    for (int i = 0; i < 100; ++i) changes[writes.key()] = writes.value();
    root = ws->apply(root, changes);
    storage::WriteBatch b;
    ws->stage_commit(root, b);
    ASSERT_TRUE(kv->write(b, storage::Durability::kNoSync).is_ok());
    ws->on_persisted(root);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(mismatches.load(), 0u);
}

}  // namespace
}  // namespace cx::state
