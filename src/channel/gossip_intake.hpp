#pragma once
// Gossiped txs are parsed and their signatures checked on a thread of their own ("gossip-<channel>",
// with the pool's verify workers), so a burst of them never delays votes and proposals on the core's
// thread: under load, 4 validators on 2 cores spend ~55 µs per tx per node on signatures alone.
#include <deque>
#include <string>
#include <thread>

#include "base/mutex.hpp"
#include "core/chain_params.hpp"
#include "mempool/mempool.hpp"

namespace cx::channel {

class GossipIntake {
 public:
  GossipIntake(std::string name, mempool::Mempool& pool, size_t queue_bytes_max = 64u << 20)
      : m_name(std::move(name)), m_pool(pool), m_queue_bytes_max(queue_bytes_max) {}
  ~GossipIntake() { stop(); }

  void start();
  void stop() EXCLUDES(m_mutex);
  // The p2p thread. Bounded: what is dropped here still reaches this node inside the block carrying it.
  void post(const core::Address& from, Bytes payload) EXCLUDES(m_mutex);
  uint64_t dropped() const EXCLUDES(m_mutex);

 private:
  void loop() EXCLUDES(m_mutex);
  void admit(const core::Address& from, const Bytes& payload);

  const std::string m_name;
  mempool::Mempool& m_pool;
  const size_t m_queue_bytes_max;

  mutable Mutex m_mutex;
  CondVar m_work;
  std::deque<std::pair<core::Address, Bytes>> m_queue GUARDED_BY(m_mutex);
  size_t m_queue_bytes GUARDED_BY(m_mutex) = 0;
  uint64_t m_dropped GUARDED_BY(m_mutex) = 0;
  bool m_stop GUARDED_BY(m_mutex) = false;
  std::thread m_thread;
};

}  // namespace cx::channel
