// A contract folder as deploy content (read_content): its .lua files zipped, its tests left out
// (tests/… and *_test.lua, which `complexchain contract test` runs), and the same files give the same zip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <zip.h>

#include "cli/contract_common.hpp"

namespace cx::cli {
namespace {

namespace fs = std::filesystem;

std::set<std::string> names_in(const Bytes& zip_bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &error);
  std::set<std::string> names;
  if (!z) {
    zip_source_free(src);
    return names;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) names.insert(zip_get_name(z, static_cast<zip_uint64_t>(i), 0));
  zip_discard(z);
  return names;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(ContractContent, FolderZipLeavesTestsOut) {
  const fs::path dir = fs::temp_directory_path() / ("cx_content_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  write(dir / "main.lua", "readonly \"f() -> int\" (function() return 1 end)\n");
  write(dir / "lib" / "util.lua", "return {}\n");
  write(dir / "lib" / "util_test.lua", "function test_x() end\n");
  write(dir / "tests" / "main_test.lua", "function test_y() end\n");
  write(dir / "tests" / "helper.lua", "return {}\n");
  write(dir / "notes.txt", "not lua\n");
  auto content = read_content(dir.string());
  ASSERT_TRUE(content) << content.message();
  EXPECT_EQ(content->type, "application/zip");
  EXPECT_EQ(names_in(content->bytes), (std::set<std::string>{"lib/util.lua", "main.lua"}));
  auto again = read_content(dir.string());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bytes, content->bytes);
  fs::remove_all(dir);
}

TEST(ContractContent, ZipSourcesIsOrderIndependent) {
  auto a = zip_sources({{"b.lua", "2"}, {"a.lua", "1"}});
  auto b = zip_sources({{"a.lua", "1"}, {"b.lua", "2"}});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(names_in(*a), (std::set<std::string>{"a.lua", "b.lua"}));
}

}  // namespace
}  // namespace cx::cli
