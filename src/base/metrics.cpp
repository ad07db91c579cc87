#include "base/metrics.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace cx::metrics {

namespace {

// Prometheus data model: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
// (names starting with "__" are reserved). Names come from our code, so a bad one is a bug.
bool valid_name(std::string_view s, bool colon_ok) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& [k, v] = labels[i];
    CX_ASSERT_MSG(valid_name(k, /*colon_ok=*/false) && !k.starts_with("__") && k != "le", "bad metric label name");
    if (i) out += ',';
    out += k;
    out += "=\"";
    out += escape_label_value(std::string_view(v).substr(0, Registry::kLabelValueBytesMax));
    out += '"';
  }
  out += '}';
  return out;
}

// `{a="x"}` + le="0.5" -> `{a="x",le="0.5"}`.
std::string with_le(const std::string& labels, const std::string& le) {
  std::string out = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
  out += "le=\"" + le + "\"}";
  return out;
}

const char* type_name(int t) { return t == 0 ? "counter" : t == 1 ? "gauge" : "histogram"; }

// The text format escapes backslash and newline everywhere, and double quotes in label values.
std::string escape(std::string_view v, bool quotes) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quotes && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}
}  // namespace

std::string escape_label_value(std::string_view v) { return escape(v, /*quotes=*/true); }
std::string escape_help(std::string_view v) { return escape(v, /*quotes=*/false); }

std::string decimal(int64_t units, int64_t scale) {
  CX_ASSERT(scale >= 1);
  std::string out;
  uint64_t u = units < 0 ? 0 - static_cast<uint64_t>(units) : static_cast<uint64_t>(units);
  if (units < 0) out += '-';
  const uint64_t s = static_cast<uint64_t>(scale);
  out += std::to_string(u / s);
  uint64_t frac = u % s;
  if (frac == 0) return out;
  std::string digits;
  for (uint64_t d = s / 10; d > 0; d /= 10) {
    digits += static_cast<char>('0' + frac / d);
    frac %= d;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

// ---- Histogram ----

Histogram::Buckets Histogram::seconds_from_us() {
  return {{1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000,
           10'000'000, 30'000'000, 60'000'000},
          1'000'000};
}

Histogram::Histogram(Buckets buckets)
    : m_buckets(std::move(buckets)), m_counts(new std::atomic<uint64_t>[m_buckets.bounds.size() + 1]) {
  CX_ASSERT(!m_buckets.bounds.empty());
  CX_ASSERT(std::adjacent_find(m_buckets.bounds.begin(), m_buckets.bounds.end(), std::greater_equal<>()) ==
            m_buckets.bounds.end());
  int64_t s = m_buckets.scale;
  while (s > 1 && s % 10 == 0) s /= 10;
  CX_ASSERT_MSG(s == 1 && m_buckets.scale >= 1, "a histogram's scale is a power of ten");
  for (size_t i = 0; i <= m_buckets.bounds.size(); ++i) m_counts[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(int64_t v) {
  v = std::max<int64_t>(v, 0);
  const auto& b = m_buckets.bounds;
  size_t i = 0;
  while (i < b.size() && v > b[i]) ++i;  // a dozen bounds: a scan beats a binary search
  m_counts[i].fetch_add(1, std::memory_order_relaxed);
  m_sum.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(m_buckets.bounds.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= m_buckets.bounds.size(); ++i) {
    total += m_counts[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.count = total;  // the +Inf bucket and _count agree, as the format requires
  s.sum = m_sum.load(std::memory_order_relaxed);
  return s;
}

// ---- Registry ----

CallbackHandle& CallbackHandle::operator=(CallbackHandle&& o) noexcept {
  if (this != &o) {
    reset();
    m_registry = std::exchange(o.m_registry, nullptr);
    m_id = o.m_id;
  }
  return *this;
}

void CallbackHandle::reset() {
  if (m_registry) m_registry->remove_callback(m_id);
  m_registry = nullptr;
}

Registry::Series& Registry::series(std::string_view name, std::string_view help, Type type, const Labels& labels) {
  CX_ASSERT_MSG(valid_name(name, /*colon_ok=*/true), "bad metric name");
  auto it = m_families.find(name);
  if (it == m_families.end()) it = m_families.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  Family& f = it->second;
  CX_ASSERT_MSG(f.type == type, "one metric name registered with two types");
  std::string key = render_labels(labels);
  if (!f.series.contains(key) && f.series.size() >= kSeriesPerFamilyMax) {
    Labels other = labels;
    for (auto& kv : other) kv.second = "other";
    key = render_labels(other);
  }
  return f.series[key];
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  MutexLock lock(m_mutex);
  Series& s = series(name, help, Type::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  MutexLock lock(m_mutex);
  Series& s = series(name, help, Type::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, const Histogram::Buckets& buckets,
                               const Labels& labels) {
  MutexLock lock(m_mutex);
  Series& s = series(name, help, Type::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(buckets);
  CX_ASSERT_MSG(s.histogram->buckets().bounds == buckets.bounds && s.histogram->buckets().scale == buckets.scale,
                "one histogram registered with two bucket layouts");
  return *s.histogram;
}

CallbackHandle Registry::gauge_callback(std::string_view name, std::string_view help, const Labels& labels,
                                        std::function<int64_t()> fn) {
  MutexLock lock(m_mutex);
  Series& s = series(name, help, Type::kGauge, labels);
  const uint64_t id = m_next_callback++;
  s.callbacks.push_back({id, std::move(fn)});
  return CallbackHandle(this, id);
}

void Registry::remove_callback(uint64_t id) {
  MutexLock lock(m_mutex);
  for (auto& [name, f] : m_families) {
    for (auto& [key, s] : f.series) {
      std::erase_if(s.callbacks, [id](const Callback& c) { return c.id == id; });
    }
  }
}

std::string Registry::expose() const {
  MutexLock lock(m_mutex);
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& [name, f] : m_families) {
    // A family whose only series are callbacks that are all gone has nothing to show.
    std::string body;
    for (const auto& [labels, s] : f.series) {
      if (s.counter) {
        body += name + labels + ' ' + std::to_string(s.counter->value()) + '\n';
      } else if (!s.callbacks.empty()) {
        body += name + labels + ' ' + std::to_string(s.callbacks.back().fn()) + '\n';
      } else if (s.gauge) {
        body += name + labels + ' ' + std::to_string(s.gauge->value()) + '\n';
      } else if (s.histogram) {
        const auto snap = s.histogram->snapshot();
        const auto& b = s.histogram->buckets();
        for (size_t i = 0; i < b.bounds.size(); ++i)
          body += name + "_bucket" + with_le(labels, decimal(b.bounds[i], b.scale)) + ' ' +
                  std::to_string(snap.cumulative[i]) + '\n';
        body += name + "_bucket" + with_le(labels, "+Inf") + ' ' + std::to_string(snap.count) + '\n';
        body += name + "_sum" + labels + ' ' + decimal(snap.sum, b.scale) + '\n';
        body += name + "_count" + labels + ' ' + std::to_string(snap.count) + '\n';
      }
    }
    if (body.empty()) continue;
    out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + ' ' + type_name(static_cast<int>(f.type)) + '\n';
    out += body;
  }
  return out;
}

Registry& global() {
  static Registry* registry = new Registry();  // never destroyed: threads may count until the very end
  return *registry;
}

}  // namespace cx::metrics
