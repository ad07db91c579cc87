// The explorer's indexes (explorer_index.hpp) over a real in-memory store: keys and order, paging by
// cursor, what is indexed and what is not, staging only into the block's batch, the bound on tokens,
// validator activity, and the rebuild of a directory written without the indexes.
#include "channel/explorer_index.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "channel/explorer_codec.hpp"
#include "channel/single_validator_test.hpp"
#include "governance/model.hpp"
#include "core/test_tx.hpp"

using namespace cx;
using namespace cx::core::testing;

namespace {

core::Address addr(char kind, int n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%cx%040x", kind, n);
  return *core::Address::parse(buf);
}

Hash32 hash_of(uint64_t height, uint32_t i) {
  Hash32 h;
  h.data()[0] = static_cast<uint8_t>(height);
  h.data()[1] = static_cast<uint8_t>(i);
  h.data()[2] = 0xab;
  return h;
}

core::EventLog transfer_log(const core::Address& token, const core::Address& from, const core::Address& to, uint64_t v) {
  core::EventLog l;
  l.score = token;
  l.indexed = {std::string(channel::kIrc2TransferSignature), from.to_string(), to.to_string(), Uint256(v).to_icon_hex()};
  l.data = {"0x"};
  return l;
}

// A block of txs (from, to) with their receipts, as the commit pipeline hands it to subscribers.
struct BlockBuilder {
  std::shared_ptr<core::Block> block = std::make_shared<core::Block>();
  std::shared_ptr<std::vector<core::Receipt>> receipts = std::make_shared<std::vector<core::Receipt>>();

  explicit BlockBuilder(uint64_t height) {
    block->header.height = height;
    block->header.timestamp_us = 1'000'000 * static_cast<int64_t>(height);
  }
  core::Receipt& tx(const core::Address& from, const core::Address& to, bool success = true,
                    core::DataType type = core::DataType::kNone, uint64_t value = 0) {
    auto t = std::make_shared<core::Transaction>();
    t->from = from;
    t->to = to;
    t->data_type = type;
    t->value = Uint256(value);
    t->hash = hash_of(block->header.height, static_cast<uint32_t>(block->txs.size()));
    core::Receipt r;
    r.tx_hash = t->hash;
    r.tx_index = static_cast<uint32_t>(block->txs.size());
    r.success = success;
    r.to = to;
    block->txs.push_back(t);
    receipts->push_back(r);
    return receipts->back();
  }
  channel::ExecutedBlock executed() const { return channel::ExecutedBlock{block, {}, {}, receipts, nullptr}; }
};

core::QuorumCertificate qc_of(uint64_t height, const std::vector<core::Address>& voters) {
  core::QuorumCertificate qc;
  qc.height = height;
  for (const auto& v : voters) {
    core::Vote vote;
    vote.height = height;
    vote.voter = v;
    qc.votes.push_back(vote);
  }
  std::sort(qc.votes.begin(), qc.votes.end(), [](const auto& a, const auto& b) { return a.voter < b.voter; });
  return qc;
}

struct Indexes {
  std::vector<channel::IndexSpec> specs;
  std::unique_ptr<storage::KvStore> kv;
  std::vector<std::unique_ptr<channel::CommitSubscriber>> subs;

  explicit Indexes(const core::ValidatorSet& set = core::ValidatorSet::unweighted({addr('h', 0x900)})) {
    specs = channel::explorer_indexes(core::ValidatorSchedule::single(set));
    storage::Schema schema;
    for (const auto& s : specs) s.add_columns(schema);
    kv = storage::make_memory_store(schema);
    make();
  }
  // As after a restart: the subscribers read their state from the store.
  void make() {
    subs.clear();
    for (const auto& s : specs) subs.push_back(s.make(*kv));
  }
  void commit(const BlockBuilder& b, const core::QuorumCertificate& qc = {}) {
    storage::WriteBatch batch;
    stage(b, qc, batch);
    ASSERT_TRUE(kv->write(batch, storage::Durability::kSync));
  }
  void stage(const BlockBuilder& b, const core::QuorumCertificate& qc, storage::WriteBatch& batch) {
    const auto e = b.executed();
    for (auto& s : subs) s->stage(e, qc, batch);
  }
  // Blocks 0..last with no txs, so the indexes expect `last + 1`.
  void empty_blocks(uint64_t last) {
    for (uint64_t h = 0; h <= last; ++h) commit(BlockBuilder(h));
  }
  channel::AddressTxsPage txs(const core::Address& a, size_t limit, std::optional<channel::PagePosition> from = {},
                              uint64_t max_height = 1000) {
    auto r = channel::read_address_txs(*kv, a, limit, from, max_height);
    EXPECT_TRUE(r) << r.message();
    return r ? r.value() : channel::AddressTxsPage{};
  }
};

const core::Address kAlice = addr('h', 1);
const core::Address kBob = addr('h', 2);
const core::Address kCarol = addr('h', 3);
const core::Address kToken = addr('c', 0x77);
const core::Address kOtherToken = addr('c', 0x78);

}  // namespace

TEST(ExplorerIndex, CursorIsOpaqueHexAndRejectsAnythingElse) {
  const channel::PagePosition p{0x1234, 7, 9};
  const auto c = p.to_cursor();
  EXPECT_EQ(c.size(), 32u);
  EXPECT_EQ(channel::PagePosition::from_cursor(c), p);
  EXPECT_FALSE(channel::PagePosition::from_cursor(""));
  EXPECT_FALSE(channel::PagePosition::from_cursor(c.substr(1)));
  EXPECT_FALSE(channel::PagePosition::from_cursor(std::string(31, '0') + "g"));
  EXPECT_FALSE(channel::PagePosition::from_cursor("0x" + c.substr(2)));
}

TEST(ExplorerIndex, AddressTxsAreNewestFirstAndPageByCursorWithoutGapsOrRepeats) {
  Indexes ix;
  ix.empty_blocks(0);
  // Blocks 1..5, each with 3 txs: alice -> bob, bob -> carol (failed), alice -> alice (self).
  for (uint64_t h = 1; h <= 5; ++h) {
    BlockBuilder b(h);
    b.tx(kAlice, kBob, true, core::DataType::kNone, 10 * h);
    b.tx(kBob, kCarol, false, core::DataType::kCall);
    b.tx(kAlice, kAlice, true, core::DataType::kMessage);
    ix.commit(b);
  }
  // Alice: 2 txs a block (her self-transfer once), newest first.
  auto all = ix.txs(kAlice, 100);
  ASSERT_EQ(all.txs.size(), 10u);
  EXPECT_FALSE(all.next);
  EXPECT_EQ(all.txs[0].height, 5u);
  EXPECT_EQ(all.txs[0].index, 2u);
  EXPECT_EQ(all.txs[0].data_type, core::DataType::kMessage);
  EXPECT_EQ(all.txs[1].index, 0u);
  EXPECT_EQ(all.txs[1].to, kBob);
  EXPECT_EQ(all.txs[1].value, Uint256(50));
  EXPECT_EQ(all.txs[1].timestamp_us, 5'000'000);
  EXPECT_EQ(all.txs[1].tx_hash, hash_of(5, 0));
  EXPECT_EQ(all.txs.back().height, 1u);
  // Pages of 3 walk the same list.
  std::vector<std::pair<uint64_t, uint32_t>> walked;
  std::optional<channel::PagePosition> cursor;
  size_t pages = 0;
  do {
    auto page = ix.txs(kAlice, 3, cursor);
    EXPECT_LE(page.txs.size(), 3u);
    for (const auto& t : page.txs) walked.emplace_back(t.height, t.index);
    cursor = page.next;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(pages, 4u);
  ASSERT_EQ(walked.size(), all.txs.size());
  for (size_t i = 0; i < walked.size(); ++i) EXPECT_EQ(walked[i], std::make_pair(all.txs[i].height, all.txs[i].index));
  // Bob sent (failed) and received; carol only received.
  auto bob = ix.txs(kBob, 100);
  ASSERT_EQ(bob.txs.size(), 10u);
  EXPECT_EQ(bob.txs[0].index, 1u);
  EXPECT_FALSE(bob.txs[0].success);
  EXPECT_TRUE(bob.txs[1].success);
  EXPECT_EQ(ix.txs(kCarol, 100).txs.size(), 5u);
  EXPECT_TRUE(ix.txs(addr('h', 99), 100).txs.empty());
  // Entries above the published head are left out.
  auto capped = ix.txs(kAlice, 100, std::nullopt, 3);
  ASSERT_EQ(capped.txs.size(), 6u);
  EXPECT_EQ(capped.txs[0].height, 3u);
}

TEST(ExplorerIndex, ADeployIsListedUnderTheContractItCreated) {
  Indexes ix;
  ix.empty_blocks(0);
  BlockBuilder b(1);
  const auto install = addr('c', 0);
  b.tx(kAlice, install, true, core::DataType::kDeploy).score_address = kToken;
  ix.commit(b);
  auto page = ix.txs(kToken, 10);
  ASSERT_EQ(page.txs.size(), 1u);
  EXPECT_EQ(page.txs[0].data_type, core::DataType::kDeploy);
  EXPECT_EQ(ix.txs(install, 10).txs.size(), 1u);
  EXPECT_EQ(ix.txs(kAlice, 10).txs.size(), 1u);
}

TEST(ExplorerIndex, EntriesGoOnlyIntoTheBlocksBatchSoALostWriteLeavesNoTrace) {
  Indexes ix;
  ix.empty_blocks(0);
  BlockBuilder b(1);
  b.tx(kAlice, kBob).logs.push_back(transfer_log(kToken, kAlice, kBob, 5));
  storage::WriteBatch batch;
  ix.stage(b, qc_of(1, {addr('h', 0x900)}), batch);
  EXPECT_GT(batch.size(), 5u);
  // Not written (a crash before the block's write): nothing is visible, and the indexes, reopened,
  // still expect block 1.
  EXPECT_TRUE(ix.txs(kAlice, 10).txs.empty());
  EXPECT_TRUE(channel::read_tokens(*ix.kv, kAlice)->empty());
  ix.make();
  for (const auto& s : ix.subs) EXPECT_EQ(s->next_height(), 1u);
  ix.commit(b, qc_of(1, {addr('h', 0x900)}));
  EXPECT_EQ(ix.txs(kAlice, 10).txs.size(), 1u);
  EXPECT_EQ(channel::read_tokens(*ix.kv, kAlice)->size(), 1u);
  ix.make();
  for (const auto& s : ix.subs) EXPECT_EQ(s->next_height(), 2u);
}

TEST(ExplorerIndex, TokenTransfersComeFromTransferLogsOfSuccessfulTxsIncludingNestedCalls) {
  Indexes ix;
  ix.empty_blocks(0);
  BlockBuilder b(1);
  // A call into another contract whose nested call moved kOtherToken: both logs count.
  auto& r0 = b.tx(kAlice, kToken, true, core::DataType::kCall);
  r0.logs.push_back(transfer_log(kToken, kAlice, kBob, 100));
  core::EventLog other;  // not a transfer
  other.score = kToken;
  other.indexed = {"Approval(Address,Address,int)", kAlice.to_string(), kBob.to_string(), "0x1"};
  r0.logs.push_back(other);
  r0.logs.push_back(transfer_log(kOtherToken, kToken, kCarol, 7));
  core::EventLog garbled = transfer_log(kToken, kAlice, kBob, 1);
  garbled.indexed[3] = "not a number";
  r0.logs.push_back(garbled);
  // A failed tx's logs are not on the chain's record of transfers.
  b.tx(kBob, kToken, false, core::DataType::kCall).logs.push_back(transfer_log(kToken, kBob, kCarol, 1));
  // The 3-argument form with the value as data.
  core::EventLog short_form;
  short_form.score = kToken;
  short_form.indexed = {std::string(channel::kIrc2TransferSignatureShort), kBob.to_string(), kCarol.to_string()};
  short_form.data = {"0x2a"};
  b.tx(kBob, kToken, true, core::DataType::kCall).logs.push_back(short_form);
  ix.commit(b);

  auto by_token = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kToken, kToken, 100, std::nullopt, 100);
  ASSERT_TRUE(by_token);
  ASSERT_EQ(by_token->transfers.size(), 2u);
  EXPECT_EQ(by_token->transfers[0].tx_index, 2u);
  EXPECT_EQ(by_token->transfers[0].value, Uint256(42));
  EXPECT_EQ(by_token->transfers[1].tx_index, 0u);
  EXPECT_EQ(by_token->transfers[1].log_index, 0u);
  EXPECT_EQ(by_token->transfers[1].from, kAlice);
  EXPECT_EQ(by_token->transfers[1].value, Uint256(100));
  auto other_token = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kToken, kOtherToken, 100, std::nullopt, 100);
  ASSERT_EQ(other_token->transfers.size(), 1u);
  EXPECT_EQ(other_token->transfers[0].log_index, 2u);
  EXPECT_EQ(other_token->transfers[0].tx_hash, hash_of(1, 0));
  auto carol = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kAddress, kCarol, 100, std::nullopt, 100);
  ASSERT_EQ(carol->transfers.size(), 2u);
  EXPECT_EQ(carol->transfers[0].token, kToken);
  EXPECT_EQ(carol->transfers[1].token, kOtherToken);
  // Paging by one.
  auto p1 = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kAddress, kCarol, 1, std::nullopt, 100);
  ASSERT_EQ(p1->transfers.size(), 1u);
  ASSERT_TRUE(p1->next);
  auto p2 = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kAddress, kCarol, 1, p1->next, 100);
  ASSERT_EQ(p2->transfers.size(), 1u);
  EXPECT_EQ(p2->transfers[0].token, kOtherToken);
  EXPECT_FALSE(p2->next);
}

TEST(ExplorerIndex, TokensOfAnAddressCountTransfersAndHeightsUpToTheBound) {
  Indexes ix;
  ix.empty_blocks(0);
  for (uint64_t h = 1; h <= 3; ++h) {
    BlockBuilder b(h);
    auto& r = b.tx(kAlice, kToken, true, core::DataType::kCall);
    r.logs.push_back(transfer_log(kToken, kAlice, kBob, h));
    if (h >= 2) r.logs.push_back(transfer_log(kToken, kAlice, kBob, h));
    ix.commit(b);
  }
  auto tokens = channel::read_tokens(*ix.kv, kBob);
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].token, kToken);
  EXPECT_EQ((*tokens)[0].first_height, 1u);
  EXPECT_EQ((*tokens)[0].last_height, 3u);
  EXPECT_EQ((*tokens)[0].transfers, 5u);

  // An address that meets more token contracts than the bound keeps the first kTokensPerAddressMax;
  // its transfers are all still indexed.
  BlockBuilder b(4);
  auto& r = b.tx(kCarol, kToken, true, core::DataType::kCall);
  const size_t n = channel::kTokensPerAddressMax + 5;
  for (size_t i = 0; i < n; ++i) r.logs.push_back(transfer_log(addr('c', 0x1000 + static_cast<int>(i)), kCarol, kAlice, 1));
  ix.commit(b);
  EXPECT_EQ(channel::read_tokens(*ix.kv, kCarol)->size(), channel::kTokensPerAddressMax);
  BlockBuilder b5(5);
  b5.tx(kCarol, kToken, true, core::DataType::kCall).logs.push_back(transfer_log(addr('c', 0x5000), kCarol, kAlice, 1));
  ix.commit(b5);
  EXPECT_EQ(channel::read_tokens(*ix.kv, kCarol)->size(), channel::kTokensPerAddressMax);
  auto all = channel::read_token_transfers(*ix.kv, channel::TransfersOf::kAddress, kCarol, 100, std::nullopt, 100);
  EXPECT_EQ(all->transfers.size(), 100u);
  EXPECT_EQ(all->transfers[0].height, 5u);
  // Alice had one token before, then received them all, and is bounded the same way.
  EXPECT_EQ(channel::read_tokens(*ix.kv, kAlice)->size(), channel::kTokensPerAddressMax);
}

TEST(ExplorerIndex, ValidatorActivityCountsCommittingQcSignaturesAgainstTheSetInForce) {
  const auto v1 = addr('h', 0x901), v2 = addr('h', 0x902), v3 = addr('h', 0x903);
  Indexes ix(core::ValidatorSet::unweighted({v1, v2, v3}));
  ix.commit(BlockBuilder(0));  // genesis: no QC, nothing counted
  ix.commit(BlockBuilder(1), qc_of(1, {v1, v2, v3}));
  ix.commit(BlockBuilder(2), qc_of(2, {v1, v2}));
  ix.commit(BlockBuilder(3), qc_of(3, {v1, v3}));
  ix.commit(BlockBuilder(4), qc_of(4, {v1, v3}));
  auto a1 = channel::read_validator_activity(*ix.kv, v1);
  auto a2 = channel::read_validator_activity(*ix.kv, v2);
  auto a3 = channel::read_validator_activity(*ix.kv, v3);
  ASSERT_TRUE(a1 && a2 && a3);
  EXPECT_EQ(a1->last_signed_height, 4u);
  EXPECT_EQ(a1->signed_blocks, 4u);
  EXPECT_EQ(a1->missed_blocks, 0u);
  EXPECT_EQ(a2->last_signed_height, 2u);
  EXPECT_EQ(a2->signed_blocks, 2u);
  EXPECT_EQ(a2->missed_blocks, 2u);
  EXPECT_EQ(a3->last_signed_height, 4u);
  EXPECT_EQ(a3->missed_blocks, 1u);
  // The records survive a restart (kept in the store, not only in memory).
  ix.make();
  ix.commit(BlockBuilder(5), qc_of(5, {v2, v3}));
  EXPECT_EQ(channel::read_validator_activity(*ix.kv, v1)->missed_blocks, 1u);
  EXPECT_EQ(channel::read_validator_activity(*ix.kv, v2)->signed_blocks, 3u);
  EXPECT_FALSE(channel::read_validator_activity(*ix.kv, kAlice)->last_signed_height);
}

// ---- with a real channel ----

TEST(ExplorerIndex, AChannelServesTheReadsAndIndexesADirectoryWrittenWithoutThemWhenItOpens) {
  channel::testing::SingleValidator fx;
  auto dir = std::filesystem::temp_directory_path() / ("cx-explorer-index-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {  // Written by a node without the indexes (or before they existed).
    auto ch = channel::Channel::open(fx.options(dir.string(), /*indexes=*/false), system_clock());
    ASSERT_TRUE(ch) << ch.message();
    EXPECT_FALSE(ch.value()->explorer_indexes());
    EXPECT_FALSE(ch.value()->address_txs(address_of(fx.alice), 10, std::nullopt));
    ch.value()->start();
    fx.transfers(*ch.value(), 1, 3);
    ch.value()->stop();
  }
  {
    auto ch = channel::Channel::open(fx.options(dir.string(), /*indexes=*/true), system_clock());
    ASSERT_TRUE(ch) << ch.message();
    auto& c = *ch.value();
    ASSERT_TRUE(c.explorer_indexes());
    auto page = c.address_txs(address_of(fx.alice), 10, std::nullopt);
    ASSERT_TRUE(page) << page.message();
    EXPECT_EQ(page->txs.size(), 3u);
    auto vals = c.validators_at(std::nullopt);
    ASSERT_TRUE(vals) << vals.message();
    ASSERT_EQ(vals->validators.size(), 1u);
    EXPECT_EQ(vals->validators[0].signed_blocks, c.last_height());
    EXPECT_EQ(vals->validators[0].last_signed_height, c.last_height());
    EXPECT_EQ(vals->validators[0].missed_blocks, 0u);
    EXPECT_FALSE(c.validators_at(c.last_height() + 100));
    // New blocks are indexed as they commit.
    c.start();
    fx.transfers(c, 10, 2);
    c.stop();
    auto bob = c.address_txs(address_of(fx.bob), 100, std::nullopt);
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->txs.size(), 5u);
    EXPECT_EQ(bob->txs[0].value, icx(1));
    EXPECT_TRUE(bob->txs[0].success);
  }
  std::filesystem::remove_all(dir);
}

// cx_getValidators' tier and institution come from the governance store read directly; they must be
// what the contract's getMember answers at the same height, for every validator of a governed set
// (tiers and institutions named, one validator left at the default tier).
TEST(ExplorerIndex, ValidatorTiersAndInstitutionsAreWhatGetMemberAnswers) {
  channel::testing::SingleValidator fx;
  const crypto::PrivateKey other = test_key(101), third = test_key(102);
  auto o = fx.options("", /*explorer=*/false);
  o.params.validators = {address_of(fx.node_key), address_of(other), address_of(third)};
  o.params.members = {{address_of(fx.node_key), core::MemberRole::kValidator, "Bank A", 1, 0},
                      {address_of(other), core::MemberRole::kValidator, "Insurer B", 2, 0},
                      {address_of(third), core::MemberRole::kValidator, "", 0, 0}};
  o.indexes = channel::explorer_indexes(core::ValidatorSchedule::single(o.params.validator_set()));
  p2p::NetworkOptions net;  // required with several validators; the channel is never started
  net.channel = o.params.channel;
  net.listen_port = 9501;
  net.node_key = fx.node_key;
  o.network = net;
  auto ch = channel::Channel::open(o, system_clock());
  ASSERT_TRUE(ch) << ch.message();
  auto& c = *ch.value();
  auto vals = c.validators_at(0);
  ASSERT_TRUE(vals) << vals.message();
  ASSERT_EQ(vals->validators.size(), 3u);
  for (const auto& v : vals->validators) {
    contracts::CallRequest req;
    req.contract = governance::governance_contract_address();
    req.method = "getMember";
    req.params = boost::json::object{{"address", v.address.to_string()}};
    auto r = c.call(req, 0);
    ASSERT_TRUE(r && r->ok) << v.address.to_string();
    auto m = governance::model::member_from(r->output);
    ASSERT_TRUE(m);
    EXPECT_EQ(v.tier, m->tier) << v.address.to_string();
    EXPECT_EQ(v.institution, m->institution) << v.address.to_string();
  }
  EXPECT_EQ(vals->validators[0].tier, 1u);
  EXPECT_EQ(vals->validators[0].institution, "Bank A");
  EXPECT_EQ(vals->validators[1].tier, 2u);
  EXPECT_EQ(vals->validators[2].tier, 3u);  // not named: business
}
