// LFT engine tests: quorum arithmetic, then whole clusters of engines wired through an in-test
// network (a FIFO queue, virtual time, no threads or clocks), then single-engine edge cases.
#include <gtest/gtest.h>

#include <deque>
#include <iostream>
#include <functional>
#include <map>
#include <set>

#include "base/random.hpp"
#include "consensus/engine.hpp"
#include "crypto/address.hpp"

namespace cx::consensus {
namespace {

using core::Address;
using core::QuorumCertificate;
using core::Vote;
using core::VoteKind;

crypto::PrivateKey test_key(uint8_t i) {
  crypto::PrivateKey k;
  k.bytes[0] = 0x5a;
  k.bytes[31] = i;
  return k;
}

Address address_of(const crypto::PrivateKey& k) { return Address::of_public_key(*crypto::public_key_of(k)); }

BlockPtr make_genesis() {
  auto b = std::make_shared<core::Block>();
  b->header.timestamp_us = 1'000'000;
  return b;
}

// What the channel's builder does, minus txs and execution results.
BlockPtr make_block(uint64_t height, uint32_t round, const BlockPtr& parent, const QuorumCertificate& parent_qc,
                    const crypto::PrivateKey& key, const std::vector<Address>& validators, int64_t time_bump_us = 1000) {
  auto b = std::make_shared<core::Block>();
  auto& h = b->header;
  h.height = height;
  h.round = round;
  h.prev_hash = parent->hash();
  h.timestamp_us = parent->header.timestamp_us + time_bump_us;
  h.proposer = address_of(key);
  h.tx_root = core::tx_root(b->txs);
  h.validators_hash = core::validators_hash(validators);
  b->prev_qc = parent_qc;
  h.prev_qc_hash = b->prev_qc.hash();
  b->proposer_signature = crypto::sign(h.hash(), key);
  return b;
}

Vote make_vote(const crypto::PrivateKey& key, uint64_t height, uint32_t round, VoteKind kind, const Hash32& hash,
               int64_t timestamp_us = 0) {
  Vote v;
  v.height = height;
  v.round = round;
  v.kind = kind;
  v.block_hash = kind == VoteKind::kBlock ? hash : Hash32{};
  v.voter = address_of(key);
  v.timestamp_us = timestamp_us;
  v.signature = crypto::sign(v.signing_hash(), key);
  return v;
}

template <typename T>
std::vector<T> all_of_kind(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Quorum arithmetic (DESIGN.md §4).

TEST(Quorum, ArithmeticHoldsForOneToAThousandValidators) {
  for (size_t n = 1; n <= 1000; ++n) {
    size_t f = max_faulty(n), q = quorum(n);
    ASSERT_GE(n, 3 * f + 1) << n;          // f is the most faults BFT can tolerate
    ASSERT_GT(3 * q, 2 * n) << n;          // q > 2n/3
    ASSERT_GE(2 * q, n + f + 1) << n;      // two quorums share at least f+1 validators (one honest)
    ASSERT_LE(q, n - f) << n;              // a quorum is reachable with f validators silent
    ASSERT_EQ(max_faulty(n + 1) - f <= 1, true) << n;
  }
  EXPECT_EQ(quorum(1), 1u);
  EXPECT_EQ(quorum(4), 3u);
  EXPECT_EQ(quorum(7), 5u);
  EXPECT_EQ(quorum(10), 7u);
}

// ---------------------------------------------------------------------------------------------
// A cluster of engines and a deterministic mini network. Each node plays the channel: it builds
// proposals, delivers a proposal early (contents_valid=false) while the parent is not executed and
// again once it is, executes (instantly) and records commits, keeps the latest WAL record, serves
// syncs from the most advanced peer.

struct Msg {
  size_t from;
  size_t to;
  BlockPtr block;
  std::optional<Vote> vote;
};

struct Node {
  crypto::PrivateKey key;
  Address addr;
  std::unique_ptr<Engine> engine;
  bool crashed = false;
  std::set<Hash32> executed;
  std::vector<std::pair<BlockPtr, QuorumCertificate>> commits;
  BlockPtr candidate;
  QuorumCertificate candidate_qc;
  std::vector<Bytes> wal;
  std::map<Hash32, BlockPtr> waiting;            // proposals whose parent is not executed yet
  std::multimap<uint64_t, Timer> timers;         // due time (virtual ms) -> timer
  std::set<std::pair<uint64_t, uint32_t>> voted; // (height, round) of own votes broadcast
  bool persisted_since_vote = false;
  std::vector<Vote> own_votes;
  std::vector<uint64_t> sync_requests;
  std::map<uint64_t, uint64_t> executed_at_ms;   // height -> virtual time the block was executed

  uint64_t top_height() const {
    if (candidate) return candidate->header.height;
    return commits.empty() ? 0 : commits.back().first->header.height;
  }
};

class Cluster {
 public:
  explicit Cluster(size_t n) : m_genesis(make_genesis()) {
    for (size_t i = 0; i < n; ++i) {
      Node node;
      node.key = test_key(static_cast<uint8_t>(i + 1));
      node.addr = address_of(node.key);
      validators.push_back(node.addr);
      nodes.push_back(std::move(node));
    }
  }

  EngineOptions options(size_t i) const {
    EngineOptions o;
    o.validators = validators;
    o.key = nodes[i].key;
    o.block_interval_ms = 200;
    o.round_timeout_ms = 2000;
    return o;
  }

  void start_all() {
    for (size_t i = 0; i < nodes.size(); ++i) start(i);
  }

  void start(size_t i) {
    auto& node = nodes[i];
    node.crashed = false;
    node.engine = make_lft_engine(options(i));
    node.executed.insert(m_genesis->hash());
    run(i, node.engine->start(tip_of(i), node.wal));
  }

  // Lose everything not durable: engine state, timers, in-flight messages.
  void crash(size_t i) {
    nodes[i].crashed = true;
    nodes[i].engine.reset();
    nodes[i].timers.clear();
    nodes[i].waiting.clear();
  }

  ChainTip tip_of(size_t i) const {
    const auto& node = nodes[i];
    ChainTip tip;
    tip.committed = node.commits.empty() ? m_genesis : node.commits.back().first;
    if (!node.commits.empty()) tip.committed_qc = node.commits.back().second;
    tip.candidate = node.candidate;
    tip.candidate_qc = node.candidate_qc;
    return tip;
  }

  // Delivers one message, or fires the earliest timer; false when nothing is left to do.
  bool step() {
    if (!m_syncs.empty()) {
      size_t i = m_syncs.front();
      m_syncs.pop_front();
      sync(i);
      return true;
    }
    if (!m_queue.empty()) {
      Msg m = std::move(m_queue.front());
      m_queue.pop_front();
      deliver(m);
      return true;
    }
    size_t best = nodes.size();
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].crashed || nodes[i].timers.empty()) continue;
      if (best == nodes.size() || nodes[i].timers.begin()->first < nodes[best].timers.begin()->first) best = i;
    }
    if (best == nodes.size()) return false;
    auto it = nodes[best].timers.begin();
    now_ms = std::max(now_ms, it->first);
    Timer t = it->second;
    nodes[best].timers.erase(it);
    run(best, nodes[best].engine->on_timeout(t));
    return true;
  }

  // Runs until `done` holds; fails the test if it does not within `steps_max` steps.
  void run_until(const std::function<bool()>& done, size_t steps_max = 200000) {
    for (size_t s = 0; s < steps_max; ++s) {
      if (done()) return;
      if (!step()) break;
    }
    if (!done()) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].engine) continue;
        auto st = nodes[i].engine->status();
        std::cerr << "node " << i << " height " << st.height << " round " << st.round << " commits "
                  << nodes[i].commits.size() << " top " << nodes[i].top_height() << " waiting " << nodes[i].waiting.size()
                  << " syncs " << nodes[i].sync_requests.size() << " timers " << nodes[i].timers.size()
                  << " next " << (nodes[i].timers.empty() ? 0 : nodes[i].timers.begin()->first) << " behind "
                  << st.behind_to.value_or(0) << "\n";
      }
    }
    ASSERT_TRUE(done()) << "cluster did not get there; virtual time " << now_ms << " ms";
  }

  bool all_committed(size_t count, const std::set<size_t>& which) const {
    for (size_t i : which)
      if (nodes[i].commits.size() < count) return false;
    return true;
  }

  std::set<size_t> everyone() const {
    std::set<size_t> s;
    for (size_t i = 0; i < nodes.size(); ++i) s.insert(i);
    return s;
  }

  // Safety: every node's commits are heights 1, 2, ... and agree with every other node's.
  void expect_consistent() const {
    std::map<uint64_t, Hash32> chain;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const auto& c = nodes[i].commits;
      for (size_t k = 0; k < c.size(); ++k) {
        const auto& b = *c[k].first;
        EXPECT_EQ(b.header.height, k + 1) << "node " << i;
        if (k > 0) {
          EXPECT_EQ(b.header.prev_hash, c[k - 1].first->hash()) << "node " << i;
        }
        EXPECT_EQ(c[k].second.block_hash, b.hash());
        auto [it, fresh] = chain.emplace(b.header.height, b.hash());
        EXPECT_EQ(it->second, b.hash()) << "node " << i << " disagrees at height " << b.header.height;
      }
    }
  }

  std::function<bool(size_t from, size_t to)> link = [](size_t, size_t) { return true; };
  std::function<bool(const Msg&)> drop = [](const Msg&) { return false; };
  // The channel's verdict on a block's contents at node `at`.
  std::function<bool(const core::Block&, size_t at)> judge = [](const core::Block&, size_t) { return true; };
  std::vector<Address> validators;
  std::vector<Node> nodes;
  uint64_t now_ms = 0;
  size_t messages_sent = 0;

 private:
  void send(size_t from, Msg m) {
    for (size_t to = 0; to < nodes.size(); ++to) {
      if (to == from) continue;
      m.from = from;
      m.to = to;
      ++messages_sent;
      m_queue.push_back(m);
    }
  }

  void deliver(const Msg& m) {
    auto& node = nodes[m.to];
    if (node.crashed || nodes[m.from].crashed || !link(m.from, m.to) || drop(m)) return;
    if (m.vote) {
      run(m.to, node.engine->on_vote(*m.vote));
      return;
    }
    deliver_proposal(m.to, m.block);
  }

  void deliver_proposal(size_t i, const BlockPtr& b) {
    auto& node = nodes[i];
    if (node.executed.contains(b->header.prev_hash)) {
      run(i, node.engine->on_proposal(b, judge(*b, i)));
    } else {
      node.waiting.emplace(b->hash(), b);
      run(i, node.engine->on_proposal(b, /*contents_valid=*/false));
    }
  }

  void sync(size_t i) {
    size_t best = nodes.size();
    for (size_t j = 0; j < nodes.size(); ++j) {
      if (j == i || nodes[j].crashed || !link(j, i) || !link(i, j)) continue;
      if (best == nodes.size() || nodes[j].top_height() > nodes[best].top_height()) best = j;
    }
    if (best == nodes.size()) return;
    auto& node = nodes[i];
    const auto& src = nodes[best];
    if (src.top_height() <= node.top_height()) return;
    for (const auto& c : src.commits) {
      if (c.first->header.height <= (node.commits.empty() ? 0 : node.commits.back().first->header.height)) continue;
      node.commits.push_back(c);
      node.executed.insert(c.first->hash());
    }
    node.candidate = src.candidate;
    node.candidate_qc = src.candidate_qc;
    if (node.candidate) node.executed.insert(node.candidate->hash());
    run(i, node.engine->on_synced(tip_of(i)));
    // Proposals that waited for a parent the sync brought are delivered again, with a verdict.
    for (auto it = node.waiting.begin(); it != node.waiting.end();) {
      if (!node.executed.contains(it->second->header.prev_hash)) {
        ++it;
        continue;
      }
      BlockPtr b = it->second;
      it = node.waiting.erase(it);
      run(i, node.engine->on_proposal(b, judge(*b, i)));
    }
  }

  void run(size_t i, Actions actions) {
    auto& node = nodes[i];
    for (size_t k = 0; k < actions.size(); ++k) {
      Action a = std::move(actions[k]);
      Actions more;
      if (auto* t = std::get_if<ActSetTimer>(&a)) {
        node.timers.emplace(now_ms + t->delay_ms, t->timer);
      } else if (auto* b = std::get_if<ActBuildProposal>(&a)) {
        EXPECT_TRUE(node.executed.contains(b->parent->hash())) << "proposal on an unexecuted parent";
        auto block = make_block(b->height, b->round, b->parent, b->parent_qc, node.key, validators);
        more = node.engine->on_proposal(block, judge(*block, i));
      } else if (auto* p = std::get_if<ActBroadcastProposal>(&a)) {
        EXPECT_EQ(p->block->header.proposer, node.addr);
        send(i, Msg{0, 0, p->block, std::nullopt});
      } else if (auto* v = std::get_if<ActBroadcastVote>(&a)) {
        if (v->vote.voter == node.addr && node.voted.emplace(v->vote.height, v->vote.round).second) {
          // A new signature leaves the node only after its record was made durable.
          EXPECT_TRUE(node.persisted_since_vote) << "vote broadcast before ActPersist";
          node.persisted_since_vote = false;
          node.own_votes.push_back(v->vote);
        }
        send(i, Msg{0, 0, nullptr, v->vote});
      } else if (auto* e = std::get_if<ActExecute>(&a)) {
        EXPECT_TRUE(node.executed.contains(e->block->header.prev_hash)) << "executing out of order";
        EXPECT_GE(e->qc.votes.size(), quorum(nodes.size()));
        node.executed.insert(e->block->hash());
        node.executed_at_ms[e->block->header.height] = now_ms;
        node.candidate = e->block;
        node.candidate_qc = e->qc;
        more = node.engine->on_block_executed(e->block->hash());
        // The channel re-delivers proposals that waited for this parent, now with a verdict.
        for (auto it = node.waiting.begin(); it != node.waiting.end();) {
          if (it->second->header.prev_hash != e->block->hash()) {
            ++it;
            continue;
          }
          auto extra = node.engine->on_proposal(it->second, judge(*it->second, i));
          for (auto& x : extra) more.push_back(std::move(x));
          it = node.waiting.erase(it);
        }
      } else if (auto* c = std::get_if<ActCommit>(&a)) {
        uint64_t expected = node.commits.empty() ? 1 : node.commits.back().first->header.height + 1;
        EXPECT_EQ(c->block->header.height, expected) << "node " << i << " commits out of order";
        node.commits.emplace_back(c->block, c->qc);
      } else if (auto* w = std::get_if<ActPersist>(&a)) {
        node.wal.push_back(w->record);
        node.persisted_since_vote = true;
      } else if (auto* s = std::get_if<ActSync>(&a)) {
        node.sync_requests.push_back(s->height);
        m_syncs.push_back(i);
      }
      for (auto& m : more) actions.push_back(std::move(m));
    }
  }

  BlockPtr m_genesis;
  std::deque<Msg> m_queue;
  std::deque<size_t> m_syncs;
};

TEST(LftCluster, FourValidatorsCommitTheSameBlocksInHeightOrderWithRotatingLeaders) {
  Cluster c(4);
  c.start_all();
  c.run_until([&] { return c.all_committed(12, c.everyone()); });
  c.expect_consistent();
  std::set<Address> proposers;
  for (const auto& [block, qc] : c.nodes[0].commits) {
    const auto& h = block->header;
    EXPECT_EQ(h.round, 0u) << "no round should fail with everyone honest and connected";
    EXPECT_EQ(h.proposer, c.validators[(h.height + h.round) % 4]) << "height " << h.height;
    EXPECT_EQ(qc.votes.size(), 3u);
    for (size_t k = 1; k < qc.votes.size(); ++k) EXPECT_LT(qc.votes[k - 1].voter, qc.votes[k].voter);
    proposers.insert(h.proposer);
  }
  EXPECT_EQ(proposers.size(), 4u);
  for (const auto& n : c.nodes) {
    EXPECT_TRUE(n.sync_requests.empty());
    EXPECT_EQ(n.engine->status().equivocations, 0u);
    EXPECT_GE(n.engine->status().height, 13u);
  }
  // Blocks come at the block interval, not faster: 12 blocks take at least 12 × 200 ms.
  EXPECT_GE(c.now_ms, 12u * 200u);
  EXPECT_LT(c.now_ms, 14u * 200u);
}

TEST(LftCluster, SilentValidatorCostsOneTimeoutPerTurnAndTheOthersCommit) {
  Cluster c(4);
  c.link = [](size_t from, size_t to) { return from != 3 && to != 3; };
  c.start_all();
  c.run_until([&] { return c.all_committed(12, {0, 1, 2}); });
  c.expect_consistent();
  EXPECT_TRUE(c.nodes[3].commits.empty());
  for (const auto& [block, qc] : c.nodes[0].commits) {
    const auto& h = block->header;
    // Validator 3 leads round 0 at heights ≡ 3 (mod 4): that round ends on none votes after one
    // timeout and the next validator in turn proposes at round 1.
    uint32_t expected_round = h.height % 4 == 3 ? 1 : 0;
    EXPECT_EQ(h.round, expected_round) << "height " << h.height;
    EXPECT_EQ(h.proposer, c.validators[(h.height + h.round) % 4]);
    EXPECT_NE(h.proposer, c.validators[3]);
  }
}

TEST(LftCluster, LaggingValidatorAsksToSyncThenRejoins) {
  Cluster c(4);
  bool isolated = true;
  c.link = [&](size_t from, size_t to) { return !isolated || (from != 3 && to != 3); };
  c.start_all();
  c.run_until([&] { return c.all_committed(8, {0, 1, 2}); });
  EXPECT_EQ(c.nodes[3].engine->status().height, 1u);
  isolated = false;
  size_t target = c.nodes[0].commits.size() + 8;
  c.run_until([&] { return c.all_committed(target, c.everyone()); });
  c.expect_consistent();
  ASSERT_FALSE(c.nodes[3].sync_requests.empty());
  EXPECT_GE(c.nodes[3].sync_requests.front(), 8u);
  EXPECT_FALSE(c.nodes[3].engine->status().behind_to.has_value());
  // Validator 3 votes again after catching up.
  EXPECT_GE(c.nodes[3].own_votes.back().height, c.nodes[3].sync_requests.front());
}

TEST(LftCluster, InvalidProposalGetsNoneVotesAndTheRoundMovesOnWithoutWaitingForTheTimeout) {
  Cluster c(4);
  // Everyone but its proposer finds the first proposal's contents invalid.
  c.judge = [&](const core::Block& b, size_t at) {
    return !(b.header.height == 1 && b.header.round == 0 && b.header.proposer != c.validators[at]);
  };
  c.start_all();
  c.run_until([&] { return c.all_committed(3, c.everyone()); });
  c.expect_consistent();
  const auto& first = c.nodes[0].commits[0].first->header;
  EXPECT_EQ(first.round, 1u);
  EXPECT_EQ(first.proposer, c.validators[2]);
  for (size_t i = 0; i < 4; ++i) {
    const auto& v = c.nodes[i].own_votes.front();
    EXPECT_EQ(v.height, 1u);
    EXPECT_EQ(v.round, 0u);
    EXPECT_EQ(v.kind, i == 1 ? VoteKind::kBlock : VoteKind::kNone) << "validator " << i;
    // Height 1 was decided on the none votes, long before a 2.2 s round timeout.
    EXPECT_LT(c.nodes[i].executed_at_ms.at(1), 1000u);
  }
}

TEST(LftCluster, SingleValidatorCommitsWithTheLftEngine) {
  Cluster c(1);
  c.start_all();
  c.run_until([&] { return c.all_committed(5, c.everyone()); });
  c.expect_consistent();
  for (const auto& [block, qc] : c.nodes[0].commits) {
    EXPECT_EQ(block->header.round, 0u);
    EXPECT_EQ(qc.votes.size(), 1u);
  }
}

TEST(LftCluster, SevenValidatorsWithTwoSilentStillCommit) {
  Cluster c(7);
  c.link = [](size_t from, size_t to) { return from < 5 && to < 5; };
  c.start_all();
  c.run_until([&] { return c.all_committed(10, {0, 1, 2, 3, 4}); });
  c.expect_consistent();
}

TEST(LftCluster, UndecidedQuorumEndsTheRoundAfterTwoTimeouts) {
  // Validator 3 is down and validator 2 never gets the first proposal: 2 block votes + 1 none vote
  // is a quorum of votes that neither certifies nor proves the round lost.
  Cluster c(4);
  c.link = [](size_t from, size_t to) { return from != 3 && to != 3; };
  c.drop = [](const Msg& m) { return m.to == 2 && m.block && m.block->header.height == 1 && m.block->header.round == 0; };
  c.start_all();
  c.run_until([&] { return c.all_committed(3, {0, 1, 2}); });
  c.expect_consistent();
  const auto& first = c.nodes[0].commits[0].first->header;
  EXPECT_EQ(first.round, 1u);
  EXPECT_EQ(first.proposer, c.validators[2]);
  // Round 0 cost its timeout (2.2 s) plus one more timeout, not more.
  EXPECT_GE(c.nodes[0].executed_at_ms.at(1), 2u * 2200u);
  EXPECT_LT(c.nodes[0].executed_at_ms.at(1), 4u * 2200u);
}

// Random loss (each delivery lost independently), with and without a silent validator: commits
// agree everywhere, and the cluster keeps going through lost proposals, votes and rounds split
// between nodes (re-broadcasts, round proofs, lazy round ends, syncs).
TEST(LftCluster, LossyNetworkStaysSafeAndLive) {
  for (size_t n : {4, 7})
    for (uint64_t loss : {10, 35})
      for (uint64_t seed = 1; seed <= 6; ++seed) {
        Cluster c(n);
        SeededRandom rng(seed * 1000 + loss * 10 + n);
        bool silent = seed % 2 == 0;
        c.link = [&](size_t from, size_t to) {
          if (silent && (from == 0 || to == 0)) return false;
          return rng.below(100) >= loss;
        };
        c.start_all();
        std::set<size_t> live;
        for (size_t i = silent ? 1 : 0; i < n; ++i) live.insert(i);
        c.run_until([&] { return c.all_committed(8, live); }, 3'000'000);
        c.expect_consistent();
        if (testing::Test::HasFailure()) {
          ADD_FAILURE() << "n " << n << " loss " << loss << "% seed " << seed;
          return;
        }
      }
}

TEST(LftCluster, CrashedAndRestartedValidatorResumesFromItsRecords) {
  Cluster c(4);
  c.start_all();
  c.run_until([&] { return c.all_committed(5, c.everyone()); });
  c.crash(2);
  c.run_until([&] { return c.all_committed(9, {0, 1, 3}); });
  c.start(2);
  size_t target = c.nodes[0].commits.size() + 6;
  c.run_until([&] { return c.all_committed(target, c.everyone()); });
  c.expect_consistent();
  // No two different votes by validator 2 for one (height, round), across the restart.
  std::map<std::pair<uint64_t, uint32_t>, Vote> seen;
  for (const auto& v : c.nodes[2].own_votes) {
    auto [it, fresh] = seen.emplace(std::make_pair(v.height, v.round), v);
    if (!fresh) {
      EXPECT_TRUE(it->second.block_hash == v.block_hash && it->second.kind == v.kind);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One engine driven by hand.

struct Solo4 {
  std::vector<crypto::PrivateKey> keys;
  std::vector<Address> validators;
  BlockPtr genesis = make_genesis();

  Solo4() {
    for (uint8_t i = 1; i <= 4; ++i) {
      keys.push_back(test_key(i));
      validators.push_back(address_of(keys.back()));
    }
  }
  std::unique_ptr<Engine> engine(size_t i) const {
    EngineOptions o;
    o.validators = validators;
    o.key = keys[i];
    return make_lft_engine(o);
  }
  ChainTip tip() const { return ChainTip{genesis, {}, nullptr, {}}; }
  // The proposal of validator 1, leader of (1, 0).
  BlockPtr proposal(int64_t time_bump_us = 1000) const {
    return make_block(1, 0, genesis, {}, keys[1], validators, time_bump_us);
  }
};

TEST(LftEngine, EquivocatingVoterIsCountedOnceAndNotRelayed) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal(1000), y = s.proposal(2000);
  auto first = e->on_vote(make_vote(s.keys[2], 1, 0, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActBroadcastVote>(first).size(), 1u);  // relayed once
  auto again = e->on_vote(make_vote(s.keys[2], 1, 0, VoteKind::kBlock, x->hash()));
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(again).empty());
  EXPECT_EQ(e->status().equivocations, 0u);
  auto second = e->on_vote(make_vote(s.keys[2], 1, 0, VoteKind::kBlock, y->hash()));
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(second).empty());
  EXPECT_EQ(e->status().equivocations, 1u);
  auto none = e->on_vote(make_vote(s.keys[2], 1, 0, VoteKind::kNone, {}));
  EXPECT_EQ(e->status().equivocations, 2u);
  // The first vote still counts: with two more for x and the body, x is certified.
  e->on_vote(make_vote(s.keys[1], 1, 0, VoteKind::kBlock, x->hash()));
  auto done = e->on_vote(make_vote(s.keys[3], 1, 0, VoteKind::kBlock, x->hash()));
  EXPECT_TRUE(all_of_kind<ActExecute>(done).empty());  // q votes but no body yet
  auto out = e->on_proposal(x, /*contents_valid=*/true);
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), x->hash());
  EXPECT_EQ(exec[0].qc.votes.size(), 3u);
  EXPECT_EQ(e->status().height, 2u);
}

TEST(LftEngine, VotesWithBadSignaturesOrFromOutsidersAreIgnored) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal();
  e->on_proposal(x, /*contents_valid=*/true);
  // Signed by someone else than the named voter.
  Vote forged = make_vote(test_key(9), 1, 0, VoteKind::kBlock, x->hash());
  forged.voter = s.validators[2];
  EXPECT_TRUE(e->on_vote(forged).empty());
  // A signature that no longer matches the content.
  Vote tampered = make_vote(s.keys[3], 1, 0, VoteKind::kBlock, x->hash());
  tampered.signature.bytes[5] ^= 1;
  EXPECT_TRUE(e->on_vote(tampered).empty());
  // A correctly signed vote from a key outside the validator set.
  EXPECT_TRUE(e->on_vote(make_vote(test_key(9), 1, 0, VoteKind::kBlock, x->hash())).empty());
  // A none vote that names a block is malformed.
  Vote odd = make_vote(s.keys[3], 1, 0, VoteKind::kBlock, x->hash());
  odd.kind = VoteKind::kNone;
  odd.signature = crypto::sign(odd.signing_hash(), s.keys[3]);
  EXPECT_TRUE(e->on_vote(odd).empty());
  // Own vote + the leader's = 2 < q: none of the above counted, so no certification yet...
  EXPECT_TRUE(all_of_kind<ActExecute>(e->on_vote(make_vote(s.keys[1], 1, 0, VoteKind::kBlock, x->hash()))).empty());
  // ...and one genuine third vote certifies.
  auto out = e->on_vote(make_vote(s.keys[3], 1, 0, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
}

TEST(LftEngine, RestartedValidatorRefusesToSignADifferentVoteForTheSameRound) {
  Solo4 s;
  auto x = s.proposal(1000), y = s.proposal(2000);  // the leader equivocates
  std::vector<Bytes> records;
  Vote original;
  {
    auto e = s.engine(2);
    e->start(s.tip(), {});
    auto out = e->on_proposal(x, /*contents_valid=*/true);
    ASSERT_EQ(out.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<ActPersist>(out[0]));  // durable before it leaves
    ASSERT_TRUE(std::holds_alternative<ActBroadcastVote>(out[1]));
    records.push_back(std::get<ActPersist>(out[0]).record);
    original = std::get<ActBroadcastVote>(out[1]).vote;
    EXPECT_EQ(original.block_hash, x->hash());
  }
  // Control: a fresh engine without the records would vote for y.
  {
    auto fresh = s.engine(2);
    fresh->start(s.tip(), {});
    auto votes = all_of_kind<ActBroadcastVote>(fresh->on_proposal(y, /*contents_valid=*/true));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].vote.block_hash, y->hash());
  }
  auto e = s.engine(2);
  auto started = all_of_kind<ActBroadcastVote>(e->start(s.tip(), records));
  ASSERT_EQ(started.size(), 1u);  // the recorded vote is sent again, unchanged
  EXPECT_EQ(started[0].vote.encode(), original.encode());
  auto out = e->on_proposal(y, /*contents_valid=*/true);
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());
  EXPECT_TRUE(all_of_kind<ActPersist>(out).empty());
  // A round timeout re-sends the same vote instead of signing a none vote.
  auto timeout = all_of_kind<ActBroadcastVote>(e->on_timeout(Timer{TimerKind::kRound, 1, 0}));
  ASSERT_FALSE(timeout.empty());
  EXPECT_EQ(timeout[0].vote.encode(), original.encode());
  // The same holds for an earlier round after the restart: nothing is signed below the record.
  auto later = s.engine(2);
  std::vector<Bytes> r1_records;
  {
    auto tmp = s.engine(2);
    tmp->start(s.tip(), {});
    // Two none votes at round 0 leave too few validators for any block to reach q = 3.
    tmp->on_vote(make_vote(s.keys[0], 1, 0, VoteKind::kNone, {}));
    tmp->on_vote(make_vote(s.keys[1], 1, 0, VoteKind::kNone, {}));
    EXPECT_EQ(tmp->status().round, 1u);
    auto t1 = tmp->on_timeout(Timer{TimerKind::kRound, 1, 1});
    for (const auto& p : all_of_kind<ActPersist>(t1)) r1_records.push_back(p.record);
    ASSERT_EQ(r1_records.size(), 1u);
  }
  later->start(s.tip(), r1_records);
  EXPECT_EQ(later->status().round, 1u);
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(later->on_proposal(x, /*contents_valid=*/true)).empty());
}

TEST(LftEngine, CertificateSeenBeforeTheBlockIsKeptUntilTheBodyArrives) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto x = s.proposal();
  for (size_t k = 1; k < 4; ++k)
    EXPECT_TRUE(all_of_kind<ActExecute>(e->on_vote(make_vote(s.keys[k], 1, 0, VoteKind::kBlock, x->hash()))).empty());
  EXPECT_EQ(e->status().height, 1u);
  // The body arrives (e.g. fetched by the channel) even as a delivery without a verdict.
  auto out = e->on_proposal(x, /*contents_valid=*/false);
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].qc.block_hash, x->hash());
  EXPECT_TRUE(all_of_kind<ActBroadcastVote>(out).empty());  // certified without this node's vote
  EXPECT_EQ(e->status().height, 2u);
}

TEST(LftEngine, CertificateInAProposalForAFarHeightAsksForSync) {
  Solo4 s;
  // Build a chain of certified blocks 1..5 that this engine never saw.
  BlockPtr parent = s.genesis;
  QuorumCertificate qc;
  for (uint64_t h = 1; h <= 5; ++h) {
    auto b = make_block(h, 0, parent, qc, s.keys[h % 4], s.validators);
    QuorumCertificate next{h, 0, b->hash(), {}};
    for (size_t k = 0; k < 3; ++k) next.votes.push_back(make_vote(s.keys[k], h, 0, VoteKind::kBlock, b->hash()));
    std::sort(next.votes.begin(), next.votes.end(), [](const Vote& a, const Vote& b) { return a.voter < b.voter; });
    parent = b;
    qc = next;
  }
  auto e = s.engine(3);
  e->start(s.tip(), {});
  auto six = make_block(6, 0, parent, qc, s.keys[6 % 4], s.validators);
  auto syncs = all_of_kind<ActSync>(e->on_proposal(six, /*contents_valid=*/false));
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[0].height, 5u);
  EXPECT_EQ(e->status().behind_to, std::optional<uint64_t>(5));
  // A QC short of a quorum is not evidence.
  auto e2 = s.engine(3);
  e2->start(s.tip(), {});
  QuorumCertificate short_qc = qc;
  short_qc.votes.pop_back();
  auto seven = make_block(6, 0, parent, short_qc, s.keys[6 % 4], s.validators);
  EXPECT_TRUE(all_of_kind<ActSync>(e2->on_proposal(seven, /*contents_valid=*/false)).empty());
  EXPECT_FALSE(e2->status().behind_to.has_value());
}

TEST(LftEngine, FarFutureVotesAreBounded) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  size_t relayed = 0;
  for (uint32_t r = 1; r <= 500; ++r)
    relayed += all_of_kind<ActBroadcastVote>(e->on_vote(make_vote(s.keys[3], 1, r, VoteKind::kNone, {}))).size();
  EXPECT_LE(relayed, 40u);
  EXPECT_EQ(e->status().round, 0u);  // one validator alone cannot move the round
  // The current round still works.
  auto x = s.proposal();
  e->on_proposal(x, /*contents_valid=*/true);
  e->on_vote(make_vote(s.keys[1], 1, 0, VoteKind::kBlock, x->hash()));
  auto out = e->on_vote(make_vote(s.keys[2], 1, 0, VoteKind::kBlock, x->hash()));
  EXPECT_EQ(all_of_kind<ActExecute>(out).size(), 1u);
}

TEST(LftEngine, ProposalFromTheWrongLeaderIsIgnored) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto wrong = make_block(1, 0, s.genesis, {}, s.keys[2], s.validators);
  EXPECT_TRUE(e->on_proposal(wrong, /*contents_valid=*/true).empty());
  // The real leader's proposal still gets this validator's (single) vote.
  auto votes = all_of_kind<ActBroadcastVote>(e->on_proposal(s.proposal(), /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kBlock);
}

TEST(LftEngine, ProposalNotExtendingTheCandidateGetsANoneVote) {
  Solo4 s;
  auto e = s.engine(0);
  e->start(s.tip(), {});
  auto p = std::make_shared<core::Block>(*s.proposal());
  p->header.validators_hash = Hash32{};  // names another validator set
  p->proposer_signature = crypto::sign(p->header.hash(), s.keys[1]);
  auto votes = all_of_kind<ActBroadcastVote>(e->on_proposal(p, /*contents_valid=*/true));
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].vote.kind, VoteKind::kNone);
}

TEST(LftEngine, RoundTimeoutGrowsAndIsCapped) {
  Solo4 s;
  auto e = s.engine(0);
  auto timers = all_of_kind<ActSetTimer>(e->start(s.tip(), {}));
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers[0].timer, (Timer{TimerKind::kRound, 1, 0}));
  EXPECT_EQ(timers[0].delay_ms, 2000u + 200u);
  std::vector<uint64_t> delays;
  for (uint32_t r = 0; r < 8; ++r) {
    Actions out;
    for (size_t k = 1; k < 4; ++k) {
      auto more = e->on_vote(make_vote(s.keys[k], 1, r, VoteKind::kNone, {}));
      out.insert(out.end(), more.begin(), more.end());
    }
    ASSERT_EQ(e->status().round, r + 1);
    for (const auto& t : all_of_kind<ActSetTimer>(out))
      if (t.timer.kind == TimerKind::kRound) delays.push_back(t.delay_ms);
  }
  EXPECT_EQ(delays, (std::vector<uint64_t>{4000, 8000, 16000, 32000, 64000, 64000, 64000, 64000}));
}

}  // namespace
}  // namespace cx::consensus
