#include "base/progress.hpp"

#include <gtest/gtest.h>

using cx::ProgressMeter;

TEST(Progress, ReportsAtMostOncePerIntervalWithRateAndEta) {
  ProgressMeter m(5'000'000);
  EXPECT_FALSE(m.update(0, 100, 0));  // nothing to do: silent
  auto first = m.update(1'000'000, 100, 1000);
  ASSERT_TRUE(first);  // work appears: said at once
  EXPECT_EQ(first->remaining, 1000u);
  EXPECT_FALSE(first->eta_s);
  EXPECT_TRUE(first->first);
  EXPECT_EQ(ProgressMeter::describe(*first, " blocks"), "1000 blocks to go");
  EXPECT_FALSE(m.update(3'000'000, 200, 900));  // within the interval
  auto second = m.update(6'000'000, 600, 500);  // 500 in 5 s
  ASSERT_TRUE(second);
  EXPECT_EQ(second->rate_per_s, 100u);
  ASSERT_TRUE(second->eta_s);
  EXPECT_EQ(*second->eta_s, 5u);
  EXPECT_EQ(ProgressMeter::describe(*second, " blocks"), "500 blocks to go, 100 blocks/s, ETA 5s");
  auto stuck = m.update(11'000'000, 600, 500);  // no progress: no ETA
  ASSERT_TRUE(stuck);
  EXPECT_FALSE(stuck->eta_s);
  EXPECT_NE(ProgressMeter::describe(*stuck, "").find("unknown"), std::string::npos);
  auto done = m.update(12'000'000, 1100, 0);  // finished: said once, then silent
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->finished);
  EXPECT_FALSE(m.update(20'000'000, 1100, 0));
}

TEST(Progress, LongEtasInMinutesAndHours) {
  ProgressMeter m(1'000'000);
  ASSERT_TRUE(m.update(0, 0, 100000));
  auto r = m.update(1'000'000, 10, 7200 * 10);  // 10/s, 7200 s left
  ASSERT_TRUE(r);
  EXPECT_EQ(ProgressMeter::describe(*r, ""), "72000 to go, 10/s, ETA 2h0m");
}
