#pragma once
// The channel core's thread ("chan-<channel>"): events from peers, the RPC side and the commit pipeline
// queue up here and are handed to the ChannelCore one at a time, with timers, and the core's actions
// are carried out in order — sends and broadcasts on the p2p network, consensus records written (and
// fsync'd when they hold a vote) before the next action, commits handed to the commit pipeline.
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "base/clock.hpp"
#include "base/mutex.hpp"
#include "channel/commit_pipeline.hpp"
#include "channel/core.hpp"
#include "channel/metrics.hpp"

namespace cx::channel {

class EventLoop {
 public:
  struct Deps {
    ChannelCore& core;
    RecordsStore& records;
    CommitPipeline& commits;
    Clock& clock;
    ChannelMetrics* metrics = nullptr;  // told after every event, when set
  };
  // `on_failure`: a records write failed (disk); must not return.
  EventLoop(std::string name, Deps deps, std::function<void(const std::string&)> on_failure);
  ~EventLoop();

  // Starts the thread, which first runs ChannelCore::start(head, records).
  void start(DurableHead head, RestoredRecords records, p2p::Network* network);
  void stop() EXCLUDES(m_mutex);

  // Any thread. Peer messages are bounded (kEventsMax; consensus recovers lost ones by timeouts and
  // sync); the pipeline's durable reports and peer up/down never are.
  void post_message(const core::Address& from, p2p::Message message);
  void post_peer(const core::Address& peer, bool up);
  void post_txs(std::vector<core::TxPtr> txs);
  void post_durable(uint64_t height);
  // Before start(). false (a follower): votes and proposals the core would send or relay stay here.
  void set_consensus_relay(bool relay) { m_consensus_relay = relay; }

 private:
  struct EvMessage { core::Address from; p2p::Message message; };
  struct EvPeer { core::Address peer; bool up; };
  struct EvTxs { std::vector<core::TxPtr> txs; };
  struct EvDurable { uint64_t height; };
  using Event = std::variant<EvMessage, EvPeer, EvTxs, EvDurable>;

  static constexpr size_t kEventsMax = 100000;

  void push(Event ev, bool bounded) EXCLUDES(m_mutex);
  void loop(DurableHead head, RestoredRecords records) EXCLUDES(m_mutex);
  // The next event, or a timer that is due; waits for either (false: stopping).
  bool next(std::optional<Event>& event, std::optional<CoreTimer>& timer) EXCLUDES(m_mutex);
  out::Actions handle(Event& ev);
  void perform(out::Actions actions);
  bool held_back(const p2p::Message& m) const;

  const std::string m_name;
  Deps m_deps;
  std::function<void(const std::string&)> m_on_failure;
  p2p::Network* m_network = nullptr;
  bool m_consensus_relay = true;

  Mutex m_mutex;
  CondVar m_wake;
  std::deque<Event> m_events GUARDED_BY(m_mutex);
  uint64_t m_events_dropped GUARDED_BY(m_mutex) = 0;
  bool m_stop GUARDED_BY(m_mutex) = false;
  std::thread m_thread;
  std::multimap<int64_t, CoreTimer> m_timers;  // by monotonic deadline; the loop's thread only
};

}  // namespace cx::channel
