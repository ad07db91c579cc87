#pragma once
// One simulated validator: the channel's own pieces — ChannelCore, the records store, the chain
// store, the block executor, the commit writer, the chain reader (the pool's admission checks) and the
// real mempool — over in-memory stores that stand in for its disk. Only the threads are modelled: the
// simulator carries the core's actions out, runs the commit pipeline in simulated time (a bounded queue
// whose writes take a while; a full queue holds the node's thread, as the runtime's does) and delivers
// events one at a time.
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "channel/chain_reads.hpp"
#include "channel/core.hpp"
#include "sim.hpp"
#include "storage/kv_store.hpp"

namespace cx::sim {

// The node's clock: simulated time plus a per-node skew (so twins never build identical blocks).
class SimClock final : public Clock {
 public:
  SimClock(const uint64_t& now_us, int64_t skew_us) : m_now(now_us), m_skew(skew_us) {}
  int64_t now_us() const override { return kBaseTimeUs + static_cast<int64_t>(m_now) + m_skew; }
  int64_t monotonic_us() const override { return static_cast<int64_t>(m_now); }

 private:
  const uint64_t& m_now;
  int64_t m_skew;
};

enum class EvKind : uint8_t { kDeliver, kTimer, kWritten, kDurable, kClient, kPeer, kControl };

struct Event {
  uint64_t at_us = 0;
  uint64_t seq = 0;
  EvKind kind = EvKind::kControl;
  size_t to = 0;
  size_t from = 0;
  uint64_t incarnation = 0;
  std::shared_ptr<const p2p::Message> message;  // kDeliver (copies share it)
  channel::CoreTimer timer;                     // kTimer
  uint64_t height = 0;                          // kDurable
  std::vector<core::TxPtr> txs;                 // kClient
  core::Address peer;                           // kPeer
  bool up = false;                              // kPeer
  size_t control = 0;                           // kControl
};

struct SimNode {
  size_t index = 0;
  size_t key_index = 0;
  const core::ValidatorSchedule* schedule = nullptr;  // the run's validator sets (Fixture::schedule)
  bool honest = true;   // neither a twin nor faulty
  Fault fault = Fault::kNone;
  core::Address addr;
  int64_t skew_us = 0;

  // Disk: survives a crash.
  std::unique_ptr<storage::KvStore> kv;
  std::unique_ptr<storage::KvStore> records_kv;

  // Memory: lost on a crash.
  bool up = false;
  bool silent_forever = false;
  uint64_t incarnation = 0;
  uint64_t restarts = 0;
  std::unique_ptr<SimClock> clock;
  std::unique_ptr<channel::ChainStore> chain;
  std::unique_ptr<channel::RecordsStore> records;
  std::unique_ptr<state::WorldState> state;
  std::unique_ptr<channel::BlockExecutor> executor;
  std::unique_ptr<channel::CommitWriter> writer;
  std::unique_ptr<channel::ChainReads> reads;
  std::unique_ptr<mempool::Mempool> pool;
  std::unique_ptr<channel::ChannelCore> core;
  std::deque<channel::CommitJob> pipeline;  // the commit pipeline's queue; the front is being written
  std::deque<channel::out::Action> pending; // actions left when a full commit queue stalled the thread
  bool stalled = false;
  std::deque<Event> backlog;                // events that arrived while the thread was held
  uint64_t vote_writes = 0;                 // vote records written, ever (--wal-crash counts them)
  uint64_t votes_signed_since_restart = 0;

  // Opens the node's ledger from its disk (genesis on first boot), loads its records and starts a
  // fresh set of memory pieces. The core is built but not started. An error says what failed.
  std::optional<std::string> boot(const Fixture& fx, const uint64_t& now_us, channel::CoreObserver* observer,
                                   channel::DurableHead& head, channel::RestoredRecords& restored);
  void lose_memory();
  uint64_t durable_height() const { return core->durable_height(); }
};

}  // namespace cx::sim
