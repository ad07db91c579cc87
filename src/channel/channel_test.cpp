#include "channel/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "channel/chain_store.hpp"
#include "channel/genesis.hpp"
#include "channel/records.hpp"
#include "codec/binary.hpp"
#include "core/test_tx.hpp"
#include "state/world_state.hpp"
#include "storage/kv_store.hpp"

using namespace cx;
using namespace cx::core::testing;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  crypto::PrivateKey node_key = test_key(100);
  crypto::PrivateKey alice = test_key(1);
  crypto::PrivateKey bob = test_key(2);
  core::Address treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");

  channel::ChannelOptions options(const std::string& dir = "") {
    channel::ChannelOptions o;
    o.data_dir = dir;
    o.node_key = node_key;
    o.params.channel = "test";
    o.params.nid = 3;
    o.params.treasury = treasury;
    o.params.validators = {address_of(node_key)};
    o.params.block_interval_ms = 20;
    o.params.accounts = {{address_of(alice), icx(1000)}};
    o.mempool.verify_threads = 2;
    return o;
  }

  TxSpec transfer_to(const crypto::PrivateKey& to, uint64_t nonce, Uint256 value = icx(1)) {
    TxSpec s;
    s.to = address_of(to);
    s.value = value;
    s.nonce = nonce;
    s.timestamp_us = system_clock().now_us();
    return s;
  }
};

// The tx's lookup once committed, or an empty lookup (status kUnknown) after 10 s.
channel::TxLookup wait_committed(channel::ChannelApi& ch, const Hash32& h) {
  auto p = std::make_shared<std::promise<channel::TxLookup>>();
  auto f = p->get_future();
  auto id = ch.watch_tx(h, [p](const channel::TxLookup& l) { p->set_value(l); });
  if (f.wait_for(10s) != std::future_status::ready) {
    ch.unwatch_tx(id);
    ADD_FAILURE() << "tx 0x" << h.hex() << " not committed in 10 s";
    return {};
  }
  return f.get();
}

}  // namespace

TEST(Channel, TransfersCommitWithReceiptsFeesAndHistory) {
  Fixture fx;
  auto ch = channel::Channel::open(fx.options(), system_clock());
  ASSERT_TRUE(ch) << ch.message();
  auto& c = *ch.value();
  c.start();
  EXPECT_EQ(c.last_height(), 0u);
  EXPECT_EQ(*c.total_supply(std::nullopt), icx(1000));

  auto params = signed_params(fx.alice, fx.transfer_to(fx.bob, 1, icx(5)));
  auto sub = c.submit_tx(params);
  ASSERT_FALSE(sub.rejection) << sub.rejection->detail;
  // Submitting the same tx again is a duplicate whether it is still pending or already in a block.
  auto dup = c.submit_tx(params);
  ASSERT_TRUE(dup.rejection);
  EXPECT_EQ(dup.rejection->reason, core::TxReject::kDuplicate);

  auto l = wait_committed(c, sub.hash);
  ASSERT_EQ(l.status, channel::TxStatus::kCommitted);
  ASSERT_TRUE(l.receipt);
  EXPECT_TRUE(l.receipt->success);
  EXPECT_EQ(l.receipt->step_used, Uint256(100000));
  ASSERT_EQ(l.receipt->logs.size(), 1u);
  EXPECT_EQ(l.receipt->logs[0].indexed[0], "ICXTransfer(Address,Address,int)");

  Uint256 fee = *Uint256(100000).checked_mul(c.params().step_price);
  EXPECT_EQ(*c.balance(address_of(fx.bob), std::nullopt), icx(5));
  EXPECT_EQ(*c.balance(fx.treasury, std::nullopt), fee);
  EXPECT_EQ(*c.balance(address_of(fx.alice), std::nullopt), *icx(995).checked_sub(fee));
  EXPECT_EQ(*c.total_supply(std::nullopt), icx(1000));
  // History: at genesis bob had nothing.
  EXPECT_EQ(*c.balance(address_of(fx.bob), 0), Uint256(0));
  EXPECT_FALSE(c.balance(address_of(fx.bob), c.last_height() + 100));
  auto replay = c.submit_tx(params);
  ASSERT_TRUE(replay.rejection);
  EXPECT_EQ(replay.rejection->reason, core::TxReject::kDuplicate);

  auto blk = c.block_by_height(l.height);
  ASSERT_TRUE(blk);
  EXPECT_EQ(blk->hash(), l.block_hash);
  EXPECT_EQ(c.receipts_of(l.height)->size(), blk->txs.size());
  c.stop();
}

TEST(Channel, RejectsWrongNidOldTimestampAndUnfundedSender) {
  Fixture fx;
  auto ch = channel::Channel::open(fx.options(), system_clock());
  ASSERT_TRUE(ch);
  auto& c = *ch.value();
  auto s = fx.transfer_to(fx.bob, 1);
  s.nid = 7;
  EXPECT_EQ(c.submit_tx(signed_params(fx.alice, s)).rejection->reason, core::TxReject::kWrongNid);
  s = fx.transfer_to(fx.bob, 2);
  s.timestamp_us -= 10ll * 60 * 1000000;
  auto r = c.submit_tx(signed_params(fx.alice, s)).rejection;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, core::TxReject::kTimestampOutOfRange);
  r = c.submit_tx(signed_params(fx.bob, fx.transfer_to(fx.alice, 3))).rejection;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, core::TxReject::kInsufficientBalance);
  EXPECT_NE(r->detail.find(address_of(fx.bob).to_string()), std::string::npos);
}

TEST(Channel, ManyTxsFromManySendersAllCommitAndSurviveRestart) {
  Fixture fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-channel-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::vector<Hash32> hashes;
  Hash32 head_hash;
  uint64_t head = 0;
  {
    auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
    ASSERT_TRUE(ch) << ch.message();
    auto& c = *ch.value();
    c.start();
    std::vector<boost::json::object> batch;
    for (uint64_t i = 0; i < 300; ++i) batch.push_back(signed_params(fx.alice, fx.transfer_to(test_key(10 + i % 7), i, 1)));
    std::vector<const boost::json::object*> ptrs;
    for (auto& b : batch) ptrs.push_back(&b);
    for (auto& r : c.submit_txs(ptrs)) {
      ASSERT_FALSE(r.rejection) << r.rejection->detail;
      hashes.push_back(r.hash);
    }
    for (auto& h : hashes) EXPECT_EQ(wait_committed(c, h).status, channel::TxStatus::kCommitted);
    // After stop(): a single validator may still commit an empty-candidate successor until then.
    c.stop();
    head = c.last_height();
    head_hash = c.block_by_height(head)->hash();
  }
  auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
  ASSERT_TRUE(ch) << ch.message();
  auto& c = *ch.value();
  EXPECT_EQ(c.last_height(), head);
  EXPECT_EQ(c.block_by_height(head)->hash(), head_hash);
  for (auto& h : hashes) EXPECT_EQ(c.lookup_tx(h).status, channel::TxStatus::kCommitted);
  EXPECT_EQ(*c.balance(address_of(test_key(10)), std::nullopt), Uint256(43));  // 300 / 7 rounded up
  ch.value().reset();
  // A different genesis cannot open this directory.
  auto other = fx.options(dir.string());
  other.params.nid = 4;
  auto bad = channel::Channel::open(other, system_clock());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("genesis"), std::string::npos);
  // Nor can a build that reads another storage format: it says so instead of misreading it.
  {
    storage::Schema schema;
    channel::ChainStore::add_columns(schema);
    auto kv = storage::open_rocksdb(dir.string(), schema);
    ASSERT_TRUE(kv) << kv.message();
    storage::WriteBatch b;
    b.put(channel::kMetaColumn, as_bytes("format"), Bytes{0, 0, 0, 0, 0, 0, 0, 1});
    ASSERT_TRUE(kv.value()->write(b, storage::Durability::kSync));
  }
  auto old = channel::Channel::open(fx.options(dir.string()), system_clock());
  ASSERT_FALSE(old);
  EXPECT_NE(old.message().find("storage format 1"), std::string::npos) << old.message();
  std::filesystem::remove_all(dir);
}

TEST(Channel, ColumnNamesAreTheFamilyNamesOnDisk) {
  // Existing directories are opened by these names: changing one is a storage format change.
  EXPECT_EQ(channel::kMetaColumn.name(), "meta");
  EXPECT_EQ(channel::kBlocksColumn.name(), "blocks");
  EXPECT_EQ(channel::kHeightIndexColumn.name(), "height_index");
  EXPECT_EQ(channel::kTxIndexColumn.name(), "tx_index");
  EXPECT_EQ(channel::kResultsColumn.name(), "results");
  EXPECT_EQ(state::kTrieNodesColumn.name(), "trie_nodes");
  EXPECT_EQ(channel::kRecordsColumn.name(), "consensus");
}

TEST(Channel, DirectoryWithTheColumnFamiliesOfEarlierBuildsOpens) {
  // Builds before owner-registered columns created every column family in both stores, among them
  // "receipts" (unused since format 2) and "consensus" (unused in the block store since format 3).
  // Such a directory opens, and what those families hold is left as it was.
  static constexpr storage::ColumnDef kOldReceipts{"receipts"};
  static constexpr storage::ColumnDef kOldConsensus{"consensus"};
  Fixture fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-channel-families-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Hash32 tx_hash;
  {
    auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
    ASSERT_TRUE(ch) << ch.message();
    ch.value()->start();
    auto sub = ch.value()->submit_tx(signed_params(fx.alice, fx.transfer_to(fx.bob, 1, icx(2))));
    ASSERT_FALSE(sub.rejection);
    tx_hash = sub.hash;
    ASSERT_EQ(wait_committed(*ch.value(), tx_hash).status, channel::TxStatus::kCommitted);
    ch.value()->stop();
  }
  storage::Schema blocks_schema{kOldReceipts, kOldConsensus, state::kTrieNodesColumn};
  channel::ChainStore::add_columns(blocks_schema);
  const storage::Schema records_schema{channel::kRecordsColumn, channel::kMetaColumn, channel::kBlocksColumn,
                                       channel::kHeightIndexColumn, channel::kTxIndexColumn, kOldReceipts,
                                       state::kTrieNodesColumn, channel::kResultsColumn};
  auto put_old = [](const std::string& path, const storage::Schema& schema, const storage::ColumnDef& c) {
    auto kv = storage::open_rocksdb(path, schema);
    ASSERT_TRUE(kv) << kv.message();
    storage::WriteBatch b;
    b.put(c, as_bytes("old"), as_bytes("kept"));
    ASSERT_TRUE(kv.value()->write(b, storage::Durability::kSync));
  };
  auto get_old = [](const std::string& path, const storage::Schema& schema, const storage::ColumnDef& c) {
    auto kv = storage::open_rocksdb(path, schema);
    CX_ASSERT_MSG(kv.is_ok(), kv.message().c_str());
    auto v = kv.value()->get(c, as_bytes("old"));
    CX_ASSERT(v.is_ok());
    return v.value() ? std::string(as_string_view(*v.value())) : std::string("(missing)");
  };
  put_old(dir.string(), blocks_schema, kOldReceipts);
  put_old((dir / "consensus").string(), records_schema, kOldReceipts);
  {
    auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
    ASSERT_TRUE(ch) << ch.message();
    auto& c = *ch.value();
    EXPECT_EQ(c.lookup_tx(tx_hash).status, channel::TxStatus::kCommitted);
    EXPECT_EQ(*c.balance(address_of(fx.bob), std::nullopt), icx(2));
    c.start();
    auto sub = c.submit_tx(signed_params(fx.alice, fx.transfer_to(fx.bob, 2, icx(3))));
    ASSERT_FALSE(sub.rejection);
    EXPECT_EQ(wait_committed(c, sub.hash).status, channel::TxStatus::kCommitted);
    c.stop();
  }
  EXPECT_EQ(get_old(dir.string(), blocks_schema, kOldReceipts), "kept");
  EXPECT_EQ(get_old((dir / "consensus").string(), records_schema, kOldReceipts), "kept");
  std::filesystem::remove_all(dir);
}

TEST(Channel, CertifiedCandidateSurvivesAStopAndCommitsAfterRestart) {
  Fixture fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-channel-cand-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto opts = fx.options(dir.string());
  opts.params.block_interval_ms = 1500;  // a certified block waits this long for its successor
  Hash32 tx_hash, block_hash;
  {
    auto ch = channel::Channel::open(opts, system_clock());
    ASSERT_TRUE(ch) << ch.message();
    auto& c = *ch.value();
    c.start();
    auto sub = c.submit_tx(signed_params(fx.alice, fx.transfer_to(fx.bob, 1, icx(3))));
    ASSERT_FALSE(sub.rejection);
    tx_hash = sub.hash;
    // Wait until the tx is in the certified, executed candidate, not yet final.
    channel::TxLookup l;
    for (int i = 0; i < 200; ++i) {
      l = c.lookup_tx(tx_hash);
      if (l.status == channel::TxStatus::kExecuting) break;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(l.status, channel::TxStatus::kExecuting);
    block_hash = l.block_hash;
    c.stop();  // as good as a crash for the candidate: it was never committed
  }
  auto ch = channel::Channel::open(opts, system_clock());
  ASSERT_TRUE(ch) << ch.message();
  auto& c = *ch.value();
  EXPECT_EQ(c.lookup_tx(tx_hash).status, channel::TxStatus::kUnknown);  // not committed before the restart
  c.start();
  auto l = wait_committed(c, tx_hash);
  ASSERT_EQ(l.status, channel::TxStatus::kCommitted);
  EXPECT_EQ(l.block_hash, block_hash);  // the same certified block, not a new one
  EXPECT_TRUE(l.receipt->success);
  EXPECT_EQ(*c.balance(address_of(fx.bob), std::nullopt), icx(3));
  const uint64_t head = c.last_height();
  c.stop();
  ch.value().reset();

  // Consensus records live in their own store. A record of a block that is committed by now (left
  // by a crash between the commit and the record's deletion) is deleted at the next start.
  const std::string records_dir = (dir / "consensus").string();
  auto chain_key = [](uint64_t h) {
    codec::Writer w;
    w.raw(as_bytes("chain/"));
    w.u64(h);
    return w.take();
  };
  {
    auto kv = storage::open_rocksdb(records_dir, {channel::kRecordsColumn});
    ASSERT_TRUE(kv) << kv.message();
    storage::WriteBatch b;
    b.put(channel::kRecordsColumn, chain_key(head), Bytes{1, 2, 3});
    ASSERT_TRUE(kv.value()->write(b, storage::Durability::kSync));
  }
  {
    auto again = channel::Channel::open(opts, system_clock());
    ASSERT_TRUE(again) << again.message();
    again.value()->start();
    again.value()->stop();
  }
  {
    auto kv = storage::open_rocksdb(records_dir, {channel::kRecordsColumn});
    ASSERT_TRUE(kv) << kv.message();
    auto r = kv.value()->get(channel::kRecordsColumn, chain_key(head));
    ASSERT_TRUE(r) << r.message();
    EXPECT_FALSE(r.value().has_value()) << "the stale record of committed height " << head << " is still there";
  }
  // Without its consensus records (the vote record among them) the validator refuses to start.
  std::filesystem::remove_all(records_dir);
  auto lost = channel::Channel::open(opts, system_clock());
  ASSERT_FALSE(lost);
  EXPECT_NE(lost.message().find("consensus records"), std::string::npos) << lost.message();
  std::filesystem::remove_all(dir);
}

// A vote record that cannot be used (here: not a record at all) stops the node at open, with a
// message, instead of being skipped: without it the validator could sign twice in one round.
TEST(Channel, AnUnusableVoteRecordRefusesToOpen) {
  Fixture fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-channel-wal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
    ASSERT_TRUE(ch) << ch.message();
  }
  {
    auto records = storage::open_rocksdb((dir / "consensus").string(), storage::Schema{channel::kRecordsColumn});
    ASSERT_TRUE(records) << records.message();
    storage::WriteBatch b;
    b.put(channel::kRecordsColumn, as_bytes("wal"), Bytes{3, 1, 2, 3});
    ASSERT_TRUE(records.value()->write(b, storage::Durability::kSync));
  }
  auto ch = channel::Channel::open(fx.options(dir.string()), system_clock());
  ASSERT_FALSE(ch);
  EXPECT_NE(ch.message().find("vote record"), std::string::npos) << ch.message();
  EXPECT_NE(ch.message().find("sign twice"), std::string::npos) << ch.message();
  std::filesystem::remove_all(dir);
}

// The index seam: an index registers its own column, and the commit pipeline hands it every final block
// with its receipts, to stage into the block's own batch. Here, a minimal sender → txs index.
namespace {
inline constexpr storage::ColumnDef kSenderTxsColumn{"test_sender_txs"};

class SenderTxsIndex final : public channel::CommitSubscriber {
 public:
  void stage(const channel::ExecutedBlock& e, const core::QuorumCertificate&, storage::WriteBatch& batch) override {
    for (uint32_t i = 0; i < e.block->txs.size(); ++i) {
      const auto& tx = *e.block->txs[i];
      codec::Writer key;
      key.raw(tx.from.to_bytes());
      key.u64(e.block->header.height);
      key.u32(i);
      batch.put(kSenderTxsColumn, key.out(), (*e.receipts)[i].success ? Bytes{1} : Bytes{0});
    }
  }
};

size_t indexed_txs(storage::KvStore& kv, const core::Address& sender) {
  size_t n = 0;
  const auto raw = sender.to_bytes();
  BytesView prefix(raw.data(), raw.size());
  (void)kv.scan(kSenderTxsColumn, prefix, [&](BytesView key, BytesView) {
    if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return false;
    ++n;
    return true;
  });
  return n;
}
}  // namespace

TEST(Channel, AnIndexSubscriberStagesEveryFinalBlockIntoItsOwnColumnOnDisk) {
  Fixture fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-channel-index-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto options = fx.options(dir.string());
  options.indexes.push_back({"sender_txs", [](storage::Schema& s) { s.add(kSenderTxsColumn); },
                             [](storage::KvStore&) { return std::make_unique<SenderTxsIndex>(); }});
  {
    auto ch = channel::Channel::open(options, system_clock());
    ASSERT_TRUE(ch) << ch.message();
    auto& c = *ch.value();
    c.start();
    for (uint64_t i = 0; i < 5; ++i) {
      auto sub = c.submit_tx(signed_params(fx.alice, fx.transfer_to(fx.bob, i)));
      ASSERT_FALSE(sub.rejection) << sub.rejection->detail;
      EXPECT_EQ(wait_committed(c, sub.hash).status, channel::TxStatus::kCommitted);
    }
    c.stop();
  }
  // The index's column is in the channel's own store, written with the blocks.
  auto kv = storage::open_rocksdb(dir.string(), [] {
    auto s = channel::ledger_schema();
    s.add(kSenderTxsColumn);
    return s;
  }());
  ASSERT_TRUE(kv) << kv.message();
  EXPECT_EQ(indexed_txs(*kv.value(), address_of(fx.alice)), 5u);
  EXPECT_EQ(indexed_txs(*kv.value(), address_of(fx.bob)), 0u);
  kv.value().reset();
  std::filesystem::remove_all(dir);
}
