#include "channel/commit_pipeline.hpp"

#include "base/thread_pool.hpp"

namespace cx::channel {

CommitPipeline::CommitPipeline(std::string name, CommitWriter& writer, OnDurable on_durable, OnFailure on_failure,
                               size_t queue_max)
    : m_name(std::move(name)), m_writer(writer), m_on_durable(std::move(on_durable)), m_on_failure(std::move(on_failure)),
      m_queue_max(queue_max) {}

CommitPipeline::~CommitPipeline() { stop(); }

void CommitPipeline::start() {
  m_thread = std::thread([this] {
    set_thread_name("commit-" + m_name);
    loop();
  });
}

void CommitPipeline::push(CommitJob job) {
  std::unique_lock lock(m_mutex);
  m_room.wait(lock, [&] { return m_queue.size() < m_queue_max; });
  m_queue.push_back(std::move(job));
  m_work.notify_one();
}

void CommitPipeline::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_work.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void CommitPipeline::loop() {
  std::unique_lock lock(m_mutex);
  while (true) {
    m_work.wait(lock, [&] { return m_stop || !m_queue.empty(); });
    if (m_queue.empty()) return;  // stopping, and nothing is left to write
    // The job stays at the front while it is written, so it counts against the bound.
    CommitJob& job = m_queue.front();
    lock.unlock();
    auto stats = m_writer.write(job);
    if (!stats) m_on_failure(stats.message());
    m_on_durable(job, stats.value());
    lock.lock();
    m_queue.pop_front();
    m_room.notify_all();
  }
}

}  // namespace cx::channel
