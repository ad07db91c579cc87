#include "base/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using namespace cx::metrics;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}
}  // namespace

TEST(Metrics, CountersAndGaugesInTheTextFormat) {
  Registry r;
  Counter& c = r.counter("cx_test_requests_total", "Requests served.", {{"method", "icx_call"}});
  c.inc();
  c.inc(4);
  Gauge& g = r.gauge("cx_test_height", "Height.");
  g.set(42);
  g.add(-2);
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# HELP cx_test_requests_total Requests served.")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE cx_test_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, "cx_test_requests_total{method=\"icx_call\"} 5")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE cx_test_height gauge")) << text;
  EXPECT_TRUE(has_line(text, "cx_test_height 40")) << text;
  // Families come out sorted by name, each HELP/TYPE once.
  EXPECT_LT(text.find("cx_test_height"), text.find("cx_test_requests_total"));
  EXPECT_EQ(text.find("# TYPE cx_test_height"), text.rfind("# TYPE cx_test_height"));
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
  Registry r;
  Counter& a = r.counter("cx_x_total", "x", {{"channel", "a"}});
  Counter& b = r.counter("cx_x_total", "x", {{"channel", "a"}});
  Counter& other = r.counter("cx_x_total", "x", {{"channel", "b"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
}

TEST(Metrics, EscapingOfLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("line1\nback\\slash \"q\""), "line1\\nback\\\\slash \"q\"");
  Registry r;
  r.gauge("cx_esc", "Help with\na newline.", {{"channel", "we\"ird\\name\n"}}).set(1);
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# HELP cx_esc Help with\\na newline.")) << text;
  EXPECT_TRUE(has_line(text, "cx_esc{channel=\"we\\\"ird\\\\name\\n\"} 1")) << text;
  // Every line is one line: nothing the caller passed can break the format.
  for (size_t at = 0; (at = text.find('\n', at)) != std::string::npos; ++at) {
    if (at + 1 < text.size()) {
      EXPECT_NE(text[at + 1], '\n');
    }
  }
}

TEST(Metrics, LongLabelValuesAreCut) {
  Registry r;
  r.counter("cx_long_total", "x", {{"channel", std::string(1000, 'a')}}).inc();
  const std::string text = r.expose();
  EXPECT_NE(text.find("channel=\"" + std::string(Registry::kLabelValueBytesMax, 'a') + "\""), std::string::npos);
  EXPECT_EQ(text.find(std::string(Registry::kLabelValueBytesMax + 1, 'a')), std::string::npos);
}

TEST(Metrics, DecimalsWithoutFloatingPoint) {
  EXPECT_EQ(decimal(5'000, 1'000'000), "0.005");
  EXPECT_EQ(decimal(2'500'000, 1'000'000), "2.5");
  EXPECT_EQ(decimal(10'000'000, 1'000'000), "10");
  EXPECT_EQ(decimal(0, 1'000'000), "0");
  EXPECT_EQ(decimal(1, 1'000'000), "0.000001");
  EXPECT_EQ(decimal(-1'500, 1'000), "-1.5");
  EXPECT_EQ(decimal(7, 1), "7");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfAndSum) {
  Registry r;
  Histogram& h = r.histogram("cx_lat_seconds", "Latency.", {{1'000, 10'000, 100'000}, 1'000'000}, {{"method", "m"}});
  h.observe(500);        // <= 0.001
  h.observe(1'000);      // == bound: counts in that bucket (le is inclusive)
  h.observe(50'000);     // <= 0.1
  h.observe(2'000'000);  // +Inf only
  h.observe(-7);         // a clock that stepped back counts as 0
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# TYPE cx_lat_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_bucket{method=\"m\",le=\"0.001\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_bucket{method=\"m\",le=\"0.01\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_bucket{method=\"m\",le=\"0.1\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_bucket{method=\"m\",le=\"+Inf\"} 5")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_sum{method=\"m\"} 2.0515")) << text;
  EXPECT_TRUE(has_line(text, "cx_lat_seconds_count{method=\"m\"} 5")) << text;
  // Without labels, le is the only label.
  r.histogram("cx_plain", "p", {{1, 2}, 1}).observe(2);
  EXPECT_TRUE(has_line(r.expose(), "cx_plain_bucket{le=\"2\"} 1"));
}

TEST(Metrics, LabelSetsAreBounded) {
  Registry r;
  for (size_t i = 0; i < Registry::kSeriesPerFamilyMax + 50; ++i)
    r.counter("cx_bounded_total", "b", {{"method", "m" + std::to_string(i)}}).inc();
  const std::string text = r.expose();
  size_t series = 0;
  for (size_t at = 0; (at = text.find("\ncx_bounded_total{", at)) != std::string::npos; ++at) ++series;
  EXPECT_EQ(series, Registry::kSeriesPerFamilyMax + 1);  // the first 64 and the overflow series
  EXPECT_TRUE(has_line(text, "cx_bounded_total{method=\"other\"} 50")) << text;
  EXPECT_TRUE(has_line(text, "cx_bounded_total{method=\"m0\"} 1")) << text;
}

TEST(Metrics, CallbackGaugesAreReadAtScrapeAndGoAwayWithTheirHandle) {
  Registry r;
  int64_t size = 3;
  {
    CallbackHandle h = r.gauge_callback("cx_pool_size", "Pool size.", {{"channel", "c"}}, [&] { return size; });
    EXPECT_TRUE(has_line(r.expose(), "cx_pool_size{channel=\"c\"} 3"));
    size = 9;
    EXPECT_TRUE(has_line(r.expose(), "cx_pool_size{channel=\"c\"} 9"));
    CallbackHandle moved = std::move(h);
    EXPECT_TRUE(has_line(r.expose(), "cx_pool_size{channel=\"c\"} 9"));
  }
  EXPECT_EQ(r.expose().find("cx_pool_size"), std::string::npos);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry r;
  Counter& c = r.counter("cx_conc_total", "c");
  Histogram& h = r.histogram("cx_conc_seconds", "h", Histogram::seconds_from_us());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(i);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  const auto snap = h.snapshot();
  EXPECT_EQ(snap.count, 40000u);
  EXPECT_EQ(snap.sum, 4 * (9999LL * 10000 / 2));
}

TEST(MetricsDeathTest, NamesAreCheckedBecauseTheyComeFromCode) {
  Registry r;
  EXPECT_DEATH(r.counter("bad-name", "x"), "bad metric name");
  EXPECT_DEATH(r.counter("cx_ok_total", "x", {{"le", "1"}}), "bad metric label name");
  r.counter("cx_typed", "x");
  EXPECT_DEATH(r.gauge("cx_typed", "x"), "two types");
}
