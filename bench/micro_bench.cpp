// Microbenchmarks of the per-tx hot path (Google Benchmark). Run: ./build/cx_microbench
// They say where a committed transfer's CPU time goes; they assert nothing.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "acore/acore.hpp"
#include "codec/icon_serialize.hpp"
#include "core/test_tx.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "executor/pool.hpp"
#include "state/world_state.hpp"
#include "storage/kv_store.hpp"

using namespace cx;
using namespace cx::core::testing;

namespace {

// Columns shaped like a channel's block store (the benchmarks link no channel code).
constexpr storage::ColumnDef kMetaColumn{"meta"};
constexpr storage::ColumnDef kBlocksColumn{"blocks"};
constexpr storage::ColumnDef kHeightIndexColumn{"height_index"};
constexpr storage::ColumnDef kTxIndexColumn{"tx_index"};
constexpr storage::ColumnDef kResultsColumn{"results"};
const storage::Schema kChainSchema{kMetaColumn, kBlocksColumn, kHeightIndexColumn, kTxIndexColumn, kResultsColumn,
                                   state::kTrieNodesColumn};

core::ChainParams params_with(size_t accounts) {
  core::ChainParams p;
  p.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
  for (size_t i = 0; i < accounts; ++i) {
    crypto::PrivateKey k;
    k.bytes[0] = 1;
    k.bytes[28] = static_cast<uint8_t>(i >> 16);
    k.bytes[29] = static_cast<uint8_t>(i >> 8);
    k.bytes[30] = static_cast<uint8_t>(i);
    p.accounts.push_back({address_of(k), *Uint256::from_dec("1000000000000000000000000")});
  }
  return p;
}

TxSpec spec(uint64_t nonce) {
  TxSpec s;
  s.to = address_of(test_key(9));
  s.nonce = nonce;
  return s;
}

// SHA3-256 of `bytes` bytes. 32 bytes (a trie node key, a hash of hashes) is one Keccak-f[1600]
// permutation and little else; 200 bytes (a serialized transfer) is two; 1 KiB is seven whole
// blocks and a tail, so it shows the absorption of whole lanes.
void sha3_256_of_size(benchmark::State& st, size_t bytes) {
  Bytes data(bytes, 0x5a);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::sha3_256(data));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
}
void BM_Sha3_256_32B(benchmark::State& st) { sha3_256_of_size(st, 32); }
void BM_Sha3_256_200B(benchmark::State& st) { sha3_256_of_size(st, 200); }
void BM_Sha3_256_1KB(benchmark::State& st) { sha3_256_of_size(st, 1024); }
BENCHMARK(BM_Sha3_256_32B);
BENCHMARK(BM_Sha3_256_200B);
BENCHMARK(BM_Sha3_256_1KB);

void BM_SignatureRecover(benchmark::State& st) {
  Hash32 h = crypto::sha3_256(as_bytes("complexchain"));
  auto sig = crypto::sign(h, test_key(1));
  for (auto _ : st) benchmark::DoNotOptimize(crypto::recover(h, sig));
}
BENCHMARK(BM_SignatureRecover);

void BM_TxJsonParseAndHash(benchmark::State& st) {
  std::string json = boost::json::serialize(signed_params(test_key(1), spec(1)));
  for (auto _ : st) benchmark::DoNotOptimize(core::parse_transaction_json(json));
}
BENCHMARK(BM_TxJsonParseAndHash);

void BM_TxVerifySignature(benchmark::State& st) {
  auto tx = signed_tx(test_key(1), spec(1));
  for (auto _ : st) benchmark::DoNotOptimize(core::verify_signature(*tx));
}
BENCHMARK(BM_TxVerifySignature);

// Execution plus the trie update of one block of `range(0)` transfers among 10,000 accounts.
void BM_ApplyBlockTransfers(benchmark::State& st) {
  auto kv = storage::make_memory_store({state::kTrieNodesColumn});
  auto ws = state::make_world_state(*kv);
  auto p = params_with(200);
  Hash32 root = ws->apply(state::empty_root(), execution::genesis_changes(p));
  std::vector<core::TxPtr> txs;
  for (int64_t i = 0; i < st.range(0); ++i) {
    crypto::PrivateKey k;
    k.bytes[0] = 1;
    k.bytes[30] = static_cast<uint8_t>(i % 200);
    TxSpec s;
    s.to = address_of(test_key(static_cast<uint8_t>(i % 250)));
    s.nonce = static_cast<uint64_t>(i);
    txs.push_back(signed_tx(k, s));
  }
  execution::BlockContext ctx{&p, 1, 1'700'000'000'000'000};
  for (auto _ : st) {
    auto reader = ws->reader_at(root);
    auto out = execution::apply_block(*reader, ctx, txs);
    benchmark::DoNotOptimize(ws->apply(root, out.changes));
    ws->discard_pending({root});
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_ApplyBlockTransfers)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond);

// A Lua program with every method callable (on_install too), as a deploy would run it.
class LuaAtAddress final : public contracts::Contract, public acore::ProgramHolder {
 public:
  explicit LuaAtAddress(acore::ProgramPtr p) : m_program(std::move(p)) {}
  const acore::ProgramPtr& program() const override { return m_program; }
  std::string_view name() const override { return "irc2"; }
  std::span<const contracts::MethodAbi> abi() const override { return m_program->methods(); }
  contracts::CallResult call(contracts::Host& host, size_t method, const boost::json::value& params) const override {
    return acore::invoke(*m_program, host, method, params);
  }

 private:
  acore::ProgramPtr m_program;
};

core::TxPtr signed_call(const crypto::PrivateKey& key, const core::Address& to, std::string_view method,
                        boost::json::object params, uint64_t nonce) {
  TxSpec s;
  s.to = to;
  s.value = 0;
  s.step_limit = 1'000'000;
  s.nonce = nonce;
  auto p = signed_params(key, s);
  p.erase("signature");
  p["dataType"] = "call";
  p["data"] = boost::json::object{{"method", method}, {"params", std::move(params)}};
  Hash32 h = crypto::sha3_256(as_bytes(codec::icon_tx_serialization(p)));
  p["signature"] = crypto::base64_encode(crypto::sign(h, key).view());
  return std::make_shared<const core::Transaction>(std::get<core::Transaction>(core::parse_transaction(p)));
}

// One block of `range(0)` IRC2 transfer calls (examples/contracts/irc2) from one holder to 250
// accounts, with the trie update: compare with BM_ApplyBlockTransfers of the same size (issue 14 asks
// for at least half its rate).
void BM_AcoreIrc2Transfer(benchmark::State& st) {
  std::ifstream in(std::string(CX_SOURCE_DIR) + "/examples/contracts/irc2/main.lua");
  std::stringstream source;
  source << in.rdbuf();
  auto compiled = acore::compile(acore::Package{{{"main.lua", source.str()}}});
  if (!std::holds_alternative<acore::ProgramPtr>(compiled)) return st.SkipWithError("irc2 does not compile");
  contracts::Registry registry = contracts::make_native_registry();
  const auto token = *core::Address::parse("cx00000000000000000000000000000000000000c2");
  registry.add_native(token, std::make_shared<LuaAtAddress>(std::get<acore::ProgramPtr>(compiled)));

  auto kv = storage::make_memory_store({state::kTrieNodesColumn});
  auto ws = state::make_world_state(*kv);
  auto p = params_with(200);
  Hash32 root = ws->apply(state::empty_root(), execution::genesis_changes(p));
  crypto::PrivateKey holder;
  holder.bytes[0] = 1;
  execution::BlockContext ctx{&p, 1, 1'700'000'000'000'000, &registry};
  {
    auto reader = ws->reader_at(root);
    auto out = execution::apply_block(*reader, ctx, {signed_call(holder, token, "on_install",
                                                                 {{"_name", "Bench"}, {"_symbol", "B"},
                                                                  {"_decimals", "0x12"}, {"_initialSupply", "0xf4240"}},
                                                                 0)});
    if (!out.receipts[0].success) return st.SkipWithError(out.receipts[0].failure->message.c_str());
    root = ws->apply(root, out.changes);
  }
  std::vector<core::TxPtr> txs;
  for (int64_t i = 0; i < st.range(0); ++i)
    txs.push_back(signed_call(holder, token, "transfer",
                              {{"_to", address_of(test_key(static_cast<uint8_t>(i % 250))).to_string()}, {"_value", "0x1"}},
                              static_cast<uint64_t>(i + 1)));
  ctx.height = 2;
  for (auto _ : st) {
    auto reader = ws->reader_at(root);
    auto out = execution::apply_block(*reader, ctx, txs);
    if (!out.receipts[0].success) return st.SkipWithError(out.receipts[0].failure->message.c_str());
    benchmark::DoNotOptimize(ws->apply(root, out.changes));
    ws->discard_pending({root});
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_AcoreIrc2Transfer)->Arg(1000)->Unit(benchmark::kMillisecond);

// The same block with every Lua invoke in an ACORE executor process (docs/executor.md), as a node
// runs it; round_trips_per_tx counts the node's waits on the executor.
// executor_cpu_ms is the executor process's CPU per block (its rusage once reaped), on top of the
// node's CPU that the benchmark's CPU column shows.
void BM_AcoreIrc2TransferExecutor(benchmark::State& st) {
  rusage before{};
  getrusage(RUSAGE_CHILDREN, &before);
  executor::PoolStats s;
  {
    executor::PoolOptions o;
    o.processes = 1;
    o.executable = CX_EXECUTABLE;
    executor::ExecutorPool pool(o);
    acore::set_invoke_backend(&pool);
    BM_AcoreIrc2Transfer(st);
    acore::set_invoke_backend(nullptr);
    s = pool.stats();
  }
  rusage after{};
  getrusage(RUSAGE_CHILDREN, &after);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  const double child_ms = ms(after.ru_utime) + ms(after.ru_stime) - ms(before.ru_utime) - ms(before.ru_stime);
  st.counters["executor_cpu_ms"] = child_ms / static_cast<double>(std::max<int64_t>(1, st.iterations()));
  const double txs = static_cast<double>(std::max<int64_t>(1, st.iterations())) * static_cast<double>(st.range(0));
  st.counters["round_trips_per_tx"] = static_cast<double>(s.round_trips) / txs;
  st.counters["planned_share"] = static_cast<double>(s.planned_used) / txs;
}
BENCHMARK(BM_AcoreIrc2TransferExecutor)->Arg(1000)->Unit(benchmark::kMillisecond);

// A validator's steady state: ~200,000 accounts already persisted (reads go through the node cache
// and storage, as in a node), and a block in which 2,000 distinct senders each pay a fresh receiver,
// so the state grows. Built once and shared by the benchmarks below.
struct LargeStateBlock {
  static constexpr size_t kAccounts = 200'000;
  static constexpr size_t kTxs = 2'000;

  std::unique_ptr<storage::KvStore> kv = storage::make_memory_store({state::kTrieNodesColumn});
  std::unique_ptr<state::WorldState> ws = state::make_world_state(*kv);
  core::ChainParams params;
  Hash32 root;
  std::vector<core::TxPtr> txs;

  LargeStateBlock() {
    params.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
    const Uint256 balance = *Uint256::from_dec("1000000000000000000000000");
    std::vector<crypto::PrivateKey> senders;
    for (size_t i = 0; i < kTxs; ++i) {
      crypto::PrivateKey k;
      k.bytes[0] = 2;
      k.bytes[29] = static_cast<uint8_t>(i >> 8);
      k.bytes[30] = static_cast<uint8_t>(i);
      senders.push_back(k);
      params.accounts.push_back({address_of(k), balance});
    }
    // The other accounts get addresses spread over the key space like real ones (hashes).
    for (size_t i = params.accounts.size(); i < kAccounts; ++i)
      params.accounts.push_back({synthetic_address(0, i), balance});
    root = ws->apply(state::empty_root(), execution::genesis_changes(params));
    storage::WriteBatch batch;
    ws->stage_commit(root, batch);
    if (!kv->write(batch, storage::Durability::kNoSync).ok()) std::abort();
    ws->on_persisted(root);

    for (size_t i = 0; i < kTxs; ++i) {
      TxSpec s;
      s.to = synthetic_address(1, i);
      s.nonce = i;
      txs.push_back(signed_tx(senders[i], s));
    }
  }

  static core::Address synthetic_address(uint8_t domain, size_t n) {
    uint8_t seed[9] = {domain};
    for (int b = 0; b < 8; ++b) seed[1 + b] = static_cast<uint8_t>(n >> (8 * b));
    Hash32 h = crypto::sha3_256({seed, sizeof seed});
    core::Address a;
    std::memcpy(a.id.data(), h.data(), a.id.size());
    return a;
  }

  static LargeStateBlock& get() {
    static LargeStateBlock instance;
    return instance;
  }
};

// Execution alone (apply_block, which includes the receipts root), without the trie update.
void BM_ApplyBlockTransfersLargeState(benchmark::State& st) {
  auto& b = LargeStateBlock::get();
  execution::BlockContext ctx{&b.params, 1, 1'700'000'000'000'000};
  auto reader = b.ws->reader_at(b.root);
  for (auto _ : st) benchmark::DoNotOptimize(execution::apply_block(*reader, ctx, b.txs));
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(b.txs.size()));
}
BENCHMARK(BM_ApplyBlockTransfersLargeState)->Unit(benchmark::kMicrosecond);

// The receipts root of that block on its own (the part of apply_block that hashes receipts).
void BM_ReceiptsRootLargeState(benchmark::State& st) {
  auto& b = LargeStateBlock::get();
  execution::BlockContext ctx{&b.params, 1, 1'700'000'000'000'000};
  auto reader = b.ws->reader_at(b.root);
  const auto out = execution::apply_block(*reader, ctx, b.txs);
  for (auto _ : st) benchmark::DoNotOptimize(core::receipts_root(out.receipts));
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(out.receipts.size()));
}
BENCHMARK(BM_ReceiptsRootLargeState)->Unit(benchmark::kMicrosecond);

// A block commit's shape in RocksDB: a batch of 3,000 puts under random 32-byte keys (tx hashes,
// trie node hashes) into a store that already holds 300,000, written without fsync, so the cost is
// building the batch and inserting into the memtable skip list.
void BM_RocksWriteRandomKeys(benchmark::State& st) {
  const auto dir = std::filesystem::temp_directory_path() / ("cx-bench-rocks-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto kv = storage::open_rocksdb(dir.string(), kChainSchema);
  if (!kv) {
    st.SkipWithError(kv.message().c_str());
    return;
  }
  uint64_t counter = 0;
  const Bytes value(100, 0x42);
  auto write_batch = [&](size_t n) {
    storage::WriteBatch batch;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t c = counter++;
      const Hash32 key = crypto::sha3_256(BytesView(reinterpret_cast<const uint8_t*>(&c), sizeof c));
      batch.put(kTxIndexColumn, key.view(), value);
    }
    if (!kv.value()->write(batch, storage::Durability::kNoSync)) std::abort();
  };
  for (int i = 0; i < 100; ++i) write_batch(3000);
  for (auto _ : st) write_batch(3000);
  st.SetItemsProcessed(st.iterations() * 3000);
  kv.value().reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksWriteRandomKeys)->Unit(benchmark::kMillisecond);

// A block commit's shape over several columns: 2,000 txs, each with a tx index entry and ~4 new trie
// nodes (staged per column, as the chain store and the world state do), plus the block, its height
// index, its result and the meta entry; written without fsync into a store that keeps growing.
void BM_RocksWriteBlockCommit(benchmark::State& st) {
  const auto dir = std::filesystem::temp_directory_path() / ("cx-bench-commit-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto kv = storage::open_rocksdb(dir.string(), kChainSchema);
  if (!kv) {
    st.SkipWithError(kv.message().c_str());
    return;
  }
  uint64_t counter = 0, height = 0;
  const Bytes index_value(160, 0x17), node_value(120, 0x2a), block(200'000, 0x33), result(400, 0x44);
  storage::WriteBatch batch;
  auto commit = [&] {
    batch.clear();
    auto next_key = [&] {
      const uint64_t c = counter++;
      return crypto::sha3_256(BytesView(reinterpret_cast<const uint8_t*>(&c), sizeof c));
    };
    const Hash32 block_hash = next_key();
    const uint8_t h[8] = {0, 0, 0, 0, static_cast<uint8_t>(height >> 24), static_cast<uint8_t>(height >> 16),
                          static_cast<uint8_t>(height >> 8), static_cast<uint8_t>(height)};
    ++height;
    batch.put(kBlocksColumn, block_hash.view(), block);
    batch.put(kHeightIndexColumn, BytesView(h, 8), block_hash.view());
    for (int i = 0; i < 2000; ++i) batch.put(kTxIndexColumn, next_key().view(), index_value);
    batch.put(kResultsColumn, BytesView(h, 8), result);
    batch.put(kMetaColumn, as_bytes("last"), BytesView(h, 8));
    for (int i = 0; i < 8000; ++i) batch.put(state::kTrieNodesColumn, next_key().view(), node_value);
    if (!kv.value()->write(batch, storage::Durability::kNoSync)) std::abort();
  };
  for (int i = 0; i < 30; ++i) commit();
  for (auto _ : st) commit();
  st.SetItemsProcessed(st.iterations() * 10'004);
  kv.value().reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksWriteBlockCommit)->Unit(benchmark::kMillisecond);

// Point reads of 32-byte keys in a store of 300,000 (tx lookups), half of them misses.
void BM_RocksGet(benchmark::State& st) {
  const auto dir = std::filesystem::temp_directory_path() / ("cx-bench-get-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto kv = storage::open_rocksdb(dir.string(), kChainSchema);
  if (!kv) {
    st.SkipWithError(kv.message().c_str());
    return;
  }
  auto key_of = [](uint64_t c) { return crypto::sha3_256(BytesView(reinterpret_cast<const uint8_t*>(&c), sizeof c)); };
  const Bytes value(160, 0x42);
  for (uint64_t b = 0; b < 100; ++b) {
    storage::WriteBatch batch;
    for (uint64_t i = 0; i < 3000; ++i) batch.put(kTxIndexColumn, key_of(2 * (b * 3000 + i)).view(), value);
    if (!kv.value()->write(batch, storage::Durability::kNoSync)) std::abort();
  }
  std::vector<Hash32> keys;
  for (uint64_t i = 0; i < 4096; ++i) keys.push_back(key_of((i * 7919) % 600'000));
  size_t i = 0;
  for (auto _ : st) benchmark::DoNotOptimize(kv.value()->get(kTxIndexColumn, keys[i++ & 4095].view()));
  st.SetItemsProcessed(st.iterations());
  kv.value().reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksGet);

}  // namespace

BENCHMARK_MAIN();
