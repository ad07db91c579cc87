// The cluster of one seed: nodes, the scheduler, the simulated network and wire, and the runtime's
// part — carrying out each core's actions, the commit pipeline and its back-pressure (cluster.hpp).
#include "cluster.hpp"

#include "channel/wire.hpp"
#include "crypto/hash.hpp"

namespace cx::sim {

Cluster::Cluster(const Fixture& fx, const Config& cfg, uint64_t seed)
    : m_fx(fx), m_cfg(cfg), m_seed(seed), m_rng(seed), m_n(cfg.validators + (cfg.reconfig ? 1 : 0)),
      m_checker(fx, m_cfg, m_n + cfg.twins, fx.schedule(seed), [this](const std::string& r, bool fork) { fail(r, fork); }) {}

Outcome Cluster::run() {
  setup();
  plan_faults();
  for (size_t i = 0; i < m_nodes.size() && !m_failed; ++i) start_node(i);
  while (!m_queue.empty() && !m_failed) {
    Event ev = m_queue.top();
    m_queue.pop();
    // With more than f twins nothing is promised after the heal: only safety is looked at.
    const uint64_t heal_run_us = m_cfg.expect_fork ? 10 * kSec : m_cfg.check_liveness ? m_liveness_window_us : 30 * kSec;
    if (m_healed && ev.at_us > m_heal_at_us + heal_run_us) break;
    m_now_us = ev.at_us;
    ++m_stats.events;
    digest_event(ev);
    dispatch(ev);
    if (m_healed && !m_failed && m_commit_since_check) {
      m_commit_since_check = false;
      if (live()) {
        m_live = true;
        m_stats.recovery_us = m_now_us - m_heal_at_us;
        break;
      }
    }
  }
  if (!m_failed && !m_cfg.expect_fork) final_checks();
  Outcome o;
  o.failed = m_failed;
  o.fork = m_fork;
  o.reason = m_reason;
  o.digest = m_digest;
  m_stats.sim_us = m_now_us;
  o.stats = m_stats;
  return o;
}

// ---- nodes ----

void Cluster::setup() {
  const size_t count = m_n + m_cfg.twins;
  m_nodes.resize(count);
  for (size_t i = 0; i < count; ++i) {
    auto& in = m_nodes[i];
    in.index = i;
    in.key_index = i < m_n ? i : i - m_n;  // instance n+k is key k's twin
    const bool twin = in.key_index < m_cfg.twins;
    const bool faulty = !twin && in.key_index < m_cfg.twins + m_cfg.faulty;
    in.honest = !twin && !faulty;
    in.addr = m_fx.validators[in.key_index];
    in.schedule = &m_fx.schedule(m_seed);
    in.skew_us = static_cast<int64_t>(m_rng.below(50 * kMs));
    // A faulty validator's misbehaviour (tamper.cpp): consecutive seeds go through all of them.
    if (faulty) {
      in.fault = static_cast<Fault>(1 + (m_seed + in.key_index) % (kFaultCount - 1));
      m_checker.set_fault(in.key_index, in.fault);
    }
    auto obs = std::make_unique<NodeObserver>();
    obs->cluster = this;
    obs->node = i;
    m_observers.push_back(std::move(obs));
  }
  m_stats.rejected_by_reason.assign(channel::kProposalRejectCount + channel::kSyncRejectCount, 0);
  m_group.assign(count, 0);
}

void Cluster::start_node(size_t i) {
  auto& me = m_nodes[i];
  if (m_cfg.forget_wal && me.records_kv) {
    // Both kinds of consensus record: with the proposal bodies kept, a node would often vote again for
    // the very block it had voted for (an identical vote), hiding the lost record from the checker.
    channel::RecordsStore(*me.records_kv).forget_votes_and_proposals();
  }
  channel::DurableHead head;
  channel::RestoredRecords restored;
  if (auto err = me.boot(m_fx, m_now_us, m_observers[i].get(), head, restored)) {
    fail("node " + std::to_string(i) + " cannot start: " + *err);
    return;
  }
  if (me.incarnation == 0) m_checker.set_genesis(head.block);
  m_checker.on_boot(i, head.block);
  me.up = true;
  ++me.incarnation;
  me.votes_signed_since_restart = 0;
  trace("start", i, me.incarnation, head.block->header.height);
  auto actions = me.core->start(me.clock->now_us(), head, std::move(restored));
  announce_peer(i, /*up=*/true);
  perform(i, {std::make_move_iterator(actions.begin()), std::make_move_iterator(actions.end())});
}

void Cluster::crash(size_t i) {
  auto& me = m_nodes[i];
  if (!me.up) return;
  trace("crash", i, me.incarnation, me.durable_height());
  ++m_stats.crashes;
  if (me.honest) m_checker.on_rejections(i, me.core->rejections());
  me.lose_memory();
  ++me.incarnation;  // timers, writes and in-flight messages of the old incarnation are void
  announce_peer(i, /*up=*/false);
}

void Cluster::restart(size_t i) {
  auto& me = m_nodes[i];
  if (me.up || me.silent_forever) return;
  ++me.restarts;
  start_node(i);
}

// Peers learn that a node's connection came up or went down (a twin's address stays up while either
// of its instances is).
void Cluster::announce_peer(size_t i, bool up) {
  const auto& me = m_nodes[i];
  if (!up)
    for (size_t k : instances_of(me.addr, i))
      if (m_nodes[k].up) return;
  for (size_t j = 0; j < m_nodes.size(); ++j) {
    if (j == i || !m_nodes[j].up || m_nodes[j].addr == me.addr) continue;
    Event to_j;
    to_j.kind = EvKind::kPeer;
    to_j.to = j;
    to_j.incarnation = m_nodes[j].incarnation;
    to_j.peer = me.addr;
    to_j.up = up;
    push(to_j, 1 * kMs + m_rng.below(5 * kMs));
    if (!up) continue;
    Event to_i = to_j;
    to_i.to = i;
    to_i.incarnation = me.incarnation;
    to_i.peer = m_nodes[j].addr;
    push(to_i, 1 * kMs + m_rng.below(5 * kMs));
  }
}

// ---- the scheduler ----

void Cluster::push(Event ev, uint64_t delay_us) {
  ev.at_us = m_now_us + delay_us;
  ev.seq = m_seq++;
  m_queue.push(std::move(ev));
}

void Cluster::dispatch(Event& ev) {
  if (ev.kind == EvKind::kControl) {
    m_controls[ev.control]();
    return;
  }
  auto& me = m_nodes[ev.to];
  if (!me.up || me.incarnation != ev.incarnation) return;
  if (ev.kind == EvKind::kDeliver) {
    if (!reachable(ev.from, ev.to)) return;
    // A withholding twin serves no sync.
    if (!me.honest && me.fault == Fault::kNone && m_cfg.withholding_twins && ev.message->type == p2p::MessageType::kBlockRequest) return;
    // Gossiped txs are admitted on the runtime's gossip thread, not the core's: a held core does not hold them.
    if (ev.message->type == p2p::MessageType::kTxs) {
      if (auto jsons = channel::wire::decode_txs(ev.message->payload)) {
        std::vector<core::TxPtr> txs;
        for (const auto& j : *jsons) {
          auto r = core::parse_transaction_json(j);
          if (auto* tx = std::get_if<core::Transaction>(&r)) txs.push_back(std::make_shared<const core::Transaction>(std::move(*tx)));
        }
        admit(ev.to, txs, /*from_client=*/false);
      }
      return;
    }
  }
  // The commit pipeline's thread is not the core's: a write completes while the core is held.
  if (ev.kind == EvKind::kWritten) {
    on_written(ev.to);
    return;
  }
  if (me.stalled || !me.backlog.empty()) {
    me.backlog.push_back(std::move(ev));
    return;
  }
  handle(ev.to, ev);
}

void Cluster::handle(size_t i, Event& ev) {
  auto& me = m_nodes[i];
  auto& core = *me.core;
  const int64_t now = me.clock->now_us();
  channel::out::Actions out;
  switch (ev.kind) {
    case EvKind::kDeliver: out = core.on_message(now, m_nodes[ev.from].addr, *ev.message); break;
    case EvKind::kTimer: out = core.on_timer(now, ev.timer); break;
    case EvKind::kDurable: out = core.on_commit_durable(now, ev.height); break;
    case EvKind::kClient: admit(i, ev.txs, /*from_client=*/true); return;
    case EvKind::kPeer: out = ev.up ? core.on_peer_up(now, ev.peer) : core.on_peer_down(now, ev.peer); break;
    case EvKind::kWritten:
    case EvKind::kControl: return;
  }
  perform(i, {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())});
}

// Events that waited while the node's thread was held, in arrival order, until it is held again.
void Cluster::drain(size_t i) {
  auto& me = m_nodes[i];
  const uint64_t inc = me.incarnation;
  while (me.up && me.incarnation == inc && !me.stalled && !me.backlog.empty() && !m_failed) {
    Event ev = std::move(me.backlog.front());
    me.backlog.pop_front();
    handle(i, ev);
  }
}

void Cluster::admit(size_t i, const std::vector<core::TxPtr>& txs, bool from_client) {
  auto& me = m_nodes[i];
  auto verdicts = me.pool->admit(txs);
  if (!from_client) return;  // gossip is not gossiped again
  std::vector<core::TxPtr> admitted;
  for (size_t k = 0; k < txs.size(); ++k)
    if (!verdicts[k]) admitted.push_back(txs[k]);
  auto out = me.core->on_txs_admitted(me.clock->now_us(), std::move(admitted));
  perform(i, {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())});
}

// ---- carrying out a core's actions ----

std::vector<size_t> Cluster::instances_of(const core::Address& a, size_t except) const {
  std::vector<size_t> out;
  for (size_t j = 0; j < m_nodes.size(); ++j)
    if (j != except && m_nodes[j].addr == a) out.push_back(j);
  return out;
}

void Cluster::perform(size_t i, std::deque<channel::out::Action> actions) {
  auto& me = m_nodes[i];
  const uint64_t inc = me.incarnation;
  while (!actions.empty()) {
    if (m_failed || !me.up || me.incarnation != inc) return;  // crashed while carrying them out
    channel::out::Action a = std::move(actions.front());
    actions.pop_front();
    if (auto* s = std::get_if<channel::out::Send>(&a)) {
      send(i, instances_of(s->peer, i), std::move(s->message));
    } else if (auto* b = std::get_if<channel::out::Broadcast>(&a)) {
      std::vector<size_t> all;
      for (size_t j = 0; j < m_nodes.size(); ++j)
        if (j != i) all.push_back(j);
      const bool status = b->message.type == p2p::MessageType::kStatus;
      send(i, all, std::move(b->message));
      if (status && me.fault >= Fault::kPageUndecodable) push_pages(i);
    } else if (auto* p = std::get_if<channel::out::Persist>(&a)) {
      bool crashed = false;
      on_persist(i, p->update, crashed);
      if (crashed) return;
    } else if (auto* c = std::get_if<channel::out::Commit>(&a)) {
      if (me.pipeline.size() >= kCommitQueueMax) {
        // The runtime's thread waits in CommitPipeline::push(): so does this node, actions and all.
        me.stalled = true;
        ++m_stats.stalls;
        actions.push_front(std::move(a));
        me.pending = std::move(actions);
        return;
      }
      m_checker.on_commit(i, me.honest, c->job);
      if (m_alpha && me.honest && !m_failed)
        m_alpha->on_commit(*c->job.block->block, *me.state->reader_at(c->job.block->result.state_root));
      trace("commit", i, c->job.block->block->header.height, c->job.block->block->header.round, c->job.block->block->hash());
      me.pipeline.push_back(std::move(c->job));
      if (me.pipeline.size() == 1) schedule_write(i);
    } else if (auto* t = std::get_if<channel::out::SetTimer>(&a)) {
      Event ev;
      ev.kind = EvKind::kTimer;
      ev.to = i;
      ev.incarnation = inc;
      ev.timer = t->timer;
      if (t->timer.kind == channel::CoreTimerKind::kEngine) m_stats.max_round = std::max(m_stats.max_round, t->timer.engine.round);
      push(ev, t->remaining_ms(me.clock->now_us()) * kMs);
    }
  }
}

// A faulty node with a page fault also pushes (tampered) pages nobody asked for, with each status.
void Cluster::push_pages(size_t i) {
  auto& me = m_nodes[i];
  const uint64_t durable = me.durable_height();
  channel::wire::BlockRequest q{durable > 3 ? durable - 3 : 1, static_cast<uint32_t>(channel::wire::kSyncBlocksMax)};
  const p2p::Message request{p2p::MessageType::kBlockRequest, channel::wire::encode(q)};
  std::set<core::Address> asked;
  for (size_t j = 0; j < m_nodes.size(); ++j) {
    if (m_nodes[j].addr == me.addr || !asked.insert(m_nodes[j].addr).second) continue;
    auto out = me.core->on_message(me.clock->now_us(), m_nodes[j].addr, request);
    perform(i, {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())});
  }
}

void Cluster::on_persist(size_t i, const channel::RecordsUpdate& u, bool& crashed) {
  auto& me = m_nodes[i];
  bool crash_here = false;
  if (u.vote) {
    ++me.vote_writes;
    crash_here = m_cfg.mode == Mode::kWalCrash && i == m_wal_target && !m_wal_crashed && me.vote_writes == m_wal_crash_at;
    if (crash_here && !m_wal_crash_after) {
      m_wal_crashed = true;
      crashed = true;
      crash_and_restart_later(i);
      return;
    }
    m_checker.on_vote_record(*u.vote);
  }
  if (auto s = me.records->write(u); !s) fail("node " + std::to_string(i) + ": records write failed: " + s.message());
  if (crash_here) {
    m_wal_crashed = true;
    crashed = true;
    crash_and_restart_later(i);
  }
}

void Cluster::send(size_t from, const std::vector<size_t>& to, p2p::Message message) {
  auto& me = m_nodes[from];
  if (message.type == p2p::MessageType::kVote) {
    if (auto v = core::Vote::decode(message.payload)) {
      m_checker.on_vote(*v, "broadcast");
      if (v->voter == me.addr) ++me.votes_signed_since_restart;
    }
  }
  if (message.type == p2p::MessageType::kBlockRequest) ++m_stats.syncs;
  if (me.fault != Fault::kNone) message = tamper(from, message);
  auto shared = std::make_shared<const p2p::Message>(std::move(message));
  for (size_t j : to) {
    if (m_loss_pct && m_rng.below(100) < m_loss_pct) continue;
    const size_t copies = (m_dup_pct && m_rng.below(100) < m_dup_pct) ? 2 : 1;
    for (size_t c = 0; c < copies; ++c) {
      uint64_t delay = 100 + m_rng.below(m_delay_max_us);
      if (m_long_delay_pct && m_rng.below(100) < m_long_delay_pct) delay += m_rng.below(3 * kSec);
      Event ev;
      ev.kind = EvKind::kDeliver;
      ev.from = from;
      ev.to = j;
      ev.incarnation = m_nodes[j].incarnation;
      ev.message = shared;
      push(std::move(ev), delay);
    }
  }
}

// ---- the commit pipeline ----

void Cluster::schedule_write(size_t i) {
  Event ev;
  ev.kind = EvKind::kWritten;
  ev.to = i;
  ev.incarnation = m_nodes[i].incarnation;
  // A block write and its fsync: usually quick, now and then slow (the disk is shared).
  push(ev, 200 + m_rng.below(m_rng.below(10) == 0 ? 300 * kMs : 8 * kMs));
}

void Cluster::on_written(size_t i) {
  auto& me = m_nodes[i];
  CX_ASSERT(!me.pipeline.empty());
  const channel::CommitJob& job = me.pipeline.front();
  auto st = me.writer->write(job);
  if (!st) return fail("node " + std::to_string(i) + ": commit write failed: " + st.message());
  const auto& e = *job.block;
  me.reads->publish_durable(channel::DurableHead{e.block, e.result, job.qc});
  m_stats.txs_committed += e.block->txs.size();
  m_stats.max_committed = std::max(m_stats.max_committed, e.block->header.height);
  m_commit_since_check = true;
  Event durable;
  durable.kind = EvKind::kDurable;
  durable.to = i;
  durable.incarnation = me.incarnation;
  durable.height = e.block->header.height;
  me.pipeline.pop_front();
  push(durable, 0);
  if (!me.pipeline.empty()) schedule_write(i);
  if (me.stalled) {
    // Room in the queue: the held thread carries on with its actions, then the events that waited.
    me.stalled = false;
    auto resumed = std::move(me.pending);
    me.pending.clear();
    perform(i, std::move(resumed));
    drain(i);
  }
}

}  // namespace cx::sim
