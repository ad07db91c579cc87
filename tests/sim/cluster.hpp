#pragma once
// One seed's run: a cluster of SimNodes (the channel's real core and stores) on a simulated network,
// with the faults drawn from the seed and the checks of checker.hpp. No threads, no wall clock: every
// choice comes from SeededRandom(seed), every queue is ordered by (time, sequence number).
#include <functional>
#include <queue>
#include <set>
#include <vector>

#include "base/random.hpp"
#include "checker.hpp"
#include "node.hpp"

namespace cx::sim {

struct EventLater {
  bool operator()(const Event& a, const Event& b) const { return a.at_us != b.at_us ? a.at_us > b.at_us : a.seq > b.seq; }
};

class Cluster {
 public:
  Cluster(const Fixture& fx, const Config& cfg, uint64_t seed);
  Outcome run();

 private:
  // ---- cluster.cpp: nodes, the scheduler, the network, carrying out actions ----
  void setup();
  void start_node(size_t i);
  void crash(size_t i);
  void restart(size_t i);
  void push(Event ev, uint64_t delay_us);
  void dispatch(Event& ev);
  void handle(size_t i, Event& ev);
  void drain(size_t i);
  void perform(size_t i, std::deque<channel::out::Action> actions);
  void send(size_t from, const std::vector<size_t>& to, p2p::Message message);
  std::vector<size_t> instances_of(const core::Address& a, size_t except) const;
  void on_written(size_t i);
  void on_persist(size_t i, const channel::RecordsUpdate& u, bool& crashed);
  void schedule_write(size_t i);
  void push_pages(size_t i);
  void admit(size_t i, const std::vector<core::TxPtr>& txs, bool from_client);
  void announce_peer(size_t i, bool up);
  bool reachable(size_t a, size_t b) const { return m_group[a] == m_group[b]; }

  // ---- faults.cpp: the fault plan, healing, Byzantine behaviour, liveness and final checks ----
  size_t add_control(std::function<void()> fn, uint64_t delay_us);
  void plan_faults();
  void plan_partitions(uint64_t chaos_us);
  void plan_clients(uint64_t chaos_us);
  void heal();
  uint64_t liveness_window_us(uint64_t heights) const;
  bool live() const;
  void final_checks();
  void fail(const std::string& reason, bool fork = false);
  void crash_and_restart_later(size_t i);
  // A --faulty node's outgoing message, made wrong (or left alone when its fault does not apply).
  p2p::Message tamper(size_t i, const p2p::Message& m);
  p2p::Message tamper_proposal(size_t i, const core::Block& b);
  p2p::Message tamper_page(size_t i, const Bytes& payload);

  // ---- alpha_clients.cpp: --alpha clients and the liveness of the Alpha traffic ----
  void plan_alpha_clients();
  void alpha_tick();
  AlphaRead alpha_read(size_t i) const;
  bool alpha_settled_at(size_t i, std::string& why) const;

  // ---- trace.cpp ----
  void digest_event(const Event& ev);
  void trace(const char* what, uint64_t a, uint64_t b, uint64_t c, const Hash32& h = {});
  void mix(uint64_t x);

  template <typename T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + m_rng.below(xs.size()));
  }

  const Fixture& m_fx;
  Config m_cfg;
  uint64_t m_seed;
  SeededRandom m_rng;
  size_t m_n;
  std::vector<SimNode> m_nodes;
  Checker m_checker;
  // Each node's core reports what it learned is certified to the checker, as that node's knowledge.
  struct NodeObserver final : channel::CoreObserver {
    Cluster* cluster = nullptr;
    size_t node = 0;
    void on_certified(const consensus::BlockPtr& b, const core::QuorumCertificate& qc) override {
      cluster->trace("certified", node, b->header.height, b->header.round, b->hash());
      cluster->m_checker.on_certified(node, b, qc);
    }
  };
  std::vector<std::unique_ptr<NodeObserver>> m_observers;
  std::unique_ptr<AlphaAudit> m_alpha;  // --alpha
  std::priority_queue<Event, std::vector<Event>, EventLater> m_queue;
  std::vector<std::function<void()>> m_controls;
  uint64_t m_now_us = 0;
  uint64_t m_seq = 0;

  std::vector<size_t> m_group;
  size_t m_partition_id = 0;
  uint64_t m_loss_pct = 0, m_dup_pct = 0, m_delay_max_us = 1, m_long_delay_pct = 0;
  bool m_healed = false;
  uint64_t m_heal_at_us = 0;
  uint64_t m_target = 0;
  uint64_t m_liveness_window_us = 0;
  bool m_live = false;
  bool m_commit_since_check = false;

  size_t m_wal_target = 0;
  uint64_t m_wal_crash_at = 0;
  bool m_wal_crash_after = false;
  bool m_wal_crashed = false;

  bool m_failed = false;
  bool m_fork = false;
  std::string m_reason;
  uint64_t m_digest = 14695981039346656037ull;
  Stats m_stats;
};

}  // namespace cx::sim
