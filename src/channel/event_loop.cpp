#include "channel/event_loop.hpp"

#include <chrono>

#include "base/log.hpp"
#include "base/thread_pool.hpp"

namespace cx::channel {

namespace {
constexpr const char* kLog = "channel";
}

EventLoop::EventLoop(std::string name, Deps deps, std::function<void(const std::string&)> on_failure)
    : m_name(std::move(name)), m_deps(deps), m_on_failure(std::move(on_failure)) {}

EventLoop::~EventLoop() { stop(); }

void EventLoop::start(DurableHead head, RestoredRecords records, p2p::Network* network) {
  m_network = network;
  m_thread = std::thread([this, head = std::move(head), records = std::move(records)]() mutable {
    set_thread_name("chan-" + m_name);
    loop(std::move(head), std::move(records));
  });
}

void EventLoop::stop() {
  {
    MutexLock lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void EventLoop::push(Event ev, bool bounded) {
  {
    MutexLock lock(m_mutex);
    if (bounded && m_events.size() >= kEventsMax) {
      ++m_events_dropped;
      return;
    }
    m_events.push_back(std::move(ev));
  }
  m_wake.notify_one();
}

void EventLoop::post_message(const core::Address& from, p2p::Message message) {
  push(EvMessage{from, std::move(message)}, /*bounded=*/true);
}
void EventLoop::post_peer(const core::Address& peer, bool up) { push(EvPeer{peer, up}, /*bounded=*/false); }
void EventLoop::post_txs(std::vector<core::TxPtr> txs) {
  if (!txs.empty()) push(EvTxs{std::move(txs)}, /*bounded=*/true);
}
void EventLoop::post_durable(uint64_t height) { push(EvDurable{height}, /*bounded=*/false); }

void EventLoop::loop(DurableHead head, RestoredRecords records) {
  perform(m_deps.core.start(m_deps.clock.now_us(), head, std::move(records)));
  // Events come before timers: a timer that is due waits while events are queued.
  std::optional<Event> ev;
  std::optional<CoreTimer> timer;
  while (next(ev, timer)) {
    if (ev) perform(handle(*ev));
    else perform(m_deps.core.on_timer(m_deps.clock.now_us(), *timer));
    if (m_deps.metrics) m_deps.metrics->after_event(m_deps.core, m_deps.clock.monotonic_us());
  }
}

bool EventLoop::next(std::optional<Event>& event, std::optional<CoreTimer>& timer) {
  event.reset();
  timer.reset();
  MutexLock lock(m_mutex);
  while (!m_stop) {
    if (!m_events.empty()) {
      event = std::move(m_events.front());
      m_events.pop_front();
      return true;
    }
    const int64_t now = m_deps.clock.monotonic_us();
    if (!m_timers.empty() && m_timers.begin()->first <= now) {
      timer = m_timers.begin()->second;
      m_timers.erase(m_timers.begin());
      return true;
    }
    const int64_t wake = m_timers.empty() ? now + 1'000'000 : m_timers.begin()->first;
    m_wake.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(wake - now, 0)));
  }
  return false;
}

out::Actions EventLoop::handle(Event& ev) {
  auto& core = m_deps.core;
  const int64_t now = m_deps.clock.now_us();
  if (auto* m = std::get_if<EvMessage>(&ev)) return core.on_message(now, m->from, m->message);
  if (auto* p = std::get_if<EvPeer>(&ev)) return p->up ? core.on_peer_up(now, p->peer) : core.on_peer_down(now, p->peer);
  if (auto* t = std::get_if<EvTxs>(&ev)) return core.on_txs_admitted(now, std::move(t->txs));
  return core.on_commit_durable(now, std::get<EvDurable>(ev).height);
}

// In order: a Persist is on disk before the actions after it (votes, proposals) leave the node.
void EventLoop::perform(out::Actions actions) {
  for (auto& a : actions) {
    if (auto* s = std::get_if<out::Send>(&a)) {
      if (m_network && !held_back(s->message)) m_network->send(s->peer, std::move(s->message));
    } else if (auto* b = std::get_if<out::Broadcast>(&a)) {
      if (m_network && !held_back(b->message)) m_network->broadcast(std::move(b->message));
    } else if (auto* p = std::get_if<out::Persist>(&a)) {
      const int64_t t0 = m_deps.clock.monotonic_us();
      if (auto st = m_deps.records.write(p->update); !st) m_on_failure("consensus record write failed: " + st.message());
      if (p->update.vote)
        CX_DEBUG(kLog, "vote record fsync'd in " << static_cast<double>(m_deps.clock.monotonic_us() - t0) / 1000.0 << " ms");
    } else if (auto* c = std::get_if<out::Commit>(&a)) {
      m_deps.commits.push(std::move(c->job));
    } else if (auto* t = std::get_if<out::SetTimer>(&a)) {
      const int64_t delay_us = static_cast<int64_t>(t->remaining_ms(m_deps.clock.now_us())) * 1000;
      m_timers.emplace(m_deps.clock.monotonic_us() + delay_us, t->timer);
    }
  }
}

bool EventLoop::held_back(const p2p::Message& m) const {
  return !m_consensus_relay && (m.type == p2p::MessageType::kVote || m.type == p2p::MessageType::kProposal);
}

}  // namespace cx::channel
