#pragma once
// The LFT engine tests' harness (lft_engine_test.cpp, lft_reconfig_test.cpp): whole clusters of
// engines wired through an in-test network (a FIFO queue, virtual time, no threads or clocks).
// Rounds are numbered across heights (lft_engine.cpp): genesis is round 0, the leader of round r
// is validators[r % n] unweighted, and with nothing failing block h is proposed in round h.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "base/random.hpp"
#include "consensus/engine.hpp"
#include "crypto/address.hpp"

namespace cx::consensus::lft_test {

using core::Address;
using core::QuorumCertificate;
using core::Vote;
using core::VoteKind;

inline crypto::PrivateKey test_key(uint8_t i) {
  crypto::PrivateKey k;
  k.bytes[0] = 0x5a;
  k.bytes[31] = i;
  return k;
}

inline Address address_of(const crypto::PrivateKey& k) { return Address::of_public_key(*crypto::public_key_of(k)); }

inline BlockPtr make_genesis() {
  auto b = std::make_shared<core::Block>();
  b->header.timestamp_us = 1'000'000;
  return b;
}

// What the channel's builder does, minus txs and execution results, under a schedule of validator sets.
inline BlockPtr make_scheduled_block(uint64_t height, uint32_t round, const BlockPtr& parent,
                                     const QuorumCertificate& parent_qc, const crypto::PrivateKey& key,
                                     const core::ValidatorSchedule& schedule, int64_t time_bump_us = 1000) {
  auto b = std::make_shared<core::Block>();
  auto& h = b->header;
  h.height = height;
  h.round = round;
  h.prev_hash = parent->hash();
  h.timestamp_us = parent->header.timestamp_us + time_bump_us;
  h.proposer = address_of(key);
  h.tx_root = core::tx_root(b->txs);
  h.validators_hash = schedule.at(height).hash();
  h.set_next_validators(schedule.at(height + 1).hash());
  b->prev_qc = parent_qc;
  h.prev_qc_hash = b->prev_qc.hash();
  b->proposer_signature = crypto::sign(h.hash(), key);
  return b;
}

inline BlockPtr make_block(uint64_t height, uint32_t round, const BlockPtr& parent, const QuorumCertificate& parent_qc,
                           const crypto::PrivateKey& key, const std::vector<Address>& validators, int64_t time_bump_us = 1000) {
  return make_scheduled_block(height, round, parent, parent_qc, key,
                              core::ValidatorSchedule::single(core::ValidatorSet::unweighted(validators)), time_bump_us);
}

inline Vote make_vote(const crypto::PrivateKey& key, uint64_t height, uint32_t round, VoteKind kind, const Hash32& hash,
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

// A QC for `block` in its own round from the given keys, in the one form engines accept (sorted by
// voter). Each vote is what an engine signs for the block (its timestamp is the block's).
inline QuorumCertificate make_qc(const BlockPtr& block, const std::vector<crypto::PrivateKey>& keys) {
  const auto& h = block->header;
  QuorumCertificate qc{h.height, h.round, block->hash(), {}};
  for (const auto& k : keys)
    qc.votes.push_back(make_vote(k, h.height, h.round, VoteKind::kBlock, block->hash(), h.timestamp_us));
  std::sort(qc.votes.begin(), qc.votes.end(), [](const Vote& a, const Vote& b) { return a.voter < b.voter; });
  return qc;
}

template <typename T>
inline std::vector<T> all_of_kind(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}

inline void append(Actions& to, Actions more) {
  for (auto& a : more) to.push_back(std::move(a));
}

// `out` executes exactly `executed` and commits exactly `committed`, in that order.
inline void expect_executes_and_commits(const Actions& out, const BlockPtr& executed, const std::vector<BlockPtr>& committed) {
  auto exec = all_of_kind<ActExecute>(out);
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].block->hash(), executed->hash());
  auto commits = all_of_kind<ActCommit>(out);
  ASSERT_EQ(commits.size(), committed.size());
  for (size_t i = 0; i < committed.size(); ++i) EXPECT_EQ(commits[i].block->hash(), committed[i]->hash());
}

// ---------------------------------------------------------------------------------------------
// Quorum arithmetic (DESIGN.md §4).


// ---------------------------------------------------------------------------------------------
// A cluster of engines and a deterministic mini network. Each node plays the channel: it builds
// proposals, delivers a proposal early (contents_valid = nullopt) while the parent is not executed
// and again with the verdict once it is, executes (instantly) and keeps its certified chain
// (switching branch where ActExecute says so), records commits, keeps the latest WAL record,
// serves syncs from the most advanced peer. It checks what the channel relies on: execution only
// on a parent in the chain, commits in height order from the bottom of the chain, each right after
// a block whose certification finalises its parent, and no signature leaving before its record.

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
  std::vector<CertifiedBlock> chain;             // certified, not final (the channel's record of it)
  std::vector<BlockPtr> executions;              // every ActExecute, in order
  BlockPtr last_executed;
  std::vector<Bytes> wal;
  std::map<Hash32, BlockPtr> waiting;            // proposals whose parent is not executed yet
  std::multimap<uint64_t, Timer> timers;         // due time (virtual ms) -> timer
  std::set<uint32_t> voted;                      // rounds of own votes broadcast
  bool persisted_since_vote = false;
  std::vector<Vote> own_votes;
  std::vector<uint64_t> sync_requests;
  std::map<uint64_t, uint64_t> executed_at_ms;   // height -> virtual time the block was first executed

  const BlockPtr& committed(const BlockPtr& genesis) const { return commits.empty() ? genesis : commits.back().first; }
  uint64_t committed_height() const { return commits.empty() ? 0 : commits.back().first->header.height; }
  uint64_t top_height() const { return chain.empty() ? committed_height() : chain.back().block->header.height; }
  // The round the chain tip was certified in (genesis: 0).
  uint32_t tip_round() const {
    if (!chain.empty()) return chain.back().qc.round;
    return commits.empty() ? 0 : commits.back().second.round;
  }
};

class Cluster {
 public:
  // n validators, and `followers` more nodes that are not in the genesis set (a schedule may add them).
  explicit Cluster(size_t n, size_t followers = 0) : m_genesis(make_genesis()) {
    for (size_t i = 0; i < n + followers; ++i) {
      Node node;
      node.key = test_key(static_cast<uint8_t>(i + 1));
      node.addr = address_of(node.key);
      if (i < n) validators.push_back(node.addr);
      nodes.push_back(std::move(node));
    }
    schedule = core::ValidatorSchedule::single(core::ValidatorSet::unweighted(validators));
  }

  const BlockPtr& genesis() const { return m_genesis; }

  EngineOptions options(size_t i) const {
    EngineOptions o;
    o.validators = validators;
    o.schedule = schedule;
    o.key = nodes[i].key;
    o.block_interval_ms = 200;
    o.round_timeout_ms = 2000;
    return o;
  }

  void start_all() {
    for (size_t i = 0; i < nodes.size(); ++i) start(i);
  }

  // Starts (or restarts) node i from what it kept: its commits, its certified chain, its records.
  void start(size_t i) {
    auto& node = nodes[i];
    node.crashed = false;
    node.engine = make_lft_engine(options(i));
    node.executed.insert(m_genesis->hash());
    for (const auto& c : node.commits) node.executed.insert(c.first->hash());
    for (const auto& c : node.chain) node.executed.insert(c.block->hash());
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
    tip.committed = node.committed(m_genesis);
    if (!node.commits.empty()) tip.committed_qc = node.commits.back().second;
    tip.chain = node.chain;
    return tip;
  }

  // Hands node i a block as if a peer had sent it.
  void deliver_block(size_t i, const BlockPtr& b) { deliver_proposal(i, b); }

  // Delivers one message, or fires the earliest timer; false when nothing is left to do.
  bool step() {
    if (!m_syncs.empty()) {
      size_t i = m_syncs.front();
      m_syncs.pop_front();
      if (!nodes[i].crashed) sync(i);
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
                  << nodes[i].commits.size() << " top " << nodes[i].top_height() << " tip round "
                  << nodes[i].tip_round() << " waiting " << nodes[i].waiting.size() << " syncs "
                  << nodes[i].sync_requests.size() << " timers " << nodes[i].timers.size() << " next "
                  << (nodes[i].timers.empty() ? 0 : nodes[i].timers.begin()->first) << " behind "
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
        EXPECT_EQ(b.header.prev_hash, (k > 0 ? c[k - 1].first : m_genesis)->hash()) << "node " << i;
        EXPECT_EQ(c[k].second.block_hash, b.hash());
        EXPECT_GE(c[k].second.round, b.header.round);
        auto [it, fresh] = chain.emplace(b.header.height, b.hash());
        EXPECT_EQ(it->second, b.hash()) << "node " << i << " disagrees at height " << b.header.height;
      }
    }
  }

  // No validator signed two different votes in one round (rounds are global: whatever the height).
  void expect_one_vote_per_round() const {
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::map<uint32_t, Vote> seen;
      for (const auto& v : nodes[i].own_votes) {
        auto [it, fresh] = seen.emplace(v.round, v);
        if (!fresh) {
          const Vote& w = it->second;
          EXPECT_TRUE(w.height == v.height && w.kind == v.kind && w.block_hash == v.block_hash)
              << "validator " << i << " signed two votes in round " << v.round;
        }
      }
    }
  }

  std::function<bool(size_t from, size_t to)> link = [](size_t, size_t) { return true; };
  std::function<bool(const Msg&)> drop = [](const Msg&) { return false; };
  // The channel's verdict on a block's contents at node `at`.
  std::function<bool(const core::Block&, size_t at)> judge = [](const core::Block&, size_t) { return true; };
  std::vector<Address> validators;
  core::ValidatorSchedule schedule;  // the sets by height (default: `validators` unweighted throughout)
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
      run(i, node.engine->on_proposal(b, std::nullopt));
    }
  }

  // Copies the certified chain of the reachable peer with the highest tip (by the round it was
  // certified in, then height), as the channel's block sync does.
  void sync(size_t i) {
    size_t best = nodes.size();
    for (size_t j = 0; j < nodes.size(); ++j) {
      if (j == i || nodes[j].crashed || !link(j, i) || !link(i, j)) continue;
      if (best == nodes.size() ||
          std::make_pair(nodes[j].tip_round(), nodes[j].top_height()) >
              std::make_pair(nodes[best].tip_round(), nodes[best].top_height()))
        best = j;
    }
    if (best == nodes.size()) return;
    auto& node = nodes[i];
    const auto& src = nodes[best];
    if (src.tip_round() <= node.tip_round() && src.committed_height() <= node.committed_height()) return;
    if (src.top_height() <= node.committed_height()) return;
    uint64_t base = node.committed_height();
    for (const auto& c : src.commits) {
      if (c.first->header.height <= base) continue;
      node.commits.push_back(c);
      node.executed.insert(c.first->hash());
    }
    node.chain.clear();
    for (const auto& c : src.chain) {
      if (c.block->header.height <= node.committed_height()) continue;
      node.chain.push_back(c);
      node.executed.insert(c.block->hash());
    }
    if (!node.chain.empty()) {
      EXPECT_EQ(node.chain.front().block->header.prev_hash, node.committed(m_genesis)->hash())
          << "sync broke the chain";
    }
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
        const BlockPtr& tip = node.chain.empty() ? node.committed(m_genesis) : node.chain.back().block;
        EXPECT_EQ(b->parent->hash(), tip->hash()) << "node " << i << " proposal not on its chain tip";
        EXPECT_EQ(b->height, tip->header.height + 1);
        EXPECT_EQ(schedule.at(b->height).leader(b->round), node.addr) << "proposal in a round this node does not lead";
        if (tip->header.height > 0) {
          EXPECT_EQ(b->parent_qc.block_hash, tip->hash());
        }
        auto block = make_scheduled_block(b->height, b->round, b->parent, b->parent_qc, node.key, schedule);
        more = node.engine->on_proposal(block, judge(*block, i));
      } else if (auto* p = std::get_if<ActBroadcastProposal>(&a)) {
        EXPECT_EQ(p->block->header.proposer, node.addr);
        send(i, Msg{0, 0, p->block, std::nullopt});
      } else if (auto* v = std::get_if<ActBroadcastVote>(&a)) {
        if (v->vote.voter == node.addr && node.voted.insert(v->vote.round).second) {
          // A new signature leaves the node only after its record was made durable.
          EXPECT_TRUE(node.persisted_since_vote) << "vote broadcast before ActPersist";
          node.persisted_since_vote = false;
          node.own_votes.push_back(v->vote);
        } else if (v->vote.voter == node.addr) {
          node.own_votes.push_back(v->vote);  // a re-broadcast must be the same vote (expect_one_vote_per_round)
        }
        send(i, Msg{0, 0, nullptr, v->vote});
      } else if (auto* e = std::get_if<ActExecute>(&a)) {
        // The parent is the committed block or in the certified chain; blocks after it are dropped.
        const auto& prev = e->block->header.prev_hash;
        std::optional<size_t> at;
        if (node.committed(m_genesis)->hash() == prev) at = 0;
        for (size_t x = 0; x < node.chain.size() && !at; ++x)
          if (node.chain[x].block->hash() == prev) at = x + 1;
        EXPECT_TRUE(at.has_value()) << "node " << i << " executes a block whose parent is not on its chain";
        EXPECT_TRUE(node.executed.contains(prev)) << "executing out of order";
        EXPECT_EQ(e->qc.block_hash, e->block->hash());
        EXPECT_GE(e->qc.round, e->block->header.round);
        EXPECT_TRUE(verify_qc(e->qc, schedule)) << "QC of height " << e->qc.height << " against the set in force there";
        if (at) node.chain.resize(*at);
        node.chain.push_back(CertifiedBlock{e->block, e->qc});
        node.executed.insert(e->block->hash());
        node.executions.push_back(e->block);
        node.last_executed = e->block;
        node.executed_at_ms.emplace(e->block->header.height, now_ms);
        more = node.engine->on_block_executed(e->block->hash());
        // The channel re-delivers proposals that waited for this parent, now with a verdict.
        for (auto it = node.waiting.begin(); it != node.waiting.end();) {
          if (it->second->header.prev_hash != e->block->hash()) {
            ++it;
            continue;
          }
          append(more, node.engine->on_proposal(it->second, judge(*it->second, i)));
          it = node.waiting.erase(it);
        }
      } else if (auto* c = std::get_if<ActCommit>(&a)) {
        uint64_t expected = node.committed_height() + 1;
        EXPECT_EQ(c->block->header.height, expected) << "node " << i << " commits out of order";
        EXPECT_EQ(c->qc.block_hash, c->block->hash());
        // 2-chain rule: only the certification of a child in the very next round finalises; or a seal
        // QC (the last block of a set's term), or a QC of the next set for the first block of its term.
        // (A seal commits the blocks below its own first, in the same batch of actions.)
        const bool sealed = is_seal_qc(c->qc) ||
                            std::any_of(actions.begin() + static_cast<long>(k) + 1, actions.end(), [](const Action& x) {
                              const auto* later = std::get_if<ActCommit>(&x);
                              return later && is_seal_qc(later->qc);
                            });
        const bool next_term = node.last_executed && schedule.changes_after(node.last_executed->header.height - 1);
        EXPECT_TRUE(sealed || next_term || (node.last_executed && certifying_finalises_parent(*node.last_executed)))
            << "node " << i << " commits height " << c->block->header.height << " without a consecutive-round child";
        EXPECT_TRUE(!node.chain.empty() && node.chain.front().block->hash() == c->block->hash())
            << "node " << i << " commits a block that is not the bottom of its certified chain";
        if (!node.chain.empty()) node.chain.erase(node.chain.begin());
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

}  // namespace cx::consensus::lft_test
