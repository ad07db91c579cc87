#pragma once
// Gossiped txs are parsed and their signatures checked on a thread of their own ("gossip-<channel>",
// with the pool's verify workers), so a burst of them never delays votes and proposals on the core's
// thread: under load, 4 validators on 2 cores spend ~55 µs per tx per node on signatures alone.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/chain_params.hpp"
#include "mempool/mempool.hpp"

namespace cx::channel {

class GossipIntake {
 public:
  GossipIntake(std::string name, mempool::Mempool& pool, size_t queue_bytes_max = 64u << 20)
      : m_name(std::move(name)), m_pool(pool), m_queue_bytes_max(queue_bytes_max) {}
  ~GossipIntake() { stop(); }

  void start();
  void stop();
  // The p2p thread. Bounded: what is dropped here still reaches this node inside the block carrying it.
  void post(const core::Address& from, Bytes payload);
  uint64_t dropped() const;

 private:
  void loop();
  void admit(const core::Address& from, const Bytes& payload);

  const std::string m_name;
  mempool::Mempool& m_pool;
  const size_t m_queue_bytes_max;

  mutable std::mutex m_mutex;
  std::condition_variable m_work;
  std::deque<std::pair<core::Address, Bytes>> m_queue;
  size_t m_queue_bytes = 0;
  uint64_t m_dropped = 0;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace cx::channel
