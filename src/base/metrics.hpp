#pragma once
// Process metrics for operators: counters, gauges and histograms with fixed buckets, exposed in the
// Prometheus text format 0.0.4 (prometheus.io "Exposition formats") at the node's GET /metrics.
//
// The hot path is lock-free: a series is registered once (under the registry's mutex, at startup or
// at most once per label set) and the caller keeps the reference; inc/set/observe are relaxed atomics.
// Series live as long as the registry (the process, for global()); registering the same name and
// labels again returns the same series, so two channels or two servers in one process share it.
//
// Label sets are bounded: a family holds at most kSeriesPerFamilyMax label sets; a new one beyond that
// lands in the family's overflow series, whose every label value is "other". Callers should also map
// values they do not control to "other" themselves (the RPC method label does: rpc/dispatcher.cpp).
//
// Values are integers: durations are observed in microseconds and exposed in seconds by a decimal
// scale (Histogram::Buckets::scale), so nothing here uses floating point.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mutex.hpp"

namespace cx::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> m_value{0};
};

class Gauge {
 public:
  void set(int64_t v) { m_value.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { m_value.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> m_value{0};
};

class Histogram {
 public:
  struct Buckets {
    std::vector<int64_t> bounds;  // upper bounds ("le"), strictly increasing, in observed units
    int64_t scale = 1;            // a power of ten: the exposed value is observed / scale
  };
  // Microsecond observations exposed in seconds, 1 ms .. 60 s.
  static Buckets seconds_from_us();

  explicit Histogram(Buckets buckets);
  // Non-negative values; a negative one (a clock that stepped back) counts as 0.
  void observe(int64_t v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    uint64_t count = 0;
    int64_t sum = 0;  // in observed units
  };
  Snapshot snapshot() const;
  const Buckets& buckets() const { return m_buckets; }

 private:
  Buckets m_buckets;
  std::unique_ptr<std::atomic<uint64_t>[]> m_counts;  // per bound, then the +Inf bucket
  std::atomic<int64_t> m_sum{0};
};

class Registry;

// Keeps a callback gauge registered; unregisters it (waiting for a scrape that is running) when destroyed.
class CallbackHandle {
 public:
  CallbackHandle() = default;
  CallbackHandle(Registry* registry, uint64_t id) : m_registry(registry), m_id(id) {}
  CallbackHandle(CallbackHandle&& o) noexcept : m_registry(std::exchange(o.m_registry, nullptr)), m_id(o.m_id) {}
  CallbackHandle& operator=(CallbackHandle&& o) noexcept;
  ~CallbackHandle() { reset(); }
  void reset();

 private:
  Registry* m_registry = nullptr;
  uint64_t m_id = 0;
};

class Registry {
 public:
  static constexpr size_t kSeriesPerFamilyMax = 64;
  static constexpr size_t kLabelValueBytesMax = 128;  // longer values are cut

  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {}) EXCLUDES(m_mutex);
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {}) EXCLUDES(m_mutex);
  Histogram& histogram(std::string_view name, std::string_view help, const Histogram::Buckets& buckets,
                       const Labels& labels = {}) EXCLUDES(m_mutex);
  // A gauge read at each scrape (for values another component already keeps, like a pool's size).
  // `fn` runs on the scraping thread with the registry's lock held: it must not register metrics.
  // When several live callbacks share a label set, the latest registered is exposed.
  [[nodiscard]] CallbackHandle gauge_callback(std::string_view name, std::string_view help, const Labels& labels,
                                              std::function<int64_t()> fn) EXCLUDES(m_mutex);

  // Every family, sorted by name, in the Prometheus text format 0.0.4.
  std::string expose() const EXCLUDES(m_mutex);

 private:
  friend class CallbackHandle;
  enum class Type { kCounter, kGauge, kHistogram };
  struct Callback {
    uint64_t id;
    std::function<int64_t()> fn;
  };
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::vector<Callback> callbacks;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, Series> series;  // by rendered label set ("" or {a="x",b="y"})
  };

  Series& series(std::string_view name, std::string_view help, Type type, const Labels& labels) REQUIRES(m_mutex);
  void remove_callback(uint64_t id) EXCLUDES(m_mutex);

  mutable Mutex m_mutex;
  std::map<std::string, Family, std::less<>> m_families GUARDED_BY(m_mutex);
  uint64_t m_next_callback GUARDED_BY(m_mutex) = 1;
};

// The process's registry: what GET /metrics serves.
Registry& global();

// ---- the text format's pieces (exposed for tests and for clients that read it) ----

// A label value or HELP text escaped for the text format: backslash, double quote (label values
// only) and newline.
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// `units / scale` as a decimal without trailing zeros ("0.005", "2.5", "10"); scale a power of ten.
std::string decimal(int64_t units, int64_t scale);

}  // namespace cx::metrics
