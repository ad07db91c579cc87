#include "rpc/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace cx::rpc {
namespace {
namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_root = fs::temp_directory_path() / ("cx_static_" + std::to_string(::getpid()) + "_" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_root);
    fs::create_directories(m_root);
  }
  void TearDown() override { fs::remove_all(m_root); }
  void put(const std::string& rel, const std::string& body) {
    fs::path p = m_root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << body;
  }
  fs::path m_root;
};

TEST_F(StaticFilesTest, ServesIndexesAndFilesWithTheirTypes) {
  put("index.html", "<h1>explorer</h1>");
  put("gapp/index.html", "<h1>gapp</h1>");
  put("lib/rpc.js", "export {}");
  auto pages = StaticFiles::load(m_root.string());
  ASSERT_TRUE(pages) << pages.status().message();
  ASSERT_EQ((*pages)->size(), 3u);
  const StaticFile* f = (*pages)->find("/");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->body, "<h1>explorer</h1>");
  EXPECT_EQ(f->content_type, "text/html; charset=utf-8");
  ASSERT_NE((*pages)->find("/gapp/"), nullptr);
  EXPECT_EQ((*pages)->find("/gapp")->body, "<h1>gapp</h1>");
  EXPECT_EQ((*pages)->find("/gapp/?x=1")->body, "<h1>gapp</h1>");
  ASSERT_NE((*pages)->find("/lib/rpc.js"), nullptr);
  EXPECT_EQ((*pages)->find("/lib/rpc.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE((*pages)->find("/lib/rpc.js")->etag, f->etag);
}

TEST_F(StaticFilesTest, NoTargetReachesOutsideTheLoadedFiles) {
  put("index.html", "x");
  put(".secret", "key");
  put("node_modules/pkg/index.js", "dep");
  put("package.json", "{}");
  auto pages = StaticFiles::load(m_root.string());
  ASSERT_TRUE(pages);
  EXPECT_EQ((*pages)->size(), 1u);
  for (const char* t : {"/.secret", "/node_modules/pkg/index.js", "/package.json", "/../index.html", "/%2e%2e/x",
                        "//index.html", "/a\\b", "index.html", "", "/missing.js", "/lib/../index.html"}) {
    EXPECT_EQ((*pages)->find(t), nullptr) << t;
  }
  EXPECT_EQ((*pages)->find(std::string(600, '/')), nullptr);
}

TEST_F(StaticFilesTest, AMissingRootServesNothingAndTooManyFilesIsRefused) {
  auto none = StaticFiles::load((m_root / "absent").string());
  ASSERT_TRUE(none);
  EXPECT_EQ((*none)->size(), 0u);
  EXPECT_EQ((*none)->find("/"), nullptr);
  auto empty = StaticFiles::load("");
  ASSERT_TRUE(empty);
  for (size_t i = 0; i <= StaticFiles::kFilesMax; ++i) put("f/" + std::to_string(i) + ".txt", "x");
  auto many = StaticFiles::load(m_root.string());
  ASSERT_FALSE(many);
  EXPECT_NE(many.status().message().find("more than 4000 files"), std::string::npos) << many.status().message();
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_of("/a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("/a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("/a.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace cx::rpc
