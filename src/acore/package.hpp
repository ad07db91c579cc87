#pragma once
// A deploy's content as a Package (acore.hpp), and the package's canonical encoding (what the code
// store keeps and what the code hash is taken over). docs/acore.md describes the layout for users.
//
// Content types (ICON's `data.contentType`):
//  - application/zip: a zip of the contract's Lua files, as ICON's tools send. main.lua is the entry,
//    at the root of the zip or under its single top-level folder (a zip of a folder, which is what
//    ICON's tools make); the folder is then stripped from every path. Other .lua files may sit
//    anywhere below the root and are required by path (`require "lib.util"` is lib/util.lua).
//    Entries that are not .lua files (README, tests' data), directories, dot-files and macOS's
//    __MACOSX/ folder are ignored, but still count towards the bounds below.
//  - application/x-lua: one plain source, which becomes main.lua.
//
// Everything is bounded (constants below) and every refusal is a CodeError naming the file and the
// cause: not a zip, an encrypted or symlinked entry, an absolute path, "..", a duplicate, a file or
// package too large, a suspicious compression ratio, a precompiled chunk. Deterministic: the same
// content gives the same package or the same error on every validator.
#include <string_view>
#include <variant>

#include "acore/acore.hpp"

namespace cx::acore {

inline constexpr std::string_view kContentTypeZip = "application/zip";
inline constexpr std::string_view kContentTypeLua = "application/x-lua";

inline constexpr size_t kContentBytesMax = 256 * 1024;   // the decoded content (zip or source)
inline constexpr size_t kZipEntriesMax = 256;            // entries in the zip, ignored ones included
inline constexpr size_t kPackageFilesMax = 64;           // .lua files in the package
inline constexpr size_t kFileBytesMax = 128 * 1024;      // one file, uncompressed
inline constexpr size_t kPackageBytesMax = 512 * 1024;   // all entries, uncompressed
inline constexpr size_t kPathBytesMax = 128;             // one path, as stored in the zip
inline constexpr size_t kPathDepthMax = 8;               // folders in a path
// An entry larger than kRatioCheckBytesMin that is more than kCompressionRatioMax times its
// compressed size is refused (a zip bomb, or no contract anyone wrote by hand).
inline constexpr size_t kCompressionRatioMax = 200;
inline constexpr size_t kRatioCheckBytesMin = 16 * 1024;

// Decodes a deploy's content. The files of the package come out sorted by path.
std::variant<Package, CodeError> decode_content(std::string_view content_type, BytesView content);

// A package path's problem, or nullopt if it is a usable Lua module path: components of
// [A-Za-z0-9_-] separated by '/', the last ending in ".lua", within the bounds above.
std::optional<std::string> lua_path_problem(std::string_view path);

// The canonical encoding of a package: a format byte, then the files sorted by path, each as
// length-prefixed path and text (codec::Writer). One encoding per package, so its hash is the code
// hash (icx_getScoreStatus's codeHash) and two deploys of the same files share one stored copy.
Bytes encode_package(const Package& package);
// nullopt if `encoded` is not a canonical encoding (files unsorted or duplicated, bounds, trailing
// bytes). The code store holds only encodings it wrote, so callers treat nullopt as corruption.
std::optional<Package> decode_package(BytesView encoded);
Hash32 package_hash(const Package& package);

}  // namespace cx::acore
