// The fault plan of one seed, healing, liveness and the final checks (cluster.hpp). The Byzantine
// behaviour of --faulty validators is in tamper.cpp.
#include <sstream>

#include "cluster.hpp"

namespace cx::sim {

size_t Cluster::add_control(std::function<void()> fn, uint64_t delay_us) {
  m_controls.push_back(std::move(fn));
  Event ev;
  ev.kind = EvKind::kControl;
  ev.control = m_controls.size() - 1;
  push(ev, delay_us);
  return ev.control;
}

// Drawn from the seed up front.
void Cluster::plan_faults() {
  const size_t count = m_nodes.size();
  const uint64_t chaos_us = (2 + m_rng.below(11)) * kSec;
  m_loss_pct = pick<uint64_t>({0, 0, 2, 10, 25});
  m_dup_pct = pick<uint64_t>({0, 0, 5, 20});
  m_delay_max_us = pick<uint64_t>({2, 20, 100, 400}) * kMs;
  m_long_delay_pct = pick<uint64_t>({0, 0, 2, 10});
  plan_partitions(chaos_us);

  const size_t crashes = m_rng.below(3);
  for (size_t c = 0; c < crashes; ++c) {
    const size_t i = m_rng.below(count);
    const uint64_t at = m_rng.below(chaos_us);
    const uint64_t down = 100 * kMs + m_rng.below(8 * kSec);
    add_control([this, i] { crash(i); }, at);
    add_control([this, i] { restart(i); }, at + down);
  }
  // Silent validators: honest keys, chosen from the seed, crash for good during the chaos.
  std::vector<size_t> honest;
  for (size_t i = m_cfg.twins + m_cfg.faulty; i < m_n; ++i) honest.push_back(i);
  for (size_t s = 0; s < m_cfg.silent && !honest.empty(); ++s) {
    const size_t k = m_rng.below(honest.size());
    const size_t i = honest[k];
    honest.erase(honest.begin() + static_cast<long>(k));
    const uint64_t at = m_rng.below(2) ? 0 : m_rng.below(chaos_us);
    m_nodes[i].silent_forever = true;
    add_control([this, i] { crash(i); }, at);
  }
  if (m_cfg.mode == Mode::kWalCrash) {
    // One honest validator crashes right before or right after its k-th vote record (one of the
    // genesis set: with --reconfig the extra key votes only in some runs' middle term).
    const size_t keys = m_cfg.validators;
    m_wal_target = m_cfg.twins + m_cfg.faulty + m_rng.below(keys - m_cfg.twins - m_cfg.faulty);
    while (m_nodes[m_wal_target].silent_forever) m_wal_target = (m_wal_target + 1) % keys;
    m_wal_crash_at = 1 + (m_seed / 2) % 12;
    m_wal_crash_after = m_seed % 2 == 1;
  }
  plan_clients(chaos_us);
  if (m_cfg.alpha) plan_alpha_clients();
  add_control([this] { heal(); }, chaos_us);
}

void Cluster::plan_partitions(uint64_t chaos_us) {
  const size_t count = m_nodes.size();
  size_t partitions = m_rng.below(4);
  if (m_cfg.expect_fork || m_cfg.twins > 0) partitions += m_rng.below(2);
  for (size_t p = 0; p < partitions; ++p) {
    const uint64_t start = m_rng.below(chaos_us);
    const uint64_t len = 200 * kMs + m_rng.below(12 * kSec);
    const size_t groups = 2 + m_rng.below(2);
    std::vector<size_t> g(count);
    for (size_t i = 0; i < count; ++i) g[i] = m_rng.below(groups);
    // Twins go to different sides half of the time: that is when their equivocation can bite.
    for (size_t k = 0; k < m_cfg.twins; ++k)
      if (m_rng.below(2) == 0) g[m_n + k] = (g[k] + 1 + m_rng.below(groups - 1)) % groups;
    const size_t id = p + 1;
    add_control([this, g, id] {
      m_group = g;
      m_partition_id = id;
      ++m_stats.partitions;
      trace("partition", id, 0, 0);
    }, start);
    add_control([this, id] {
      if (m_partition_id != id) return;
      std::fill(m_group.begin(), m_group.end(), 0);
      trace("partition-end", id, 0, 0);
    }, std::min(start + len, chaos_us));
  }
}

// Clients send txs from the fixture's pool to random nodes during the chaos; nodes gossip them.
void Cluster::plan_clients(uint64_t chaos_us) {
  const size_t submissions = 2 + m_rng.below(8);
  for (size_t s = 0; s < submissions; ++s) {
    Event ev;
    ev.kind = EvKind::kClient;
    const size_t count = 1 + m_rng.below(6);
    const size_t start = m_rng.below(m_fx.tx_pool.size());
    for (size_t k = 0; k < count; ++k) ev.txs.push_back(m_fx.tx_pool[(start + k) % m_fx.tx_pool.size()]);
    const size_t to = m_rng.below(m_nodes.size());
    const uint64_t at = m_rng.below(chaos_us);
    add_control([this, ev, to]() mutable {
      if (!m_nodes[to].up) return;
      ev.to = to;
      ev.incarnation = m_nodes[to].incarnation;
      push(ev, 0);
    }, at);
  }
}

void Cluster::heal() {
  trace("heal", 0, 0, 0);
  m_healed = true;
  m_heal_at_us = m_now_us;
  m_partition_id = 0;
  std::fill(m_group.begin(), m_group.end(), 0);
  m_loss_pct = 0;
  m_dup_pct = 0;
  m_long_delay_pct = 0;
  m_delay_max_us = 20 * kMs;
  for (size_t i = 0; i < m_nodes.size(); ++i)
    if (!m_nodes[i].up && !m_nodes[i].silent_forever) restart(i);
  uint64_t best = 0;
  for (const auto& in : m_nodes)
    if (in.honest && in.up) best = std::max(best, in.durable_height());
  for (const auto& [h, c] : m_checker.commits()) best = std::max(best, h);
  // Progress after the heal, not only what the chaos phase left behind.
  m_target = std::max<uint64_t>(m_cfg.heights, best + 2);
  m_liveness_window_us = liveness_window_us(m_target - best);
  // --alpha: the auctions settle only after their last deadline, which may come after the heal.
  if (m_cfg.alpha) {
    const uint64_t last_us = static_cast<uint64_t>(m_fx.alpha->last_deadline_s + 1 - kBaseTimeUs / 1'000'000) * kSec;
    if (last_us > m_heal_at_us) m_liveness_window_us += last_us - m_heal_at_us;
  }
  m_commit_since_check = true;
}

// How long after the heal every honest up node gets to commit `heights` more blocks, derived from the
// engine's timeouts, with every round assumed to last its longest (kRoundMaxUs):
//  - 2 rounds to line up: each honest node's pending round timer fires, re-sending its vote and the
//    votes of the QCs it holds; nodes restarted at the heal fetch the certified chain;
//  - a window of n rounds has n leaders, F = twins + faulty + silent of them faulty, so at least n − 2F
//    pairs of consecutive rounds with honest leaders; each such pair certifies a block whose parent
//    was certified in the round before (2-chain rule), i.e. commits one more height;
//  - one status period for laggards to sync, and with --wal-crash the crashed node's downtime.
uint64_t Cluster::liveness_window_us(uint64_t heights) const {
  const uint64_t faulty = m_cfg.twins + m_cfg.faulty + m_cfg.silent;
  const uint64_t pairs = m_n > 2 * faulty ? m_n - 2 * faulty : 1;
  const uint64_t windows = (heights + pairs - 1) / pairs;
  uint64_t w = (2 + windows * m_n) * kRoundMaxUs + kStatusIntervalMs * kMs;
  if (m_cfg.mode == Mode::kWalCrash) w += kWalRestartMaxUs;
  return w;
}

bool Cluster::live() const {
  // The crash under test happens first (the node votes every round, so its k-th write comes).
  if (m_cfg.mode == Mode::kWalCrash && !m_wal_crashed) return false;
  for (size_t i = 0; i < m_nodes.size(); ++i) {
    const auto& in = m_nodes[i];
    if (!in.honest || !in.up) continue;
    if (in.durable_height() < m_target) return false;
    if (m_cfg.mode == Mode::kWalCrash && i == m_wal_target && in.votes_signed_since_restart == 0) return false;
    std::string why;
    if (m_alpha && !alpha_settled_at(i, why)) return false;
  }
  return true;
}

void Cluster::fail(const std::string& reason, bool fork) {
  if (m_failed) return;
  m_failed = true;
  m_fork = fork;
  m_reason = reason;
}

void Cluster::crash_and_restart_later(size_t i) {
  crash(i);
  add_control([this, i] { restart(i); }, 50 * kMs + m_rng.below(kWalRestartMaxUs - 50 * kMs));
}

void Cluster::final_checks() {
  for (size_t i = 0; i < m_nodes.size() && !m_failed; ++i) {
    const auto& in = m_nodes[i];
    if (!in.up) continue;
    if (in.honest) m_checker.on_rejections(i, in.core->rejections());
    for (const auto& [peer, r] : in.core->rejections()) {
      for (size_t k = 0; k < channel::kProposalRejectCount; ++k) m_stats.rejected_by_reason[k] += r.proposals[k];
      for (size_t k = 0; k < channel::kSyncRejectCount; ++k) m_stats.rejected_by_reason[channel::kProposalRejectCount + k] += r.sync[k];
      m_stats.rejections += r.total();
    }
  }
  if (m_failed) return;
  if (!m_healed) return fail("the run ended before the network healed (harness bug)");
  if (m_cfg.mode == Mode::kWalCrash && !m_wal_crashed)
    return fail("node " + std::to_string(m_wal_target) + " never reached vote record #" + std::to_string(m_wal_crash_at));
  if (!m_live && m_cfg.check_liveness) {
    std::ostringstream s;
    s << "LIVENESS: " << (m_liveness_window_us / kSec) << " s after healing, not every honest up node committed " << m_target
      << " heights:";
    for (size_t i = 0; i < m_nodes.size(); ++i) {
      const auto& in = m_nodes[i];
      s << " [node " << i << (in.honest ? "" : " byzantine") << (in.up ? "" : " down");
      if (in.up) {
        auto st = in.core->engine_status();
        s << " durable " << in.durable_height() << " final " << in.core->final_height() << " at " << st.height << "/" << st.round;
        if (st.behind_to) s << " behind_to " << *st.behind_to;
        if (in.stalled) s << " stalled";
        if (std::string why; m_alpha && !alpha_settled_at(i, why)) s << " alpha: " << why;
      }
      s << "]";
    }
    return fail(s.str());
  }
  if (m_alpha) m_alpha->finish(m_stats.alpha);
  // Convergence: value was neither created nor destroyed (fees move to the treasury).
  for (size_t i = 0; i < m_nodes.size(); ++i) {
    const auto& in = m_nodes[i];
    if (!in.honest || !in.up) continue;
    auto supply = in.reads->total_supply(std::nullopt);
    if (!supply || *supply != m_fx.genesis_supply)
      return fail("CONVERGENCE: node " + std::to_string(i) + " reads a total supply other than genesis'");
  }
}

}  // namespace cx::sim
