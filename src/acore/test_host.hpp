#pragma once
// Test helper (header-only, for acore's tests): the in-memory Host (memory_host.hpp), and shortcuts to
// compile a package and call its methods by name as execution would (read-only methods run read-only).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "acore/memory_host.hpp"

namespace cx::acore::testing {

namespace json = boost::json;

inline std::variant<ProgramPtr, CodeError> compile_files(std::vector<SourceFile> files) {
  return compile(Package{std::move(files)});
}

inline ProgramPtr must_compile(std::string main, std::vector<SourceFile> more = {}) {
  more.push_back({"main.lua", std::move(main)});
  auto r = compile_files(std::move(more));
  if (auto* e = std::get_if<CodeError>(&r)) {
    ADD_FAILURE() << "compile: " << e->to_string();
    return nullptr;
  }
  return std::get<ProgramPtr>(r);
}

inline CodeError must_fail(std::string main, std::vector<SourceFile> more = {}) {
  more.push_back({"main.lua", std::move(main)});
  auto r = compile_files(std::move(more));
  if (auto* e = std::get_if<CodeError>(&r)) return *e;
  ADD_FAILURE() << "compiled, but should not have";
  return {};
}

// Calls `method` (on_install too) as execution would: read-only methods in a read-only frame.
inline CallResult call(const Program& p, MemoryHost& host, std::string_view method, json::value params = nullptr) {
  host.reset();
  const auto methods = p.methods();
  for (size_t i = 0; i < methods.size(); ++i) {
    if (methods[i].name != method) continue;
    if (methods[i].access == contracts::Access::kReadOnly) host.current.access = contracts::Access::kReadOnly;
    CallResult r = invoke(p, host, i, params);
    if (host.failure && r.ok) ADD_FAILURE() << "the host failed the frame but the call succeeded";
    return r;
  }
  return CallResult::fail(FailureCode::kMethodNotFound, "no method " + std::string(method));
}

// A contract with one external `run()` whose body is `body`, returning what it returns.
inline CallResult run_lua(std::string_view body, MemoryHost* host = nullptr) {
  MemoryHost local;
  auto p = must_compile("external \"run()\" (function()\n" + std::string(body) + "\nend)\n");
  if (!p) return CallResult::fail(FailureCode::kUnknown, "did not compile");
  return call(*p, host ? *host : local, "run");
}

}  // namespace cx::acore::testing
