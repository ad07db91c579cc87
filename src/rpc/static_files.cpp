#include "rpc/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "crypto/hash.hpp"

namespace cx::rpc {
namespace fs = std::filesystem;

namespace {

bool skipped(const fs::path& name) {
  const std::string n = name.filename().string();
  return n.empty() || n[0] == '.' || n == "node_modules" || n == "package.json" || n == "package-lock.json";
}

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '/';
}

Result<std::string> slurp(const fs::path& p, size_t max) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Result<std::string>::error("cannot read " + p.string());
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > max) return Result<std::string>::error(p.string() + " is larger than " + std::to_string(max) + " bytes");
  return s;
}

}  // namespace

std::string_view content_type_of(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},     {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},              {".svg", "image/svg+xml"},
      {".png", "image/png"},                      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},      {".yaml", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},                   {".map", "application/json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (path.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::load(const std::string& dir) {
  using R = Result<std::shared_ptr<const StaticFiles>>;
  auto out = std::make_shared<StaticFiles>();
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return std::shared_ptr<const StaticFiles>(out);
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return R::error("web root " + dir + ": " + ec.message());
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) return R::error("web root " + dir + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return R::error("web root " + dir + ": " + ec.message());
    if (skipped(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string rel = "/" + fs::relative(it->path(), root, ec).generic_string();
    if (ec) return R::error("web root " + dir + ": " + ec.message());
    if (out->m_files.size() >= kFilesMax)
      return R::error("web root " + dir + " holds more than " + std::to_string(kFilesMax) + " files");
    auto body = slurp(it->path(), kBytesMax - out->m_bytes);
    if (!body) return R::error("web root " + dir + ": " + body.status().message() + " (all files together are limited to " +
                               std::to_string(kBytesMax) + " bytes)");
    StaticFile f;
    f.content_type = std::string(content_type_of(rel));
    f.etag = "\"" + crypto::sha3_256(as_bytes(*body)).hex().substr(0, 32) + "\"";
    out->m_bytes += body->size();
    f.body = std::move(*body);
    out->m_files.emplace(std::move(rel), std::move(f));
  }
  return std::shared_ptr<const StaticFiles>(out);
}

const StaticFile* StaticFiles::find(std::string_view target) const {
  if (size_t q = target.find_first_of("?#"); q != std::string_view::npos) target = target.substr(0, q);
  if (target.empty() || target.front() != '/' || target.size() > 512) return nullptr;
  for (char c : target) {
    if (!safe_char(c)) return nullptr;
  }
  if (target.find("/.") != std::string_view::npos || target.find("//") != std::string_view::npos) return nullptr;
  std::string key(target);
  if (key.back() == '/') key += "index.html";
  auto it = m_files.find(key);
  if (it == m_files.end() && !key.ends_with("/index.html")) it = m_files.find(key + "/index.html");
  return it == m_files.end() ? nullptr : &it->second;
}

}  // namespace cx::rpc
