#pragma once
// Mutexes the clang thread-safety analysis can see (base/thread_annotations.hpp), as thin wrappers
// over the standard ones: libstdc++'s std::mutex is not annotated. Same cost as the std types.
//
//   class Queue {
//    public:
//     void push(Job job) EXCLUDES(m_mutex) {
//       {
//         MutexLock lock(m_mutex);
//         m_jobs.push_back(std::move(job));
//       }
//       m_ready.notify_one();
//     }
//     Job pop() EXCLUDES(m_mutex) {
//       MutexLock lock(m_mutex);
//       while (m_jobs.empty()) m_ready.wait(lock);  // the analysis checks the loop condition too
//       return pop_locked();
//     }
//     bool pop_for(Job& out, std::chrono::milliseconds timeout) EXCLUDES(m_mutex) {
//       MutexLock lock(m_mutex);
//       // A predicate that reads guarded members must say so: the analysis checks a lambda on
//       // its own and cannot see that CondVar runs it with the lock held.
//       if (!m_ready.wait_for(lock, timeout, [&]() REQUIRES(m_mutex) { return !m_jobs.empty(); }))
//         return false;
//       out = pop_locked();
//       return true;
//     }
//
//    private:
//     Job pop_locked() REQUIRES(m_mutex);  // callers hold m_mutex; clang checks every call site
//
//     Mutex m_mutex;
//     CondVar m_ready;                          // signalled when m_jobs gains an entry
//     std::deque<Job> m_jobs GUARDED_BY(m_mutex);
//   };
//
// SharedMutex with WriterLock / ReaderLock is the same for read-mostly data: members GUARDED_BY a
// SharedMutex may be read under either lock and written only under WriterLock; REQUIRES_SHARED marks
// a helper that only reads.
//
// The scoped locks hold their mutex from construction to destruction and cannot be unlocked early
// (use a nested scope), so a MutexLock& handed to CondVar always refers to a held mutex; CondVar
// releases and retakes it inside wait just as std::condition_variable does.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "base/thread_annotations.hpp"

namespace cx {

class CAPABILITY("mutex") Mutex {
 public:
  constexpr Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Prefer MutexLock; these exist for the rare lock held across scopes, and make Mutex Lockable.
  void lock() ACQUIRE() { m_mutex.lock(); }
  void unlock() RELEASE() { m_mutex.unlock(); }
  [[nodiscard]] bool try_lock() TRY_ACQUIRE(true) { return m_mutex.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex m_mutex;
};

// Holds `mutex` for the lifetime of the object.
class SCOPED_CAPABILITY MutexLock {
 public:
  [[nodiscard]] explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : m_lock(mutex.m_mutex) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> m_lock;  // always owns the mutex outside CondVar's waits
};

// Waits with a held MutexLock. Spurious wake-ups happen: wait in a loop on the condition, or pass a
// predicate (annotated REQUIRES(mutex) when it reads guarded members, see the example above).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void notify_one() noexcept { m_cv.notify_one(); }
  void notify_all() noexcept { m_cv.notify_all(); }

  void wait(MutexLock& lock) { m_cv.wait(lock.m_lock); }

  template <class Rep, class Period>
  std::cv_status wait_for(MutexLock& lock, const std::chrono::duration<Rep, Period>& timeout) {
    return m_cv.wait_for(lock.m_lock, timeout);
  }

  template <class Clock, class Duration>
  std::cv_status wait_until(MutexLock& lock, const std::chrono::time_point<Clock, Duration>& deadline) {
    return m_cv.wait_until(lock.m_lock, deadline);
  }

  // The predicate runs with the lock held, which the analysis cannot follow into this template.
  template <class Predicate>
  void wait(MutexLock& lock, Predicate done) NO_THREAD_SAFETY_ANALYSIS {
    while (!done()) m_cv.wait(lock.m_lock);
  }

  // Returns done() as last evaluated: false means the deadline passed without it becoming true.
  template <class Clock, class Duration, class Predicate>
  bool wait_until(MutexLock& lock, const std::chrono::time_point<Clock, Duration>& deadline, Predicate done)
      NO_THREAD_SAFETY_ANALYSIS {
    while (!done()) {
      if (m_cv.wait_until(lock.m_lock, deadline) == std::cv_status::timeout) return done();
    }
    return true;
  }

  template <class Rep, class Period, class Predicate>
  bool wait_for(MutexLock& lock, const std::chrono::duration<Rep, Period>& timeout, Predicate done) {
    using Steady = std::chrono::steady_clock;
    return wait_until(lock, Steady::now() + std::chrono::ceil<Steady::duration>(timeout), std::move(done));
  }

 private:
  std::condition_variable m_cv;
};

class CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // Prefer WriterLock / ReaderLock.
  void lock() ACQUIRE() { m_mutex.lock(); }
  void unlock() RELEASE() { m_mutex.unlock(); }
  [[nodiscard]] bool try_lock() TRY_ACQUIRE(true) { return m_mutex.try_lock(); }
  void lock_shared() ACQUIRE_SHARED() { m_mutex.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { m_mutex.unlock_shared(); }
  [[nodiscard]] bool try_lock_shared() TRY_ACQUIRE_SHARED(true) { return m_mutex.try_lock_shared(); }

 private:
  std::shared_mutex m_mutex;
};

// Holds `mutex` exclusively for the lifetime of the object.
class SCOPED_CAPABILITY WriterLock {
 public:
  [[nodiscard]] explicit WriterLock(SharedMutex& mutex) ACQUIRE(mutex) : m_mutex(mutex) { mutex.lock(); }
  ~WriterLock() RELEASE() { m_mutex.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& m_mutex;
};

// Holds `mutex` shared for the lifetime of the object.
class SCOPED_CAPABILITY ReaderLock {
 public:
  [[nodiscard]] explicit ReaderLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : m_mutex(mutex) { mutex.lock_shared(); }
  ~ReaderLock() RELEASE() { m_mutex.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& m_mutex;
};

}  // namespace cx
