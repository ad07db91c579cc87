#include "base/mutex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cx {
namespace {

using namespace std::chrono_literals;

// What the compile-time contracts cannot show: that the wrappers exclude, share and wake for real.
// (tests/lint/thread_safety.py checks that clang rejects code breaking the contracts.)

class Counter {
 public:
  void add() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    m_value = m_value + 1;  // read and write apart, so lost updates would show
  }
  int value() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    return m_value;
  }

 private:
  Mutex m_mutex;
  int m_value GUARDED_BY(m_mutex) = 0;
};

TEST(Mutex, MutexLockExcludesOtherThreads) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) c.add();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 80000);
}

TEST(Mutex, TryLockFailsWhileHeld) {
  Mutex m;
  MutexLock lock(m);
  bool taken = true;
  std::thread([&] {
    taken = false;
    if (m.try_lock()) {
      taken = true;
      m.unlock();
    }
  }).join();
  EXPECT_FALSE(taken);
}

class Mailbox {
 public:
  void put(int v) EXCLUDES(m_mutex) {
    {
      MutexLock lock(m_mutex);
      m_value = v;
    }
    m_changed.notify_all();
  }
  int wait_for_nonzero() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    while (m_value == 0) m_changed.wait(lock);
    return m_value;
  }
  int wait_with_predicate() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    m_changed.wait(lock, [&]() REQUIRES(m_mutex) { return m_value != 0; });
    return m_value;
  }
  bool wait_for_value(int v, std::chrono::milliseconds timeout) EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [&]() REQUIRES(m_mutex) { return m_value == v; });
  }
  std::cv_status wait_once(std::chrono::milliseconds timeout) EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    return m_changed.wait_for(lock, timeout);
  }

 private:
  Mutex m_mutex;
  CondVar m_changed;
  int m_value GUARDED_BY(m_mutex) = 0;
};

TEST(CondVar, WaitWakesOnNotify) {
  Mailbox box;
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    box.put(7);
  });
  EXPECT_EQ(box.wait_for_nonzero(), 7);
  t.join();
}

TEST(CondVar, WaitWithPredicateWakesOnNotify) {
  Mailbox box;
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    box.put(9);
  });
  EXPECT_EQ(box.wait_with_predicate(), 9);
  t.join();
}

TEST(CondVar, WaitForReturnsTrueWhenThePredicateBecomesTrue) {
  Mailbox box;
  std::thread t([&] {
    box.put(1);
    std::this_thread::sleep_for(10ms);
    box.put(2);
  });
  EXPECT_TRUE(box.wait_for_value(2, 10s));
  t.join();
}

TEST(CondVar, WaitForTimesOutWithThePredicateFalse) {
  Mailbox box;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(box.wait_for_value(5, 30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(box.wait_once(1ms), std::cv_status::timeout);
}

class Shared {
 public:
  int read() const EXCLUDES(m_mutex) {
    ReaderLock lock(m_mutex);
    return m_value;
  }
  void write(int v) EXCLUDES(m_mutex) {
    WriterLock lock(m_mutex);
    m_value = v;
  }
  SharedMutex& mutex() const { return m_mutex; }

 private:
  mutable SharedMutex m_mutex;
  int m_value GUARDED_BY(m_mutex) = 0;
};

TEST(SharedMutex, ReadersShareWritersExclude) {
  Shared s;
  s.write(3);
  SharedMutex& m = s.mutex();
  auto try_shared = [&m] {
    if (!m.try_lock_shared()) return false;
    m.unlock_shared();
    return true;
  };
  auto try_exclusive = [&m] {
    if (!m.try_lock()) return false;
    m.unlock();
    return true;
  };
  std::atomic<int> shared_taken{-1}, exclusive_taken{-1};
  {
    ReaderLock lock(m);
    std::thread([&] {
      shared_taken = try_shared();
      exclusive_taken = try_exclusive();
    }).join();
  }
  EXPECT_EQ(shared_taken, 1);     // a second reader gets in
  EXPECT_EQ(exclusive_taken, 0);  // a writer waits for the reader
  {
    WriterLock lock(m);
    std::thread([&] { shared_taken = try_shared(); }).join();
  }
  EXPECT_EQ(shared_taken, 0);  // a reader waits for the writer
  EXPECT_EQ(s.read(), 3);
}

}  // namespace
}  // namespace cx
