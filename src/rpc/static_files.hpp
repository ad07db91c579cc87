#pragma once
// The web pages a node serves at `/` (the explorer and the GAPP, web/ in the source tree): every file
// of one directory, read once when the server starts and served from memory. No path from a client
// ever reaches the filesystem, so `..`, symlinks out of the tree or files added later cannot be served.
//
//   GET /            → index.html
//   GET /gapp/       → gapp/index.html (any directory with an index.html)
//   GET /lib/rpc.js  → lib/rpc.js
//
// Left out when loading: names starting with '.', node_modules/, package.json, package-lock.json.
// Bounded: at most kFilesMax files and kBytesMax bytes in all, or loading fails with the reason.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace cx::rpc {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string etag;  // quoted, from the content's hash
};

class StaticFiles {
 public:
  static constexpr size_t kFilesMax = 4000;
  static constexpr size_t kBytesMax = 64u << 20;

  // An empty or missing directory is not an error: the server then has no pages.
  static Result<std::shared_ptr<const StaticFiles>> load(const std::string& dir);

  // The file for a request target (query string ignored), or null. Only targets made of
  // [A-Za-z0-9._-/] segments, none starting with '.', are looked up.
  const StaticFile* find(std::string_view target) const;
  size_t size() const { return m_files.size(); }
  size_t bytes() const { return m_bytes; }

 private:
  std::map<std::string, StaticFile, std::less<>> m_files;  // "/lib/rpc.js"
  size_t m_bytes = 0;
};

// By extension; unknown ones are application/octet-stream.
std::string_view content_type_of(std::string_view path);

}  // namespace cx::rpc
