// complexchain contract test DIR: a contract's Lua tests (tests/*_test.lua, *_test.lua), each test_*
// function on a fresh private chain in memory (test_chain.hpp, test_lua.hpp; docs/acore.md
// "Testing a contract").
#include <cstdio>
#include <filesystem>

#include <boost/json.hpp>

#include "base/clock.hpp"
#include "cli/contract_common.hpp"
#include "cli/test_lua.hpp"

namespace cx::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kTestFileBytesMax = 1u << 20;
constexpr size_t kTestFilesMax = 256;

struct Outcome {
  std::string file;  // relative to the contract folder
  std::string name;  // empty: the file itself did not load
  std::string error; // empty: passed
  int64_t us = 0;
};

// tests/*_test.lua and *_test.lua of `dir`, relative to it, sorted.
Result<std::vector<std::string>> find_test_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (const fs::path& where : {dir, dir / "tests"}) {
    std::error_code ec;
    if (!fs::is_directory(where, ec)) continue;
    for (const auto& e : fs::directory_iterator(where, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.ends_with("_test.lua")) files.push_back(fs::relative(e.path(), dir).generic_string());
    }
    if (ec) return Result<std::vector<std::string>>::error(where.string() + ": " + ec.message());
  }
  if (files.size() > kTestFilesMax) return Result<std::vector<std::string>>::error("more than 256 test files");
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::string> read_test_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Result<std::string>::error(path.string() + ": " + ec.message());
  if (size > kTestFileBytesMax) return Result<std::string>::error(path.string() + ": larger than 1 MiB");
  return read_text_file(path.string());
}

// Runs the file's tests whose names contain `filter`, each in a fresh Lua state on a fresh chain.
void run_file(const std::string& dir, const std::string& file, const std::string& filter, std::vector<Outcome>& out) {
  auto source = read_test_file(fs::path(dir) / file);
  if (!source) {
    out.push_back({file, "", source.message(), 0});
    return;
  }
  std::vector<std::string> names;
  {
    TestChain chain;
    TestScript script(chain, dir, TestLimits{});
    if (Status s = script.load(*source, file); !s) {
      out.push_back({file, "", s.message(), 0});
      return;
    }
    names = script.test_names();
  }
  for (const std::string& name : names) {
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    const int64_t started = system_clock().monotonic_us();
    TestChain chain;
    TestScript script(chain, dir, TestLimits{});
    Status s = script.load(*source, file);
    if (s) s = script.run(name);
    out.push_back({file, name, s ? "" : s.message(), system_clock().monotonic_us() - started});
  }
}

void print_text(const std::vector<Outcome>& results, size_t failed) {
  for (const Outcome& r : results) {
    const std::string what = r.name.empty() ? r.file : r.file + " " + r.name;
    if (r.error.empty())
      std::printf("ok      %s (%lld ms)\n", what.c_str(), static_cast<long long>(r.us / 1000));
    else
      std::printf("FAILED  %s: %s\n", what.c_str(), r.error.c_str());
  }
  std::printf("%zu passed, %zu failed\n", results.size() - failed, failed);
}

void print_json(const std::vector<Outcome>& results, size_t failed) {
  json::array tests;
  for (const Outcome& r : results) {
    json::object o{{"file", r.file}, {"name", r.name}, {"ok", r.error.empty()}, {"ms", r.us / 1000}};
    if (!r.error.empty()) o["error"] = r.error;
    tests.push_back(std::move(o));
  }
  json::object o{{"tests", std::move(tests)}, {"passed", results.size() - failed}, {"failed", failed}};
  std::printf("%s\n", json::serialize(o).c_str());
}

}  // namespace

int contract_test(const Argv& argv) {
  Args args("complexchain contract test DIR [--filter NAME] [--json]",
            "Deploys the contract in DIR on a private chain in memory (the node's execution path and the Lua\n"
            "runtime in this process) and runs the global test_* functions of DIR/tests/*_test.lua and\n"
            "DIR/*_test.lua, each on a fresh chain, in name order. Exit status 1 if any failed.",
            {{"filter", "NAME", "run only the tests whose name contains NAME", ""},
             {"json", "", "print the results as one JSON object", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) {
    std::fprintf(stderr, "error: test needs one DIR (the contract's folder)\n");
    return 2;
  }
  const std::string dir = args.positionals()[0];
  if (!fs::is_regular_file(fs::path(dir) / "main.lua")) {
    std::fprintf(stderr, "error: %s has no main.lua\n", dir.c_str());
    return 1;
  }
  auto files = find_test_files(dir);
  if (!files) {
    std::fprintf(stderr, "error: %s\n", files.message().c_str());
    return 1;
  }
  std::vector<Outcome> results;
  const std::string filter = args.get_or("filter", "");
  for (const std::string& f : *files) run_file(dir, f, filter, results);
  if (results.empty()) {
    std::fprintf(stderr, "error: no tests in %s (test_* functions in tests/*_test.lua or *_test.lua)%s\n",
                 dir.c_str(), filter.empty() ? "" : " match the filter");
    return 1;
  }
  size_t failed = 0;
  for (const Outcome& r : results) failed += r.error.empty() ? 0 : 1;
  if (args.flag("json")) print_json(results, failed);
  else print_text(results, failed);
  return failed ? 1 : 0;
}

}  // namespace cx::cli
