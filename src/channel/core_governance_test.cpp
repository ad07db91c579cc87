// ChannelCore with a governed validator set (docs/governance.md): governance txs in a block add a
// follower to the set; once the block is final the core's schedule holds the new set from the
// effective height, headers must name it, and a syncing node checks each QC against the set of its
// height — learning the sets of heights beyond its horizon from the blocks of the same page. The
// explorer's validator-activity index and the validator gauges follow the set in force at each height.
#include <gtest/gtest.h>

#include <algorithm>

#include "channel/core.hpp"
#include "channel/explorer_index.hpp"
#include "channel/metrics.hpp"
#include "codec/icon_serialize.hpp"
#include "core/test_tx.hpp"
#include "crypto/base64.hpp"
#include "governance/governance.hpp"

namespace cx::channel {
namespace {

using core::testing::address_of;
using core::testing::test_key;
namespace json = boost::json;

constexpr int64_t kGenesisUs = 1'700'000'000'000'000;
constexpr uint64_t kMargin = 4;

crypto::PrivateKey node_key(uint8_t i) {
  crypto::PrivateKey k;
  k.bytes[0] = 0x4d;
  k.bytes[31] = static_cast<uint8_t>(i + 1);
  return k;
}

struct NoChecks final : mempool::AdmissionChecks {
  bool is_known_on_chain(const Hash32&) const override { return false; }
  std::optional<core::TxRejection> check(const core::Transaction&) const override { return std::nullopt; }
};

struct Ledger {
  std::unique_ptr<storage::KvStore> kv = storage::make_memory_store(ledger_schema());
  std::unique_ptr<storage::KvStore> records_kv = storage::make_memory_store(records_schema());
  ChainStore chain{*kv};
  RecordsStore records{*records_kv};
  std::unique_ptr<state::WorldState> state = state::make_world_state(*kv);
  BlockExecutor executor;
  DurableHead head;
  explicit Ledger(const core::ChainParams& p) : executor(p, *state) {
    auto h = open_chain(p, "(memory)", *kv, chain, *state, records);
    EXPECT_TRUE(h) << h.message();
    head = h.value();
  }
};

using Page = std::vector<std::pair<core::Block, core::QuorumCertificate>>;

class GovernedCoreTest : public ::testing::Test {
 protected:
  GovernedCoreTest() {
    // Validators 0..3 (tier 1: no member names a tier), follower 4.
    for (uint8_t i = 0; i < 5; ++i) keys.push_back(node_key(i));
    for (uint8_t i = 0; i < 4; ++i) params.validators.push_back(address_of(keys[i]));
    params.members = {{address_of(keys[4]), core::MemberRole::kFollower, "", 0, 0}};
    params.channel = "gov-test";
    params.genesis_timestamp_us = kGenesisUs;
    params.step_price = Uint256(0);
    params.treasury = address_of(test_key(200));
    params.governance_json = R"({"params": {"changeMargin": 4}})";
    old_set = params.validator_set();
    auto with_follower = old_set.validators();
    with_follower.push_back({address_of(keys[4]), 1, {}});
    new_set = *core::ValidatorSet::make(with_follower);
    ledger = std::make_unique<Ledger>(params);
    shadow = std::make_unique<Ledger>(params);
    mempool::MempoolOptions mo;
    mo.verify_threads = 0;
    pool = mempool::make_mempool(mo, checks);
    CoreOptions co;
    co.params = params;
    co.key = keys[0];
    core = std::make_unique<ChannelCore>(co, CoreDeps{ledger->chain, ledger->executor, *pool});
    auto records = ledger->records.load(*ledger->head.block);
    EXPECT_TRUE(records);
    core->start(now(), ledger->head, std::move(records.value()));
  }

  int64_t now() const { return kGenesisUs + 100'000'000; }
  core::Address addr(size_t i) const { return address_of(keys[i]); }

  core::TxPtr gov_tx(size_t signer, std::string_view method, json::object p, uint64_t nonce) {
    json::object t;
    t["version"] = "0x3";
    t["from"] = addr(signer).to_string();
    t["to"] = governance::governance_contract_address().to_string();
    t["stepLimit"] = "0x989680";
    t["timestamp"] = Uint256(static_cast<uint64_t>(kGenesisUs + 1'000'000)).to_icon_hex();
    t["nid"] = "0x3";
    t["nonce"] = Uint256(nonce).to_icon_hex();
    t["dataType"] = "call";
    t["data"] = json::object{{"method", method}, {"params", std::move(p)}};
    Hash32 h = crypto::sha3_256(as_bytes(codec::icon_tx_serialization(t)));
    t["signature"] = crypto::base64_encode(crypto::sign(h, keys[signer]).view());
    return std::make_shared<const core::Transaction>(std::get<core::Transaction>(core::parse_transaction(t)));
  }
  // Validator 1 proposes the follower as a validator; 2 and 3 approve: 3 of 4 tier-1 votes.
  std::vector<core::TxPtr> promote_follower() {
    json::object args{{"address", addr(4).to_string()}};
    return {gov_tx(1, "propose", json::object{{"action", "addValidator"}, {"args", args}}, 1),
            gov_tx(2, "vote", json::object{{"id", "0x1"}, {"approve", "0x1"}}, 2),
            gov_tx(3, "vote", json::object{{"id", "0x1"}, {"approve", "0x1"}}, 3)};
  }

  const core::ValidatorSet& set_at(uint64_t h) const { return h >= 1 + kMargin ? new_set : old_set; }

  core::QuorumCertificate qc_of(const core::Block& b, uint32_t round, const std::vector<size_t>& voters,
                                core::VoteKind kind = core::VoteKind::kBlock) {
    core::QuorumCertificate qc{b.header.height, round, b.hash(), {}};
    for (size_t i : voters) {
      core::Vote v;
      v.height = qc.height;
      v.round = round;
      v.kind = kind;
      v.block_hash = qc.block_hash;
      v.voter = addr(i);
      v.timestamp_us = b.header.timestamp_us;
      v.signature = crypto::sign(v.signing_hash(), keys[i]);
      qc.votes.push_back(v);
    }
    std::sort(qc.votes.begin(), qc.votes.end(), [](const auto& a, const auto& c) { return a.voter < c.voter; });
    return qc;
  }

  // An honest chain of heights 1..n (block h in round h, except after the old set's last block 4,
  // which is sealed in round 5: the new set's first block 5 comes in round 6 with the seal QC).
  Page chain(uint64_t n, std::vector<size_t> new_voters = {1, 2, 3, 4}) {
    Page out;
    core::Block parent = *shadow->head.block;
    core::ExecResult result = shadow->head.result;
    core::QuorumCertificate parent_qc;
    for (uint64_t h = 1; h <= n; ++h) {
      const uint32_t round = h <= kMargin ? static_cast<uint32_t>(h) : static_cast<uint32_t>(h + 1);
      core::Block b;
      auto& hd = b.header;
      hd.height = h;
      hd.round = round;
      hd.prev_hash = parent.hash();
      hd.timestamp_us = parent.header.timestamp_us + 1'000'000;
      hd.proposer = set_at(h).leader(round);
      hd.prev_result = result;
      hd.validators_hash = set_at(h).hash();
      hd.set_next_validators(set_at(h + 1).hash());
      b.prev_qc = parent_qc;
      hd.prev_qc_hash = b.prev_qc.hash();
      if (h == 1) {
        b.txs = promote_follower();
        b.txs.insert(b.txs.end(), extra_first_txs.begin(), extra_first_txs.end());
      }
      hd.tx_root = core::tx_root(b.txs);
      size_t signer = 0;
      for (size_t i = 0; i < keys.size(); ++i)
        if (addr(i) == hd.proposer) signer = i;
      b.proposer_signature = crypto::sign(hd.hash(), keys[signer]);
      auto exec = shadow->executor.execute(b, result.state_root);
      if (h == 1) {
        for (const auto& r : *exec.receipts) EXPECT_TRUE(r.success) << (r.failure ? r.failure->message : "");
      }
      result = exec.result;
      results.push_back(result);
      const bool old_term = h < 1 + kMargin;
      auto qc = qc_of(b, round, old_term ? std::vector<size_t>{1, 2, 3} : new_voters);
      // The old set's last block is sealed in the next round; its successor carries the seal.
      parent_qc = h == kMargin ? qc_of(b, round + 1, {1, 2, 3}, core::VoteKind::kSeal) : qc;
      out.emplace_back(b, qc);
      parent = b;
    }
    return out;
  }

  out::Actions page(const Page& blocks, size_t from) {
    std::vector<wire::CertifiedBlock> p;
    for (const auto& [b, qc] : blocks) p.push_back({b.encode(), qc.encode()});
    return core->on_message(now(), addr(from), {p2p::MessageType::kBlockResponse, wire::encode(p)});
  }
  uint64_t refused(size_t peer, SyncReject r) const {
    auto it = core->rejections().find(addr(peer));
    return it == core->rejections().end() ? 0 : it->second.count(r);
  }

  std::vector<crypto::PrivateKey> keys;
  std::vector<core::TxPtr> extra_first_txs;  // chain() puts them in block 1 after promote_follower()'s
  core::ChainParams params;
  core::ValidatorSet old_set, new_set;
  std::vector<core::ExecResult> results;  // after each block chain() made, in height order
  NoChecks checks;
  std::unique_ptr<Ledger> ledger, shadow;
  std::unique_ptr<mempool::Mempool> pool;
  std::unique_ptr<ChannelCore> core;
};

TEST_F(GovernedCoreTest, TheScheduleStartsAsTheGenesisSetWithTheMarginAsHorizon) {
  ASSERT_EQ(core->schedule().epochs().size(), 1u);
  EXPECT_EQ(core->schedule().at(0), old_set);
  EXPECT_EQ(core->schedule_known_through(), kMargin);
  ASSERT_TRUE(core->view()->schedule);
}

TEST_F(GovernedCoreTest, ASyncAcrossAChangeLearnsTheSetFromTheBlocksAndChecksEachQcAgainstIt) {
  auto blocks = chain(12);
  // The header of the old set's last block names the next set.
  EXPECT_EQ(blocks[3].first.header.next_validators(), new_set.hash());
  EXPECT_EQ(blocks[2].first.header.next_validators(), old_set.hash());
  page(blocks, 2);
  EXPECT_TRUE(core->rejections().empty());
  ASSERT_EQ(core->schedule().epochs().size(), 2u);
  EXPECT_EQ(core->schedule().epochs()[1].from_height, 1 + kMargin);
  EXPECT_EQ(core->schedule().at(5), new_set);
  EXPECT_EQ(core->schedule().at(4), old_set);
  // The page ended (complete): all of it adopted, everything below its last block final.
  EXPECT_EQ(core->final_height(), 11u);
  EXPECT_EQ(core->schedule_known_through(), 11 + kMargin);
  EXPECT_EQ(*core->view()->schedule, core->schedule());
}

// A node's indexes and metrics are made with the genesis set (node.cpp); the blocks the core commits
// carry the governed schedule, so after the change the new validator's signatures count and the
// gauges show five validators.
TEST_F(GovernedCoreTest, ActivityIndexAndValidatorGaugesFollowTheSetInForceAfterAChange) {
  auto blocks = chain(12);
  const auto actions = page(blocks, 2);
  std::vector<CommitJob> commits;
  for (const auto& a : actions)
    if (const auto* c = std::get_if<out::Commit>(&a)) commits.push_back(c->job);
  ASSERT_EQ(commits.size(), 11u);  // 1..11 final
  const auto specs = explorer_indexes(core::ValidatorSchedule::single(old_set));
  storage::Schema schema;
  for (const auto& s : specs) s.add_columns(schema);
  auto kv = storage::make_memory_store(schema);
  std::vector<std::unique_ptr<CommitSubscriber>> subs;
  for (const auto& s : specs) subs.push_back(s.make(*kv));
  ChannelMetrics metrics(params, *pool, *ledger->head.block, old_set, /*txs_total=*/0);
  auto& validators = metrics::global().gauge("complexchain_consensus_validators", "", {{"channel", params.channel}});
  auto& power = metrics::global().gauge("complexchain_consensus_validators_power", "", {{"channel", params.channel}});
  EXPECT_EQ(validators.value(), 4);
  auto stage = [&](const ExecutedBlock& e, const core::QuorumCertificate& qc) {
    storage::WriteBatch batch;
    for (auto& sub : subs) sub->stage(e, qc, batch);
    ASSERT_TRUE(kv->write(batch, storage::Durability::kSync));
  };
  ExecutedBlock genesis;
  genesis.block = ledger->head.block;
  genesis.receipts = std::make_shared<const std::vector<core::Receipt>>();
  stage(genesis, {});
  for (const auto& c : commits) {
    ASSERT_TRUE(c.block->schedule) << "a committed block without the schedule it was checked against";
    stage(*c.block, c.qc);
    metrics.on_durable(*c.block);
    const uint64_t h = c.block->block->header.height;
    EXPECT_EQ(validators.value(), static_cast<int64_t>(set_at(h).size())) << "at height " << h;
    EXPECT_EQ(power.value(), static_cast<int64_t>(set_at(h).total_weight())) << "at height " << h;
  }
  EXPECT_EQ(validators.value(), 5);
  EXPECT_EQ(power.value(), 5);
  // Heights 5..11 are the new set's: the follower signed each (chain() has it vote), validator 0 none.
  auto follower = read_validator_activity(*kv, addr(4));
  ASSERT_TRUE(follower);
  EXPECT_EQ(follower->signed_blocks, 7u);
  EXPECT_EQ(follower->missed_blocks, 0u);
  EXPECT_EQ(follower->last_signed_height, 11u);
  auto v0 = read_validator_activity(*kv, addr(0));
  ASSERT_TRUE(v0);
  EXPECT_EQ(v0->signed_blocks, 0u);
  EXPECT_EQ(v0->missed_blocks, 11u);
}

TEST_F(GovernedCoreTest, AQcOfTheOldSetAfterTheChangeIsRefused) {
  // Blocks from 5 on certified by the old set's quorum (validators 1..3): valid under the genesis set,
  // not under the set governance put in force at 5.
  auto blocks = chain(9, {1, 2, 3});
  page(blocks, 3);
  EXPECT_EQ(refused(3, SyncReject::kUncertified), 1u);
  // The blocks before the change were taken (1..3 final; 4 waits for a child the new set certified).
  EXPECT_EQ(core->final_height(), 3u);
  EXPECT_EQ(core->schedule().at(5), new_set);
}

TEST_F(GovernedCoreTest, AProposalNamingTheOldSetForTheNextHeightIsRefused) {
  auto blocks = chain(3);
  page(blocks, 2);  // 1, 2 final, 3 certified: the change is known
  ASSERT_EQ(core->schedule().epochs().size(), 2u);
  // Block 4 (round 5, whose leader by the old set is validator 1) must name the new set as the next one.
  const auto& [parent, parent_qc] = blocks.back();
  core::Block b;
  auto& hd = b.header;
  hd.height = 4;
  hd.round = 5;
  hd.prev_hash = parent.hash();
  hd.timestamp_us = parent.header.timestamp_us + 1'000'000;
  hd.proposer = old_set.leader(5);
  hd.prev_result = results[2];
  hd.validators_hash = old_set.hash();
  b.prev_qc = parent_qc;
  hd.prev_qc_hash = b.prev_qc.hash();
  hd.tx_root = core::tx_root(b.txs);
  size_t signer = 0;
  for (size_t i = 0; i < 4; ++i)
    if (addr(i) == hd.proposer) signer = i;
  ASSERT_NE(signer, 0u) << "round 5's leader is another node";
  b.proposer_signature = crypto::sign(hd.hash(), keys[signer]);
  const Bytes bytes = b.encode();
  core->on_message(now(), addr(signer), {p2p::MessageType::kProposal, wire::encode_proposal(b, bytes)});
  auto it = core->rejections().find(addr(signer));
  ASSERT_NE(it, core->rejections().end());
  EXPECT_EQ(it->second.count(ProposalReject::kValidatorsMismatch), 1u);
}


// grantAudit's `until`: the auditor's access ends when final state reaches that height, though no
// block then carries a governance event: the core reads the members again at the end.
TEST_F(GovernedCoreTest, AnAuditorsAccessEndsWhenFinalStateReachesItsUntilHeight) {
  const core::Address auditor = address_of(test_key(77));
  json::object args{{"address", auditor.to_string()}, {"until", 7}};
  extra_first_txs = {gov_tx(1, "propose", json::object{{"action", "grantAudit"}, {"args", args}}, 4),
                     gov_tx(2, "vote", json::object{{"id", "0x2"}, {"approve", "0x1"}}, 5),
                     gov_tx(3, "vote", json::object{{"id", "0x2"}, {"approve", "0x1"}}, 6)};
  auto blocks = chain(10);
  page(Page(blocks.begin(), blocks.begin() + 6), 2);
  ASSERT_EQ(core->final_height(), 5u);
  ASSERT_TRUE(core->view()->members);
  const auto* m = core->view()->members->find(auditor);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->roles, governance::kRoleAuditor);
  EXPECT_EQ(m->audit_until, 7u);
  page(Page(blocks.begin() + 5, blocks.end()), 2);  // from the first height not final
  EXPECT_TRUE(core->rejections().empty());
  ASSERT_EQ(core->final_height(), 9u);
  EXPECT_GE(core->view()->members->height, 7u);
  m = core->view()->members->find(auditor);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->roles, 0u) << "the auditor role outlived its until height";
}

}  // namespace
}  // namespace cx::channel
