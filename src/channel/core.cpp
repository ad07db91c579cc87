// ChannelCore: events, the engine's actions, the in-flight chain and the order of commits
// (core.hpp). Proposals are in core_proposals.cpp, block sync in core_sync.cpp.
#include "channel/core.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace cx::channel {

namespace {
constexpr const char* kLog = "channel";

std::shared_ptr<const TxIndex> index_txs(const core::Block& b) {
  auto idx = std::make_shared<TxIndex>();
  idx->reserve(b.txs.size());
  for (uint32_t i = 0; i < b.txs.size(); ++i) idx->emplace(b.txs[i]->hash, i);
  return idx;
}
}  // namespace

ChannelCore::ChannelCore(CoreOptions options, CoreDeps deps, Publish publish)
    : m_options(std::move(options)), m_chain(deps.chain), m_executor(deps.executor), m_pool(deps.pool),
      m_publish(std::move(publish)) {
  const auto& p = m_options.params;
  m_self = core::Address::of_public_key(*crypto::public_key_of(m_options.key));
  m_schedule = m_options.validator_schedule.epochs().empty() ? core::ValidatorSchedule::single(p.validator_set())
                                                             : m_options.validator_schedule;
  // Solo (the single-validator engine) only for one validator that never changes.
  m_networked = m_schedule.epochs().size() > 1 || p.validators.size() > 1;
  // Without a fixed schedule a networked channel follows the governance contract (start()).
  m_governed = m_options.validator_schedule.epochs().empty() && m_networked;
  m_schedule_shared = std::make_shared<const core::ValidatorSchedule>(m_schedule);
  consensus::EngineOptions eo;
  eo.schedule = m_schedule;
  eo.key = m_options.key;
  eo.block_interval_ms = p.block_interval_ms;
  eo.round_timeout_ms = m_options.round_timeout_ms;
  m_engine = m_networked ? consensus::make_lft_engine(eo) : consensus::make_solo_engine(eo);
}

ChannelCore::~ChannelCore() = default;

// ---- events ----

out::Actions ChannelCore::start(int64_t now_us, const DurableHead& head, RestoredRecords records) {
  m_now_us = now_us;
  m_durable = head;
  out::Actions out;
  learn_members(head.block->header.height, head.result.state_root);
  if (m_governed) {
    // The sets decided in final state; the certified blocks above are not final, so not used.
    auto margin = m_executor.change_margin(head.result.state_root);
    if (!margin) {
      CX_WARN(kLog, m_options.params.channel << ": the state holds no governance (a chain created before it): the genesis "
                                             "validator set holds");
      m_governed = false;
    } else {
      m_change_margin = *margin;
      learn_schedule(head.block->header.height, head.result.state_root);
      m_engine->on_schedule(m_schedule, m_known_through);  // not started: no actions
    }
  }
  // A certified block is never lost to a crash: it was recorded when it joined the certified chain and
  // is executed again here (execution is deterministic), so its txs stay on their way to finality.
  consensus::ChainTip tip{head.block, head.qc, {}};
  for (auto& c : records.certified) {
    execute_block(c.block, c.qc);
    m_recorded_top = c.block->header.height;
    if (m_observer) m_observer->on_certified(c.block, c.qc);
    CX_INFO(kLog, "restored certified block " << m_recorded_top << " " << c.block->hash().hex());
    tip.chain.push_back(std::move(c));
  }
  publish_view();
  run(m_engine->start(tip, records.votes), out);
  // Proposals judged valid before a crash (this node may have voted for them): the engine gets them
  // again, so a block certified with our vote can still be served by us.
  for (const auto& b : records.proposals) m_recorded_proposals[b->header.round].insert(b->hash());
  if (!records.proposals.empty()) CX_INFO(kLog, "restored " << records.proposals.size() << " recorded proposal(s)");
  for (const auto& b : records.proposals)
    if (!executed(b->hash())) on_peer_proposal(std::nullopt, b, {}, out);  // (not one already in the chain)
  if (m_networked) out.push_back(out::SetTimer{CoreTimer{CoreTimerKind::kStatus, {}}, 0});
  return out;
}

out::Actions ChannelCore::on_peer_up(int64_t now_us, const core::Address& peer) {
  m_now_us = now_us;
  m_peers.insert(peer);
  out::Actions out;
  out.push_back(out::Send{peer, {p2p::MessageType::kStatus, wire::encode(my_status())}});
  return out;
}

out::Actions ChannelCore::on_peer_down(int64_t now_us, const core::Address& peer) {
  m_now_us = now_us;
  m_peers.erase(peer);
  return {};
}

out::Actions ChannelCore::on_message(int64_t now_us, const core::Address& from, const p2p::Message& message) {
  m_now_us = now_us;
  out::Actions out;
  switch (message.type) {
    case p2p::MessageType::kProposal: on_proposal_message(from, message.payload, out); break;
    case p2p::MessageType::kVote: on_vote(from, message.payload, out); break;
    case p2p::MessageType::kBlockRequest: serve_blocks(from, message.payload, out); break;
    case p2p::MessageType::kBlockResponse: on_block_page(from, message.payload, out); break;
    case p2p::MessageType::kStatus: on_status(from, message.payload, out); break;
    case p2p::MessageType::kTxs: break;  // admitted by the runtime, off the core's thread
  }
  return out;
}

out::Actions ChannelCore::on_timer(int64_t now_us, const CoreTimer& timer) {
  m_now_us = now_us;
  out::Actions out;
  switch (timer.kind) {
    case CoreTimerKind::kEngine: {
      const auto& t = timer.engine;
      // Single-validator policy: no empty blocks while idle. A candidate with txs still gets a
      // successor, because that is what makes it final, and a due Alpha timer gets the block whose
      // begin-block fires it. (With peers, LFT keeps a steady pace.)
      if (!m_networked && t.kind == consensus::TimerKind::kPropose && m_pool.size() == 0 && !candidate_has_txs() &&
          !begin_block_due()) {
        out.push_back(out::SetTimer{timer, m_options.params.block_interval_ms});
        break;
      }
      run(m_engine->on_timeout(t), out);
      break;
    }
    case CoreTimerKind::kGossip:
      m_gossip_armed = false;
      flush_gossip(out);
      break;
    case CoreTimerKind::kStatus:
      out.push_back(out::Broadcast{{p2p::MessageType::kStatus, wire::encode(my_status())}});
      out.push_back(out::SetTimer{timer, m_options.status_interval_ms});
      break;
  }
  return out;
}

out::Actions ChannelCore::on_txs_admitted(int64_t now_us, std::vector<core::TxPtr> txs) {
  m_now_us = now_us;
  if (!m_networked) return {};
  for (auto& t : txs) {
    if (m_gossip.size() >= m_options.gossip_queue_max) break;  // peers still get them in the block
    m_gossip.push_back(std::move(t));
  }
  out::Actions out;
  // The gossip timer runs only while txs wait for it.
  if (!m_gossip.empty() && !m_gossip_armed) {
    m_gossip_armed = true;
    out.push_back(out::SetTimer{CoreTimer{CoreTimerKind::kGossip, {}}, m_options.gossip_interval_ms});
  }
  return out;
}

out::Actions ChannelCore::on_commit_durable(int64_t now_us, uint64_t height) {
  m_now_us = now_us;
  CX_ASSERT_MSG(height == durable_height() + 1, "commits become durable once each, in height order");
  auto it = std::find_if(m_inflight.begin(), m_inflight.end(),
                         [&](const auto& e) { return e.second.exec->block->header.height == height; });
  CX_ASSERT_MSG(it != m_inflight.end() && it->second.final, "a durable commit of a block not handed over");
  const ExecutedBlock& e = *it->second.exec;
  CX_ASSERT(e.block->header.prev_hash == m_durable.block->hash());
  m_durable = DurableHead{e.block, e.result, it->second.final_qc};
  m_inflight.erase(it);
  publish_view();
  return {};
}

// ---- the engine's actions ----

void ChannelCore::run(consensus::Actions actions, out::Actions& out) {
  announce_seals(actions);
  // In order; an action may produce more (a built proposal is fed back to the engine), which follow.
  for (size_t i = 0; i < actions.size(); ++i) {
    consensus::Action a = std::move(actions[i]);
    consensus::Actions more;
    run_one(a, more, out);
    announce_seals(more);
    for (auto& m : more) actions.push_back(std::move(m));
  }
}

// A seal QC proves its own block final, and the engine commits the blocks below that block first (in
// the same batch): the observer learns of it before any of those commits.
void ChannelCore::announce_seals(const consensus::Actions& actions) {
  if (!m_observer) return;
  for (const auto& a : actions)
    if (const auto* c = std::get_if<consensus::ActCommit>(&a); c && consensus::is_seal_qc(c->qc))
      m_observer->on_certified(c->block, c->qc);
}

void ChannelCore::run_one(consensus::Action& a, consensus::Actions& more, out::Actions& out) {
  if (auto* t = std::get_if<consensus::ActSetTimer>(&a)) {
    set_engine_timer(*t, out);
  } else if (auto* b = std::get_if<consensus::ActBuildProposal>(&a)) {
    auto block = build_proposal(*b);
    // Encoded once, for the record and for the broadcast that follows the vote.
    m_built_encoding = {block->hash(), block->encode()};
    record_proposal(*block, m_built_encoding.second, out);
    more = m_engine->on_proposal(block, /*contents_valid=*/true);
  } else if (auto* e = std::get_if<consensus::ActExecute>(&a)) {
    make_certified(e->block, e->qc, out);
    more = m_engine->on_block_executed(e->block->hash());
    deliver_buffered(e->block->hash(), more, out);
  } else if (auto* c = std::get_if<consensus::ActCommit>(&a)) {
    commit(c->block, c->qc, out);
    if (m_governed) {
      learn_schedule(c->block->header.height, m_inflight.at(c->block->hash()).exec->result.state_root);
      more = tell_engine_schedule();
    }
  } else if (auto* p = std::get_if<consensus::ActPersist>(&a)) {
    RecordsUpdate u;
    u.vote = std::move(p->record);
    out.push_back(out::Persist{std::move(u)});
  } else if (auto* bp = std::get_if<consensus::ActBroadcastProposal>(&a)) {
    if (!m_networked || !votes_ahead()) return;
    const bool built = m_built_encoding.first == bp->block->hash();
    Bytes encoded = built ? std::move(m_built_encoding.second) : bp->block->encode();
    m_built_encoding = {};
    out.push_back(out::Broadcast{{p2p::MessageType::kProposal, wire::encode_proposal(*bp->block, encoded)}});
  } else if (auto* bv = std::get_if<consensus::ActBroadcastVote>(&a)) {
    // A node that is no validator now or later (a follower) relays nothing: validators drop it.
    if (m_networked && votes_ahead()) out.push_back(out::Broadcast{{p2p::MessageType::kVote, bv->vote.encode()}});
  } else if (auto* sy = std::get_if<consensus::ActSync>(&a)) {
    request_sync(std::nullopt, sy->height, out);
  }
}

void ChannelCore::set_engine_timer(const consensus::ActSetTimer& t, out::Actions& out) {
  out.push_back(out::SetTimer{CoreTimer{CoreTimerKind::kEngine, t.timer}, t.delay_ms, t.from_block_time_us});
}

// A timer that counts from a block time has run for as long as the clock says has passed since.
// Block times come from proposers' clocks: one in the future leaves the whole delay.
uint64_t out::SetTimer::remaining_ms(int64_t now_us) const {
  if (from_block_time_us <= 0) return delay_ms;
  const int64_t passed_ms = (now_us - from_block_time_us) / 1000;
  if (passed_ms <= 0) return delay_ms;
  return static_cast<uint64_t>(passed_ms) >= delay_ms ? 0 : delay_ms - static_cast<uint64_t>(passed_ms);
}

// ---- the in-flight chain ----

ExecutedPtr ChannelCore::execute_block(const BlockPtr& block, const core::QuorumCertificate& qc) {
  auto parent = executed(block->header.prev_hash);
  CX_ASSERT_MSG(parent.has_value(), "a certified block to execute whose parent is not executed");
  CX_ASSERT(!m_inflight.contains(block->hash()));
  auto run = m_executor.execute(*block, parent->result.state_root);
  auto exec = std::make_shared<ExecutedBlock>(ExecutedBlock{block, qc, run.result, std::move(run.receipts), index_txs(*block), run.timers_fired,
                                                           m_schedule_shared});
  m_inflight.emplace(block->hash(), InFlight{exec, false, {}});
  return exec;
}

// The block is certified and becomes the top of the certified chain. Recorded before it is used as a
// parent, so a process crash (SIGKILL, OOM, abort) never takes a certified block away from every
// honest node: one record per height; records above it belong to a branch the engine left.
void ChannelCore::make_certified(const BlockPtr& block, const core::QuorumCertificate& qc, out::Actions& out) {
  const uint64_t h = block->header.height;
  drop_inflight_from(h);  // a lower branch, if the engine switched
  RecordsUpdate u;
  u.certified = consensus::CertifiedBlock{block, qc};
  u.certified_top_before = m_recorded_top;
  m_recorded_top = h;
  out.push_back(out::Persist{std::move(u)});
  execute_block(block, qc);
  // Published before the pool forgets the block's txs, so a reader finds each of them somewhere.
  publish_view();
  restore_abandoned_proposals(h, block->hash());
  std::vector<Hash32> included;
  included.reserve(block->txs.size());
  for (const auto& tx : block->txs) included.push_back(tx->hash);
  m_pool.remove(included);
  if (m_observer) m_observer->on_certified(block, qc);
}

// Hands a final block to the commit pipeline. It stays in flight (executed, with its result) until its
// write is durable, so nothing that reads the chain sees a gap.
void ChannelCore::commit(const BlockPtr& block, const core::QuorumCertificate& qc, out::Actions& out) {
  const uint64_t h = block->header.height;
  CX_ASSERT_MSG(h == final_height() + 1, "commits are handed over once each, in height order");
  auto it = m_inflight.find(block->hash());
  CX_ASSERT_MSG(it != m_inflight.end(), "commit of a block that was not executed");
  CX_ASSERT(block->header.prev_hash == final_top().block->hash());
  it->second.final = true;
  it->second.final_qc = qc;
  CommitJob job{it->second.exec, qc, {}};
  auto last_kept = m_recorded_proposals.upper_bound(block->header.round);
  for (auto r = m_recorded_proposals.begin(); r != last_kept; ++r)
    for (const auto& hash : r->second) job.stale_proposals.push_back(ProposalKey{r->first, hash});
  m_recorded_proposals.erase(m_recorded_proposals.begin(), last_kept);
  // A buffered proposal at or below the next height waits for a parent at or below the committed
  // height that is not the committed block: it can never be judged.
  for (auto b = m_buffered.begin(); b != m_buffered.end();)
    b = b->second.block->header.height <= h + 1 ? m_buffered.erase(b) : std::next(b);
  learn_members_of(*it->second.exec);
  out.push_back(out::Commit{std::move(job)});
}

// Forgets in-flight blocks at `height` and above (a branch the network left); their txs go back to the
// pool (those also in the block replacing them leave it again when it is executed).
void ChannelCore::drop_inflight_from(uint64_t height) {
  std::vector<core::TxPtr> abandoned;
  for (auto it = m_inflight.begin(); it != m_inflight.end();) {
    const auto& b = *it->second.exec->block;
    if (b.header.height < height) {
      ++it;
      continue;
    }
    CX_ASSERT_MSG(!it->second.final, "a final block is never dropped");
    abandoned.insert(abandoned.end(), b.txs.begin(), b.txs.end());
    it = m_inflight.erase(it);
  }
  if (abandoned.empty()) return;
  publish_view();
  m_pool.restore(abandoned);
}

std::optional<ChannelCore::Top> ChannelCore::executed(const Hash32& hash) const {
  if (auto it = m_inflight.find(hash); it != m_inflight.end()) return Top{it->second.exec->block, it->second.exec->result};
  if (m_durable.block->hash() == hash) return Top{m_durable.block, m_durable.result};
  return std::nullopt;
}

ChannelCore::Top ChannelCore::final_top() const {
  Top top{m_durable.block, m_durable.result};
  for (const auto& [hash, f] : m_inflight)
    if (f.final && f.exec->block->header.height > top.block->header.height) top = Top{f.exec->block, f.exec->result};
  return top;
}

core::QuorumCertificate ChannelCore::final_qc() const {
  const InFlight* best = nullptr;
  for (const auto& [hash, f] : m_inflight)
    if (f.final && (!best || f.exec->block->header.height > best->exec->block->header.height)) best = &f;
  return best ? best->final_qc : m_durable.qc;
}

// The certified, not final blocks above the final head, in height order.
std::vector<consensus::CertifiedBlock> ChannelCore::certified_chain() const {
  std::vector<consensus::CertifiedBlock> chain;
  for (const auto& [hash, f] : m_inflight)
    if (!f.final) chain.push_back({f.exec->block, f.exec->qc});
  std::sort(chain.begin(), chain.end(),
            [](const auto& a, const auto& b) { return a.block->header.height < b.block->header.height; });
  return chain;
}

// The round of the top of the certified chain (or of the final head).
uint32_t ChannelCore::chain_top_round() const {
  auto chain = certified_chain();
  if (!chain.empty()) return chain.back().qc.round;
  const auto qc = final_qc();  // a sealed head's QC is of a later round than the block's own
  return std::max(final_top().block->header.round, qc.empty() ? 0u : qc.round);
}

uint64_t ChannelCore::candidate_height() const {
  uint64_t h = durable_height();
  for (const auto& [hash, f] : m_inflight) h = std::max(h, f.exec->block->header.height);
  return h;
}

bool ChannelCore::candidate_has_txs() const {
  for (const auto& [hash, f] : m_inflight)
    if (!f.exec->block->txs.empty()) return true;
  return false;
}

bool ChannelCore::begin_block_due() const {
  // At the final top, not the candidate: the block that fires a timer then also gets the successor
  // that makes it final (as a candidate with txs does), so reads see the timer's effects.
  return m_executor.begin_block_due(final_top().result.state_root, m_now_us);
}

// On the chain, or in a certified in-flight block (not in a mere proposal).
bool ChannelCore::committed_or_certified(const Hash32& tx_hash) const {
  for (const auto& [hash, f] : m_inflight)
    if (f.exec->txs->contains(tx_hash)) return true;
  return m_chain.tx_position(tx_hash).has_value();
}

void ChannelCore::publish_view() {
  auto v = std::make_shared<ChainView>();
  v->head = m_durable.block;
  v->head_result = m_durable.result;
  v->head_qc = m_durable.qc;
  v->inflight.reserve(m_inflight.size());
  for (const auto& [hash, f] : m_inflight) v->inflight.push_back(f.exec);
  std::sort(v->inflight.begin(), v->inflight.end(),
            [](const auto& a, const auto& b) { return a->block->header.height < b->block->header.height; });
  v->schedule = m_schedule_shared;
  v->members = m_members;
  m_view = v;
  if (m_publish) m_publish(m_view);
}

// ---- the validator schedule decided in state ----

// Called for every final block, in height order. A change approved in block a takes effect at a
// height ≥ a + changeMargin (the contract checks it), so once block h is final every set up to
// h + changeMargin is known: the horizon (docs/governance.md "The margin").
void ChannelCore::learn_schedule(uint64_t height, const Hash32& state_root) {
  m_known_through = height + m_change_margin;
  const uint64_t count = m_executor.governed_epoch_count(state_root);
  if (count == m_epoch_count) return;
  auto epochs = m_executor.governed_epochs(state_root);
  CX_ASSERT_MSG(!epochs.empty() && epochs.front().from_height == 0, "the governance contract's first set starts at genesis");
  for (size_t i = m_epoch_count == 0 ? 1 : m_epoch_count; i < epochs.size(); ++i)
    CX_INFO(kLog, m_options.params.channel << ": validator set of " << epochs[i].set.size() << " (weight "
                                           << epochs[i].set.total_weight() << ") from height " << epochs[i].from_height
                                           << ", decided by final block " << height);
  auto schedule = core::ValidatorSchedule::make(std::move(epochs));
  CX_ASSERT_MSG(schedule.is_ok(), schedule.message().c_str());
  // The sets of heights already known never change (the contract schedules only above the horizon).
  for (uint64_t h = m_durable.block->header.height; h <= height + 1 && m_epoch_count != 0; ++h)
    CX_ASSERT_MSG(schedule->at(h) == m_schedule.at(h), "governance changed the set of a height already known");
  m_schedule = std::move(schedule.value());
  m_epoch_count = count;
  m_schedule_shared = std::make_shared<const core::ValidatorSchedule>(m_schedule);
}

consensus::Actions ChannelCore::tell_engine_schedule() { return m_engine->on_schedule(m_schedule, m_known_through); }

bool ChannelCore::votes_ahead() const {
  const uint64_t from = final_height();
  const auto& epochs = m_schedule.epochs();
  for (size_t i = 0; i < epochs.size(); ++i) {
    const bool ends_before = i + 1 < epochs.size() && epochs[i + 1].from_height <= from;
    if (!ends_before && epochs[i].set.contains(m_self)) return true;
  }
  return false;
}

// ---- small messages ----

void ChannelCore::flush_gossip(out::Actions& out) {
  for (size_t i = 0; i < m_gossip.size(); i += wire::kGossipTxsMax) {
    const size_t end = std::min(m_gossip.size(), i + wire::kGossipTxsMax);
    std::vector<core::TxPtr> chunk(m_gossip.begin() + static_cast<long>(i), m_gossip.begin() + static_cast<long>(end));
    out.push_back(out::Broadcast{{p2p::MessageType::kTxs, wire::encode_txs(chunk)}});
  }
  m_gossip.clear();
}

wire::Status ChannelCore::my_status() const {
  wire::Status s;
  s.committed_height = final_height();
  s.candidate_height = candidate_height();
  return s;
}

void ChannelCore::on_status(const core::Address& from, const Bytes& payload, out::Actions& out) {
  auto st = wire::decode_status(payload);
  if (!st) {
    CX_WARN(kLog, "bad status message from " << from.to_string());
    return;
  }
  m_best_peer_height = std::max(m_best_peer_height, st->committed_height);
  if (st->committed_height > final_height() + 1 || st->candidate_height > candidate_height() + 1)
    request_sync(from, st->candidate_height, out);
}

void ChannelCore::on_vote(const core::Address& from, const Bytes& payload, out::Actions& out) {
  auto v = core::Vote::decode(payload);
  if (!v) {
    CX_WARN(kLog, "bad vote from " << from.to_string());
    return;
  }
  run(m_engine->on_vote(*v), out);
}

}  // namespace cx::channel
