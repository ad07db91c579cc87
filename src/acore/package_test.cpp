#include "acore/package.hpp"

#include <gtest/gtest.h>

#include "acore/test_zip.hpp"

namespace cx::acore {
namespace {

using test::make_zip;
using test::ZipEntrySpec;

std::variant<Package, CodeError> from_zip(const std::vector<ZipEntrySpec>& entries) {
  return decode_content(kContentTypeZip, make_zip(entries));
}

Package ok(const std::variant<Package, CodeError>& r) {
  if (auto* e = std::get_if<CodeError>(&r)) ADD_FAILURE() << "refused: " << e->to_string();
  return r.index() == 0 ? std::get<Package>(r) : Package{};
}

// The refusal's text ("file: cause"), or "" if the content was accepted.
std::string refusal(const std::variant<Package, CodeError>& r) {
  if (auto* e = std::get_if<CodeError>(&r)) return e->to_string();
  return "";
}

std::vector<std::string> paths(const Package& p) {
  std::vector<std::string> out;
  for (const auto& f : p.files) out.push_back(f.path);
  return out;
}

TEST(Package, ZipWithMainAtTheRootKeepsPathsSorted) {
  const Package p = ok(from_zip({{"lib/util.lua", "return {}"}, {"main.lua", "local u = require 'lib.util'"}}));
  EXPECT_EQ(paths(p), (std::vector<std::string>{"lib/util.lua", "main.lua"}));
  EXPECT_EQ(p.files[1].text, "local u = require 'lib.util'");
}

TEST(Package, ZipOfAFolderStripsTheFolder) {
  // What ICON's tools make: a zip of the project folder, entries under "token/".
  const Package p = ok(from_zip({{"token/", ""},
                               {"token/main.lua", "-- main", /*deflate=*/true},
                               {"token/lib/math.lua", "return 1", true},
                               {"token/README.md", "# docs"}}));
  EXPECT_EQ(paths(p), (std::vector<std::string>{"lib/math.lua", "main.lua"}));
  EXPECT_EQ(p.files[1].text, "-- main");
}

TEST(Package, IgnoresNonLuaFilesDotFilesAndMacResourceForks) {
  const Package p = ok(from_zip({{"main.lua", "x"},
                               {".DS_Store", "junk"},
                               {"__MACOSX/._main.lua", "fork"},
                               {"docs/notes.txt", "text"},
                               {".hidden/evil.lua", "x"}}));
  EXPECT_EQ(paths(p), (std::vector<std::string>{"main.lua"}));
}

TEST(Package, PlainSourceBecomesMainLua) {
  auto r = decode_content(kContentTypeLua, as_bytes("function hello() end"));
  const Package p = ok(r);
  ASSERT_EQ(p.files.size(), 1u);
  EXPECT_EQ(p.files[0].path, "main.lua");
  EXPECT_EQ(p.files[0].text, "function hello() end");
}

TEST(Package, RefusalsNameTheFileAndTheCause) {
  EXPECT_EQ(refusal(from_zip({{"lib.lua", "x"}})),
            "main.lua: the package has no main.lua (put it at the root of the zip, or in the zip's single top-level folder)");
  EXPECT_EQ(refusal(from_zip({{"a/main.lua", "x"}, {"b/other.lua", "x"}})).substr(0, 35), "main.lua: the package has no main.l");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"../evil.lua", "x"}})), "../evil.lua: '..' in a path is refused");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"/etc/passwd.lua", "x"}})), "/etc/passwd.lua: absolute paths are refused");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"a\\b.lua", "x"}})),
            "a\\b.lua: the path has a backslash (zip paths use '/')");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"link.lua", "main.lua", false, 0120777}})),
            "link.lua: symbolic links are refused");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"main.lua", "y"}})),
            "the content is not a usable zip archive (it holds one path twice)");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "\x1bLuaT\x00"}})), "main.lua: precompiled Lua chunks are refused; deploy the source");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {"my.helper.lua", "x"}})),
            "my.helper.lua: file and folder names may use only letters, digits, '_' and '-' (they are Lua module names)");
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x", false, 0100644, std::nullopt, /*flags=*/1}})),
            "main.lua: encrypted entries are refused");
  EXPECT_EQ(refusal(decode_content("application/java", as_bytes("x"))),
            "unknown contentType 'application/java': use application/zip (a zip of Lua files) or application/x-lua (one source file)");
  EXPECT_NE(refusal(decode_content(kContentTypeZip, as_bytes("PK not really a zip"))).find("not a usable zip archive"),
            std::string::npos);
  EXPECT_EQ(refusal(decode_content(kContentTypeLua, as_bytes("\x1bLua"))),
            "main.lua: precompiled Lua chunks are refused; deploy the source");
}

TEST(Package, BoundsAreEnforced) {
  const std::string big(kFileBytesMax + 1, 'a');
  EXPECT_EQ(refusal(from_zip({{"main.lua", big, true}})), "main.lua: the file is larger than 128 KiB uncompressed");
  EXPECT_EQ(refusal(decode_content(kContentTypeLua, as_bytes(big))), "main.lua: the source is larger than 128 KiB");
  // A bomb: 100 KiB of one letter deflates to a few hundred bytes.
  EXPECT_EQ(refusal(from_zip({{"main.lua", std::string(100 * 1024, 'a'), true}})),
            "main.lua: the entry expands more than 200 times (a zip bomb?)");
  // Lying headers: a declared size smaller than the data is caught when reading.
  EXPECT_NE(refusal(from_zip({{"main.lua", "0123456789", false, 0100644, 4}})), "");
  std::vector<ZipEntrySpec> many;
  for (size_t i = 0; i <= kPackageFilesMax; ++i) many.push_back({"f" + std::to_string(i) + ".lua", "x"});
  many.push_back({"main.lua", "x"});
  EXPECT_EQ(refusal(from_zip(many)), "the package has 66 Lua files; at most 64");
  std::vector<ZipEntrySpec> entries;
  for (size_t i = 0; i <= kZipEntriesMax; ++i) entries.push_back({"x" + std::to_string(i) + ".txt", ""});
  EXPECT_EQ(refusal(from_zip(entries)), "the zip has 257 entries; at most 256");
  const std::string deep = "a/b/c/d/e/f/g/h/i/j.lua";
  EXPECT_EQ(refusal(from_zip({{"main.lua", "x"}, {deep, "x"}})), deep + ": the path is deeper than 8 folders");
  std::vector<ZipEntrySpec> heavy{{"main.lua", "x"}};
  std::string lines;  // compresses about tenfold, like source does
  for (int i = 0; lines.size() < 120 * 1024; ++i) lines += "local v" + std::to_string(i) + " = " + std::to_string(i * 7) + "\n";
  for (int i = 0; i < 5; ++i) heavy.push_back({"f" + std::to_string(i) + ".lua", lines, true});
  EXPECT_EQ(refusal(from_zip(heavy)), "the zip holds more than 512 KiB uncompressed");
  EXPECT_EQ(refusal(decode_content(kContentTypeZip, Bytes(kContentBytesMax + 1, 0))),
            "the content is 262145 bytes; at most 256 KiB");
}

TEST(Package, CanonicalEncodingRoundTripsAndHashesByContent) {
  Package p;
  p.files = {{"lib/a.lua", "return 1"}, {"main.lua", "print"}};
  const Bytes enc = encode_package(p);
  auto back = decode_package(enc);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(paths(*back), paths(p));
  EXPECT_EQ(back->files[0].text, "return 1");
  // The same files from a zip of a folder and from a zip of their root hash the same.
  const Package a = ok(from_zip({{"main.lua", "print"}, {"lib/a.lua", "return 1"}}));
  const Package b = ok(from_zip({{"proj/lib/a.lua", "return 1", true}, {"proj/main.lua", "print", true}}));
  EXPECT_EQ(package_hash(a), package_hash(p));
  EXPECT_EQ(package_hash(b), package_hash(p));
  p.files[1].text = "print!";
  EXPECT_NE(package_hash(p), package_hash(a));
  // Unsorted, duplicated or trailing bytes are not canonical.
  Package unsorted;
  unsorted.files = {{"main.lua", "x"}, {"a.lua", "y"}};
  EXPECT_FALSE(decode_package(encode_package(unsorted)).has_value());
  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_FALSE(decode_package(trailing).has_value());
}

}  // namespace
}  // namespace cx::acore
