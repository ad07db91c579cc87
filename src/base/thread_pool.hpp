#pragma once
// A fixed set of named worker threads for CPU-bound work (signature verification). Not for use in
// the deterministic core.
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.hpp"

namespace cx {

class ThreadPool {
 public:
  ThreadPool(unsigned threads, std::string name);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(std::function<void()> job) EXCLUDES(m_mutex);
  unsigned size() const { return static_cast<unsigned>(m_threads.size()); }
  // Runs fn(i) for i in [0, n) on the pool and the calling thread; returns when all are done.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  void run() EXCLUDES(m_mutex);
  Mutex m_mutex;
  CondVar m_cv;  // a job was posted, or the pool is stopping
  std::deque<std::function<void()>> m_jobs GUARDED_BY(m_mutex);
  bool m_stop GUARDED_BY(m_mutex) = false;
  std::vector<std::thread> m_threads;  // fixed after construction
};

// Names the calling thread (visible in top/gdb); truncated to 15 characters.
void set_thread_name(const std::string& name);

}  // namespace cx
