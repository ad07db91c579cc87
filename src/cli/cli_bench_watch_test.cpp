// bench --watch: its URL list, and a watched node that never answers (the lag itself is measured
// against real nodes by scripts/bench_follower.mjs, docs/membership.md "How fast").
#include <gtest/gtest.h>

#include <thread>

#include "cli/bench_watch.hpp"

namespace cx::cli::bench {
namespace {

TEST(BenchWatch, ParsesAUrlListAndNamesTheOptionInErrors) {
  auto two = parse_url_list("http://127.0.0.1:9100/api/v3,http://127.0.0.1:9101/api/v3", "watch", 4);
  ASSERT_TRUE(two.is_ok()) << two.message();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].port, "9101");
  auto bad = parse_url_list("http://127.0.0.1:9100/api/v3,9101", "watch", 4);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.message().rfind("--watch: ", 0), 0u) << bad.message();
  auto empty = parse_url_list("", "watch", 4);
  EXPECT_FALSE(empty.is_ok());
  auto many = parse_url_list("http://h:1/,http://h:2/,http://h:3/", "rpc", 2);
  ASSERT_FALSE(many.is_ok());
  EXPECT_NE(many.message().find("more than 2 URLs"), std::string::npos) << many.message();
}

TEST(BenchWatch, ANodeThatNeverAnswersIsCountedUnansweredNotAsKeepingUp) {
  // Port 1 on loopback: nothing listens there, so every sample fails fast.
  const Url nobody = *Url::parse("http://127.0.0.1:1/api/v3");
  HeightWatch watch({nobody}, {nobody}, std::chrono::milliseconds(20));
  watch.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  watch.stop();
  auto report = watch.report();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].url, nobody.to_string());
  EXPECT_GE(report[0].unanswered, 2u);
  EXPECT_EQ(report[0].samples, 0u);
  EXPECT_EQ(report[0].heights, 0u);
}

}  // namespace
}  // namespace cx::cli::bench
