#pragma once
// The commit pipeline: final blocks are written on a thread of their own ("commit-<channel>"), off the
// round's critical path (the write and its fsync took as long as executing the block). The channel core
// hands commits over in height order through a queue of at most `queue_max`; a full queue makes the
// core's thread wait (back-pressure). After each write, `on_durable` runs on this thread.
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "base/mutex.hpp"
#include "channel/commit_writer.hpp"

namespace cx::channel {

class CommitPipeline {
 public:
  using OnDurable = std::function<void(const CommitJob& job, const CommitWriter::Stats& stats)>;
  // A write that fails (disk) is fatal: `on_failure` is called with the reason and must not return.
  using OnFailure = std::function<void(const std::string& why)>;

  CommitPipeline(std::string name, CommitWriter& writer, OnDurable on_durable, OnFailure on_failure, size_t queue_max = 4);
  ~CommitPipeline();

  void start();
  // Waits while queue_max commits are queued.
  void push(CommitJob job) EXCLUDES(m_mutex);
  // Writes everything queued, then stops the thread. Idempotent.
  void stop() EXCLUDES(m_mutex);

 private:
  void loop() EXCLUDES(m_mutex);

  const std::string m_name;
  CommitWriter& m_writer;
  OnDurable m_on_durable;
  OnFailure m_on_failure;
  const size_t m_queue_max;

  Mutex m_mutex;
  CondVar m_work;  // a job, or stop
  CondVar m_room;  // the queue shrank
  // The front job is being written while the lock is not held (deque elements do not move when
  // others are pushed); it is popped once written, so it counts against the bound meanwhile.
  std::deque<CommitJob> m_queue GUARDED_BY(m_mutex);
  bool m_stop GUARDED_BY(m_mutex) = false;
  std::thread m_thread;  // started and joined by the owner's thread
};

}  // namespace cx::channel
