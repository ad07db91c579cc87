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
  {
    MutexLock lock(m_mutex);
    while (m_queue.size() >= m_queue_max) m_room.wait(lock);
    m_queue.push_back(std::move(job));
  }
  m_work.notify_one();
}

void CommitPipeline::stop() {
  {
    MutexLock lock(m_mutex);
    m_stop = true;
  }
  m_work.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void CommitPipeline::loop() {
  while (true) {
    const CommitJob* job = nullptr;
    {
      MutexLock lock(m_mutex);
      while (!m_stop && m_queue.empty()) m_work.wait(lock);
      if (m_queue.empty()) return;  // stopping, and nothing is left to write
      job = &m_queue.front();
    }
    auto stats = m_writer.write(*job);
    if (!stats) m_on_failure(stats.message());
    m_on_durable(*job, stats.value());
    {
      MutexLock lock(m_mutex);
      m_queue.pop_front();
    }
    m_room.notify_all();
  }
}

}  // namespace cx::channel
