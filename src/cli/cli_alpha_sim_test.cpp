// `complexchain alpha simulate` and `alpha prose` as a user runs them: the JSON report carries the
// digest the library computes, exit statuses say what went wrong, prose renders from the template's uri.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/cmd_alpha.hpp"

namespace cx::cli {
namespace {

std::string src(const std::string& rel) { return std::string(CX_SOURCE_DIR) + "/" + rel; }

struct CliRun {
  int code;
  std::string out;
};

CliRun run(const Argv& argv) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int code = cmd_alpha(argv);
  CliRun r{code, testing::internal::GetCapturedStdout()};
  testing::internal::GetCapturedStderr();
  return r;
}

TEST(AlphaSimulateCli, JsonReportIsCanonicalAndDeterministic) {
  Argv argv{"simulate", src("examples/alpha/terms/tt-advance.json"), "--params",
            src("examples/alpha/terms/instances/tt-advance.json"), "--json"};
  CliRun a = run(argv), b = run(argv);
  ASSERT_EQ(a.code, 0);
  EXPECT_EQ(a.out, b.out);
  auto v = boost::json::parse(a.out);
  EXPECT_EQ(v.at("digest").as_string(), "0x7ed117204517f70401e70c88bb7c7984fd8ee55927ad07bda6c3ebd03e5eac12");
  EXPECT_EQ(v.at("paths").as_array().size(), 3u);
  EXPECT_EQ(v.at("params").at("remit_within").as_string(), "P3D");
}

TEST(AlphaSimulateCli, InlineParamsAndExitStatuses) {
  const std::string t = src("examples/alpha/auction.json");
  EXPECT_EQ(
      run({"simulate", t, "--params",
           R"({"signed_at": "2026-01-05", "params": {"reserve": 10, "bids_close": "2026-01-20", "award_within": "P7D"}})"})
          .code,
      0);
  EXPECT_EQ(run({"simulate", t, "--params", R"({"signed_at": 0, "params": {"reserve": 10}})"}).code, 1);
  EXPECT_EQ(run({"simulate", t}).code, 2);
  EXPECT_EQ(run({"simulate", t, "--params", "/nonexistent.json"}).code, 1);
}

TEST(AlphaProseCli, RendersFromTheTemplatesUri) {
  CliRun r = run({"prose", src("examples/alpha/terms/lc-sight.json"), "--params",
                  src("examples/alpha/terms/instances/lc-sight.json"), "--lang", "en", "--root", src(""), "--json"});
  ASSERT_EQ(r.code, 0);
  auto v = boost::json::parse(r.out);
  std::string text(v.at("text").as_string());
  EXPECT_NE(text.find("the price, 1000000, within seven days"), std::string::npos) << text;
  EXPECT_NE(text.find("expires on 2026-03-31T00:00:00Z"), std::string::npos) << text;
  EXPECT_EQ(run({"prose", src("examples/alpha/terms/lc-sight.json"), "--params",
                 src("examples/alpha/terms/instances/lc-sight.json"), "--lang", "fr", "--root", src("")})
                .code,
            1);
}

}  // namespace
}  // namespace cx::cli
