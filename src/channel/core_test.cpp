// ChannelCore on its own, driven by hand: one validator of four over in-memory stores, fed proposals
// and sync pages that break one rule each (every one must be refused with its typed reason, counted
// against the peer that sent it, and change nothing), and honest ones (adopted, committed in order).
// The simulator (tests/sim) runs the same core in whole clusters; this pins each rule down.
#include "channel/core.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/test_tx.hpp"

namespace cx::channel {
namespace {

using core::testing::address_of;
using core::testing::signed_tx;
using core::testing::test_key;

constexpr int64_t kGenesisUs = 1'700'000'000'000'000;

crypto::PrivateKey validator_key(uint8_t i) {
  crypto::PrivateKey k;
  k.bytes[0] = 0x3c;
  k.bytes[31] = static_cast<uint8_t>(i + 1);
  return k;
}

// No admission happens in these tests: the pool is used for take, verify, find and remove only.
struct NoChecks final : mempool::AdmissionChecks {
  bool is_known_on_chain(const Hash32&) const override { return false; }
  std::optional<core::TxRejection> check(const core::Transaction&) const override { return std::nullopt; }
};

// A ledger (stores, state, executor) on the genesis: the node's own, and one a test uses to compute the
// execution results that honest blocks carry.
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

class CoreTest : public ::testing::Test {
 protected:
  CoreTest() {
    for (uint8_t i = 0; i < 4; ++i) {
      keys.push_back(validator_key(i));
      params.validators.push_back(address_of(keys.back()));
    }
    params.channel = "core-test";
    params.genesis_timestamp_us = kGenesisUs;
    params.block_tx_max = 4;
    params.treasury = address_of(test_key(200));
    params.accounts = {{address_of(test_key(1)), core::testing::icx(100)}};
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

  int64_t now() const { return kGenesisUs + 10'000'000; }
  const core::Address& addr(size_t i) const { return params.validators[i]; }

  // A block on `parent` (with `parent_result`, its execution) proposed by validator round % 4.
  core::Block block_on(const core::Block& parent, const core::ExecResult& parent_result, const core::QuorumCertificate& parent_qc,
                       uint32_t round, std::vector<core::TxPtr> txs = {}) {
    core::Block b;
    auto& h = b.header;
    h.height = parent.header.height + 1;
    h.round = round;
    h.prev_hash = parent.hash();
    h.timestamp_us = parent.header.timestamp_us + 1'000'000;
    h.proposer = addr(round % 4);
    h.prev_result = parent_result;
    h.validators_hash = core::validators_hash(params.validators);
    b.prev_qc = parent_qc;
    h.prev_qc_hash = b.prev_qc.hash();
    b.txs = std::move(txs);
    return b;
  }
  void sign(core::Block& b, size_t signer) {
    b.header.tx_root = core::tx_root(b.txs);
    b.proposer_signature = crypto::sign(b.header.hash(), keys[signer]);
  }
  // Votes of validators 1..3 (a quorum of 4).
  core::QuorumCertificate qc_for(const core::Block& b) {
    core::QuorumCertificate qc;
    qc.height = b.header.height;
    qc.round = b.header.round;
    qc.block_hash = b.hash();
    for (size_t i = 1; i < 4; ++i) {
      core::Vote v;
      v.height = qc.height;
      v.round = qc.round;
      v.block_hash = qc.block_hash;
      v.voter = addr(i);
      v.timestamp_us = b.header.timestamp_us;
      v.signature = crypto::sign(v.signing_hash(), keys[i]);
      qc.votes.push_back(v);
    }
    std::sort(qc.votes.begin(), qc.votes.end(), [](const auto& a, const auto& c) { return a.voter < c.voter; });
    return qc;
  }
  out::Actions propose(const core::Block& b, size_t from) {
    const Bytes bytes = b.encode();
    return core->on_message(now(), addr(from), {p2p::MessageType::kProposal, wire::encode_proposal(b, bytes)});
  }
  out::Actions page(const std::vector<std::pair<core::Block, core::QuorumCertificate>>& blocks, size_t from) {
    std::vector<wire::CertifiedBlock> p;
    for (const auto& [b, qc] : blocks) p.push_back({b.encode(), qc.encode()});
    return core->on_message(now(), addr(from), {p2p::MessageType::kBlockResponse, wire::encode(p)});
  }
  uint64_t refused(size_t peer, ProposalReject r) const {
    auto it = core->rejections().find(addr(peer));
    return it == core->rejections().end() ? 0 : it->second.count(r);
  }
  uint64_t refused(size_t peer, SyncReject r) const {
    auto it = core->rejections().find(addr(peer));
    return it == core->rejections().end() ? 0 : it->second.count(r);
  }
  // A valid proposal of round 1 (leader: validator 1) on genesis.
  core::Block good_proposal(std::vector<core::TxPtr> txs = {}) {
    auto b = block_on(*ledger->head.block, ledger->head.result, {}, 1, std::move(txs));
    sign(b, 1);
    return b;
  }
  core::TxPtr tx(uint64_t nonce, uint64_t nid = 3, int64_t timestamp_us = kGenesisUs + 1'000'000) {
    core::testing::TxSpec s;
    s.to = address_of(test_key(2));
    s.nonce = nonce;
    s.nid = nid;
    s.timestamp_us = timestamp_us;
    return signed_tx(test_key(1), s);
  }
  static bool votes_for(const out::Actions& actions, const Hash32& block) {
    for (const auto& a : actions)
      if (auto* b = std::get_if<out::Broadcast>(&a); b && b->message.type == p2p::MessageType::kVote)
        if (auto v = core::Vote::decode(b->message.payload); v && v->kind == core::VoteKind::kBlock && v->block_hash == block) return true;
    return false;
  }

  std::vector<crypto::PrivateKey> keys;
  core::ChainParams params;
  NoChecks checks;
  std::unique_ptr<Ledger> ledger, shadow;
  std::unique_ptr<mempool::Mempool> pool;
  std::unique_ptr<ChannelCore> core;
};

TEST_F(CoreTest, AValidProposalIsRecordedAndVotedFor) {
  auto b = good_proposal({tx(1)});
  auto out = propose(b, 1);
  EXPECT_TRUE(votes_for(out, b.hash()));
  EXPECT_TRUE(core->rejections().empty());
  // The body is recorded before the vote leaves (a Persist with the proposal, then one with the vote).
  size_t body = out.size(), vote = out.size();
  for (size_t i = 0; i < out.size(); ++i)
    if (auto* p = std::get_if<out::Persist>(&out[i])) {
      if (!p->update.proposals.empty() && body == out.size()) body = i;
      if (p->update.vote && vote == out.size()) vote = i;
    }
  EXPECT_LT(body, vote);
  EXPECT_LT(vote, out.size());
}

TEST_F(CoreTest, EachProposalRuleRefusesWithItsReasonAndNoVote) {
  struct Case {
    const char* what;
    ProposalReject reason;
    std::function<void(core::Block&)> spoil;
    bool resign = true;
  };
  std::vector<Case> cases = {
      {"bad proposer signature", ProposalReject::kBadProposerSignature, [&](core::Block& b) { sign(b, 2); }, false},
      {"wrong prev_result", ProposalReject::kPrevResultMismatch, [](core::Block& b) { b.header.prev_result.state_root.bytes[0] ^= 1; }},
      {"wrong validators", ProposalReject::kValidatorsMismatch, [](core::Block& b) { b.header.validators_hash.bytes[3] ^= 1; }},
      {"time not advancing", ProposalReject::kTimestampNotAdvancing, [](core::Block& b) { b.header.timestamp_us = kGenesisUs; }},
      {"time too far ahead", ProposalReject::kTimestampTooFarAhead, [&](core::Block& b) { b.header.timestamp_us = now() + 3'600'000'000; }},
      {"too many txs", ProposalReject::kTooManyTxs, [&](core::Block& b) { b.txs = {tx(1), tx(2), tx(3), tx(4), tx(5)}; }},
      {"another nid", ProposalReject::kWrongNid, [&](core::Block& b) { b.txs = {tx(1, 9)}; }},
      {"tx outside the window", ProposalReject::kTxOutsideWindow, [&](core::Block& b) { b.txs = {tx(1, 3, kGenesisUs - 3'600'000'000)}; }},
      {"a tx twice", ProposalReject::kDuplicateTx, [&](core::Block& b) { b.txs = {tx(1), tx(1)}; }},
      {"a bad tx signature", ProposalReject::kBadTxSignature, [&](core::Block& b) {
         auto p = core::testing::signed_params(test_key(1), {});
         p["value"] = "0x2";  // the signature covers value 0x1
         b.txs = {std::make_shared<const core::Transaction>(std::get<core::Transaction>(core::parse_transaction(p)))};
       }},
  };
  for (const auto& c : cases) {
    auto b = good_proposal();
    c.spoil(b);
    if (c.resign) sign(b, 1);
    auto out = propose(b, 1);
    EXPECT_EQ(refused(1, c.reason), 1u) << c.what;
    EXPECT_FALSE(votes_for(out, b.hash())) << c.what;
    for (const auto& a : out) {
      auto* p = std::get_if<out::Persist>(&a);
      EXPECT_TRUE(!p || p->update.proposals.empty()) << c.what << ": a refused proposal is not recorded";
    }
  }
  auto garbage = core->on_message(now(), addr(1), {p2p::MessageType::kProposal, Bytes{1, 2, 3}});
  EXPECT_EQ(refused(1, ProposalReject::kUndecodable), 1u);
  EXPECT_EQ(core->rejections().at(addr(1)).total(), cases.size() + 1);
  EXPECT_EQ(core->final_height(), 0u);
}

TEST_F(CoreTest, ATxAlreadyCertifiedIsRefusedInALaterProposal) {
  auto t = tx(1);
  auto b1 = good_proposal({t});
  auto e1 = shadow->executor.execute(b1, shadow->head.result.state_root);
  auto qc1 = qc_for(b1);
  // Block 1 arrives certified (in block 2's prev_qc); block 2 repeats its tx.
  auto b2 = block_on(b1, e1.result, qc1, 2, {t});
  sign(b2, 2);
  propose(b1, 1);
  propose(b2, 2);
  EXPECT_EQ(refused(2, ProposalReject::kTxAlreadyOnChain), 1u);
}

TEST_F(CoreTest, AnHonestPageIsAdoptedAndItsFinalBlocksCommittedInOrder) {
  // Blocks 1..3 in rounds 1..3: 3 certified in round 3 finalises 2 (round 2), and 1 with it.
  std::vector<std::pair<core::Block, core::QuorumCertificate>> chain;
  core::Block parent = *shadow->head.block;
  core::ExecResult result = shadow->head.result;
  core::QuorumCertificate parent_qc;
  for (uint32_t r = 1; r <= 3; ++r) {
    auto b = block_on(parent, result, parent_qc, r, r == 2 ? std::vector<core::TxPtr>{tx(7)} : std::vector<core::TxPtr>{});
    sign(b, r % 4);
    result = shadow->executor.execute(b, result.state_root).result;
    parent_qc = qc_for(b);
    chain.emplace_back(b, parent_qc);
    parent = b;
  }
  auto out = page(chain, 2);
  std::vector<uint64_t> committed;
  for (const auto& a : out)
    if (auto* c = std::get_if<out::Commit>(&a)) committed.push_back(c->job.block->block->header.height);
  EXPECT_EQ(committed, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(core->final_height(), 2u);
  EXPECT_TRUE(core->rejections().empty());
  // The commit of 1 becomes durable; the view's head moves, block 2 and 3 stay in flight.
  core->on_commit_durable(now(), 1);
  EXPECT_EQ(core->view()->height(), 1u);
  EXPECT_TRUE(core->view()->find_tx(tx(7)->hash).has_value());
}

TEST_F(CoreTest, EachSyncRuleRefusesThePageWithItsReason) {
  core::Block g = *shadow->head.block;
  auto b1 = block_on(g, shadow->head.result, {}, 1);
  sign(b1, 1);
  auto e1 = shadow->executor.execute(b1, shadow->head.result.state_root);
  auto qc1 = qc_for(b1);
  auto b2 = block_on(b1, e1.result, qc1, 2);
  sign(b2, 2);
  auto qc2 = qc_for(b2);

  auto broken_qc = qc2;
  broken_qc.votes.pop_back();  // below quorum
  page({{b1, qc1}, {b2, broken_qc}}, 3);
  EXPECT_EQ(refused(3, SyncReject::kUncertified), 1u);

  page({{b1, qc1}, {b1, qc1}}, 3);
  EXPECT_EQ(refused(3, SyncReject::kOutOfOrder), 1u);
  page({{b2, qc2}}, 3);  // starts above the requested height 1
  EXPECT_EQ(refused(3, SyncReject::kOutOfOrder), 2u);

  auto stray = block_on(g, shadow->head.result, {}, 5);  // height 1 again: not b1's child
  stray.header.height = 2;
  sign(stray, 1);
  page({{b1, qc1}, {stray, qc_for(stray)}}, 3);
  EXPECT_EQ(refused(3, SyncReject::kBrokenParentLink), 1u);

  auto wrong = block_on(g, shadow->head.result, {}, 1);
  wrong.header.prev_result.state_root.bytes[0] ^= 1;
  sign(wrong, 1);
  auto wrong_child = block_on(wrong, e1.result, qc_for(wrong), 2);
  sign(wrong_child, 2);
  page({{wrong, qc_for(wrong)}, {wrong_child, qc_for(wrong_child)}}, 3);
  EXPECT_EQ(refused(3, SyncReject::kPrevResultMismatch), 1u);

  core->on_message(now(), addr(3), {p2p::MessageType::kBlockResponse, Bytes{9, 9}});
  EXPECT_EQ(refused(3, SyncReject::kUndecodable), 1u);
  // Nothing was adopted.
  EXPECT_EQ(core->final_height(), 0u);
  EXPECT_TRUE(core->view()->inflight.empty());
}

}  // namespace
}  // namespace cx::channel
