#include "base/thread_pool.hpp"

#include <pthread.h>

#include <atomic>
#include <latch>

namespace cx {

void set_thread_name(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

ThreadPool::ThreadPool(unsigned threads, std::string name) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) {
    m_threads.emplace_back([this, n = name + "-" + std::to_string(i)] {
      set_thread_name(n);
      run();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  for (auto& t : m_threads) t.join();
}

void ThreadPool::post(std::function<void()> job) {
  {
    MutexLock lock(m_mutex);
    m_jobs.push_back(std::move(job));
  }
  m_cv.notify_one();
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      MutexLock lock(m_mutex);
      while (!m_stop && m_jobs.empty()) m_cv.wait(lock);
      if (m_jobs.empty()) return;
      job = std::move(m_jobs.front());
      m_jobs.pop_front();
    }
    job();
  }
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1) {
    fn(0);
    return;
  }
  // Work is claimed index by index from a shared counter, so uneven items balance themselves.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  size_t helpers = std::min<size_t>(size(), n - 1);
  std::latch done(static_cast<std::ptrdiff_t>(helpers));
  for (size_t h = 0; h < helpers; ++h) post([&] {
      work();
      done.count_down();
    });
  work();
  done.wait();
}

}  // namespace cx
