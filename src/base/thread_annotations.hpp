#pragma once
// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html). Under
// clang with -Wthread-safety they turn "this member is only touched with that mutex held" into a
// compile-time check; under gcc they expand to nothing. Use them with the wrappers in
// base/mutex.hpp: libstdc++'s std::mutex carries no annotations, so the analysis cannot see it.
//
//   GUARDED_BY(mu)       on a member: reading needs mu held (shared or exclusive), writing exclusive.
//   PT_GUARDED_BY(mu)    on a pointer member: the same for what it points to (not the pointer).
//   REQUIRES(mu...)      on a function: callers must hold mu exclusively (the `_locked` helpers).
//   REQUIRES_SHARED(mu)  the same, held shared at least.
//   EXCLUDES(mu...)      callers must not hold mu (the function takes it itself).
//   ACQUIRE / RELEASE / TRY_ACQUIRE (and _SHARED): on the functions of a lock type.
//   ACQUIRED_BEFORE / ACQUIRED_AFTER: documents a lock order (checked only by -Wthread-safety-beta).
//   NO_THREAD_SAFETY_ANALYSIS: turns the check off for one function; say why next to it.

#if defined(__clang__)
#define CX_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CX_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(name) CX_THREAD_ANNOTATION(capability(name))
#define SCOPED_CAPABILITY CX_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CX_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CX_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) CX_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) CX_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) CX_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CX_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) CX_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CX_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) CX_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CX_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CX_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) CX_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) CX_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) CX_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) CX_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) CX_THREAD_ANNOTATION(assert_shared_capability(x))
#define RETURN_CAPABILITY(x) CX_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS CX_THREAD_ANNOTATION(no_thread_safety_analysis)
