#!/usr/bin/env python3
"""Checks that the thread-safety annotations (src/base/thread_annotations.hpp, src/base/mutex.hpp)
really are checked by clang: code that breaks a locking contract must fail to compile with
-Werror=thread-safety, naming the member or function, and correct use of every wrapper must compile.
Without this, a macro that silently expanded to nothing would make every annotation decoration.
Usage: thread_safety.py <clang++> <src dir>"""
import pathlib
import subprocess
import sys
import tempfile

PRELUDE = """
#include <deque>
#include "base/mutex.hpp"
namespace t {
using namespace cx;
"""

GOOD = """
class Queue {
 public:
  void push(int job) EXCLUDES(m_mutex) {
    {
      MutexLock lock(m_mutex);
      m_jobs.push_back(job);
    }
    m_ready.notify_one();
  }
  int pop() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    while (m_jobs.empty()) m_ready.wait(lock);
    return pop_locked();
  }
  bool pop_for(int& out, std::chrono::milliseconds timeout) EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    if (!m_ready.wait_for(lock, timeout, [&]() REQUIRES(m_mutex) { return !m_jobs.empty(); })) return false;
    out = pop_locked();
    return true;
  }
  void drain() EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    m_ready.wait(lock, [&]() REQUIRES(m_mutex) { return !m_jobs.empty(); });
    m_ready.wait_until(lock, std::chrono::steady_clock::now(), [&]() REQUIRES(m_mutex) { return m_jobs.empty(); });
    if (m_ready.wait_for(lock, std::chrono::milliseconds(1)) == std::cv_status::timeout) m_jobs.clear();
  }
  bool try_clear() EXCLUDES(m_mutex) {
    if (!m_mutex.try_lock()) return false;
    m_jobs.clear();
    m_mutex.unlock();
    return true;
  }

 private:
  int pop_locked() REQUIRES(m_mutex) {
    int j = m_jobs.front();
    m_jobs.pop_front();
    return j;
  }
  Mutex m_mutex;
  CondVar m_ready;
  std::deque<int> m_jobs GUARDED_BY(m_mutex);
};

class Table {
 public:
  int get() const {
    ReaderLock lock(m_mutex);
    return read_locked() + *m_cell;
  }
  void set(int v) {
    WriterLock lock(m_mutex);
    m_value = v;
    *m_cell = v;
  }
  bool try_get(int& out) const {
    if (!m_mutex.try_lock_shared()) return false;
    out = m_value;
    m_mutex.unlock_shared();
    return true;
  }

 private:
  int read_locked() const REQUIRES_SHARED(m_mutex) { return m_value; }
  mutable SharedMutex m_mutex;
  int m_value GUARDED_BY(m_mutex) = 0;
  int m_storage = 0;
  int* const m_cell PT_GUARDED_BY(m_mutex) = &m_storage;
};
"""

# (name, code, text the diagnostic must contain). All are compiled as one file (clang reports every
# error), so each uses its own names.
BAD = [
    ("write without the lock",
     "class A1 { void f() { m_v1 = 1; } Mutex m_mutex; int m_v1 GUARDED_BY(m_mutex) = 0; };",
     "writing variable 'm_v1' requires holding mutex 'm_mutex' exclusively"),
    ("read after the scope of the lock",
     "class A2 { int f() { { MutexLock l(m_mutex); } return m_v2; } Mutex m_mutex; int m_v2 GUARDED_BY(m_mutex) = 0; };",
     "reading variable 'm_v2' requires holding mutex 'm_mutex'"),
    ("call a REQUIRES helper without the lock",
     "class A3 { void g3() REQUIRES(m_mutex) {} void f() { g3(); } Mutex m_mutex; };",
     "calling function 'g3' requires holding mutex 'm_mutex' exclusively"),
    ("call an EXCLUDES function with the lock held",
     "class A4 { void g4() EXCLUDES(m_mutex) {} void f() { MutexLock l(m_mutex); g4(); } Mutex m_mutex; };",
     "cannot call function 'g4' while mutex 'm_mutex' is held"),
    ("write under a ReaderLock",
     "class A5 { void f() { ReaderLock l(m_mutex); m_v5 = 1; } SharedMutex m_mutex; int m_v5 GUARDED_BY(m_mutex) = 0; };",
     "writing variable 'm_v5' requires holding shared_mutex 'm_mutex' exclusively"),
    ("dereference a PT_GUARDED_BY pointer without the lock",
     "class A6 { int f() { return *m_p6; } Mutex m_mutex; int* m_p6 PT_GUARDED_BY(m_mutex) = nullptr; };",
     "reading the value pointed to by 'm_p6' requires holding mutex 'm_mutex'"),
    ("a predicate reading guarded members without REQUIRES",
     "class A7 { void f() { MutexLock l(m_mutex); m_cv.wait(l, [&] { return m_v7 > 0; }); }"
     " Mutex m_mutex; CondVar m_cv; int m_v7 GUARDED_BY(m_mutex) = 0; };",
     "reading variable 'm_v7' requires holding mutex 'm_mutex'"),
    ("locks taken against the declared order",
     "class A9 { void f() { MutexLock l2(m_second9); MutexLock l1(m_first9); } Mutex m_first9 ACQUIRED_BEFORE(m_second9);"
     " Mutex m_second9; };",
     "mutex 'm_first9' must be acquired before 'm_second9'"),
    ("lock not released on every path",
     "class A8 { void f(bool b) { m_mutex8.lock(); if (b) return; m_mutex8.unlock(); } Mutex m_mutex8; };",
     "mutex 'm_mutex8' is not held on every path through here"),
]


def compile_snippet(clang: str, src: pathlib.Path, body: str, path: pathlib.Path) -> subprocess.CompletedProcess:
    path.write_text(PRELUDE + body + "\n}  // namespace t\n")
    # The flags of the clang builds (CMakeLists.txt).
    flags = ["-std=c++20", "-fsyntax-only", "-ferror-limit=0", "-Wthread-safety", "-Wthread-safety-beta",
             "-Werror=thread-safety", "-I", str(src)]
    return subprocess.run([clang, *flags, str(path)], capture_output=True, text=True)


def main(clang: str, src: pathlib.Path) -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        r = compile_snippet(clang, src, GOOD, tmp / "good.cpp")
        if r.returncode != 0:
            print("correct use of the wrappers does not compile:\n" + r.stderr)
            failures += 1
        r = compile_snippet(clang, src, "\n".join(code for _, code, _ in BAD), tmp / "bad.cpp")
        missed = [(name, expected) for name, _, expected in BAD if r.returncode == 0 or expected not in r.stderr]
        for name, expected in missed:
            print(f"not caught: {name}: expected an error containing \"{expected}\"")
        if missed:
            print("clang said:\n" + (r.stderr or "(nothing)"))
        failures += len(missed)
    print(f"thread-safety annotations: {1 + len(BAD) - failures}/{1 + len(BAD)} cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], pathlib.Path(sys.argv[2])))
