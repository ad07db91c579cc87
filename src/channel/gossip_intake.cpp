#include "channel/gossip_intake.hpp"

#include "base/log.hpp"
#include "base/thread_pool.hpp"
#include "channel/wire.hpp"

namespace cx::channel {

void GossipIntake::start() {
  m_thread = std::thread([this] {
    set_thread_name("gossip-" + m_name);
    loop();
  });
}

void GossipIntake::stop() {
  {
    MutexLock lock(m_mutex);
    m_stop = true;
  }
  m_work.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void GossipIntake::post(const core::Address& from, Bytes payload) {
  {
    MutexLock lock(m_mutex);
    if (m_queue_bytes + payload.size() > m_queue_bytes_max) {
      ++m_dropped;
      return;
    }
    m_queue_bytes += payload.size();
    m_queue.emplace_back(from, std::move(payload));
  }
  m_work.notify_one();
}

uint64_t GossipIntake::dropped() const {
  MutexLock lock(m_mutex);
  return m_dropped;
}

void GossipIntake::loop() {
  while (true) {
    std::pair<core::Address, Bytes> next;
    {
      MutexLock lock(m_mutex);
      while (!m_stop && m_queue.empty()) m_work.wait(lock);
      if (m_stop) return;
      next = std::move(m_queue.front());
      m_queue.pop_front();
      m_queue_bytes -= next.second.size();
    }
    admit(next.first, next.second);
  }
}

void GossipIntake::admit(const core::Address& from, const Bytes& payload) {
  auto jsons = wire::decode_txs(payload);
  if (!jsons) {
    CX_WARN("channel", "bad tx gossip from " << from.to_string());
    return;
  }
  std::vector<core::TxPtr> txs;
  txs.reserve(jsons->size());
  for (const auto& j : *jsons) {
    auto r = core::parse_transaction_json(j);
    if (auto* tx = std::get_if<core::Transaction>(&r)) txs.push_back(std::make_shared<const core::Transaction>(std::move(*tx)));
  }
  // Rejections (duplicates, mostly) are expected: every validator forwards what its clients sent.
  (void)m_pool.admit(txs);
}

}  // namespace cx::channel
