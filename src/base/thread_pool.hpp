#pragma once
// A fixed set of named worker threads for CPU-bound work (signature verification). Not for use in
// the deterministic core.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cx {

class ThreadPool {
 public:
  ThreadPool(unsigned threads, std::string name);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(std::function<void()> job);
  unsigned size() const { return static_cast<unsigned>(m_threads.size()); }
  // Runs fn(i) for i in [0, n) on the pool and the calling thread; returns when all are done.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  void run();
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::function<void()>> m_jobs;
  bool m_stop = false;
  std::vector<std::thread> m_threads;
};

// Names the calling thread (visible in top/gdb); truncated to 15 characters.
void set_thread_name(const std::string& name);

}  // namespace cx
