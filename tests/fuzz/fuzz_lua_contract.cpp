// Fuzz target: a Lua contract and the params of calls to it. The input is the source of main.lua, a
// NUL byte, then the params: NUL-separated values given in order to each method's declared inputs
// (as strings, as a client's JSON would carry them). When the source compiles, every method is
// invoked (read-only ones in a read-only frame) on a fresh in-memory host, twice, with a small step
// budget. Nothing may crash or hang; a failure has a message and is not "success"; the budget is never
// overdrawn; and the two runs of a call agree on everything (result, steps, storage, logs): the
// second runs on a Lua state the first left behind, as a validator's would.
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "acore/memory_host.hpp"
#include "base/assert.hpp"

using namespace cx;
namespace json = boost::json;

namespace {

constexpr uint64_t kStepBudget = 300'000;
constexpr size_t kMethodsMax = 8;

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// {input name: value}: the method's declared inputs ("a:int,b:str") filled from `values` in order.
json::value params_for(const contracts::MethodAbi& m, const std::vector<std::string>& values, size_t& next) {
  json::object o;
  if (m.inputs.empty()) return o;
  for (const std::string& input : split(m.inputs, ',')) {
    if (next >= values.size()) break;
    const std::string& v = values[next++];
    // "[...]" and "{...}" values that parse are passed as JSON (lists and structs); others as strings.
    boost::system::error_code ec;
    json::value parsed = (!v.empty() && (v[0] == '[' || v[0] == '{')) ? json::parse(v, ec) : json::value();
    o[input.substr(0, input.find(':'))] = ec || parsed.is_null() ? json::value(v) : parsed;
  }
  return o;
}

struct Outcome {
  contracts::CallResult result;
  uint64_t used = 0;
  std::map<Bytes, Bytes> storage;
  size_t logs = 0;
};

Outcome run(const acore::Program& p, size_t method, const json::value& params) {
  acore::testing::MemoryHost host;
  host.budget = kStepBudget;
  if (p.methods()[method].access == contracts::Access::kReadOnly) host.current.access = contracts::Access::kReadOnly;
  Outcome o;
  o.result = acore::invoke(p, host, method, params);
  CX_ASSERT(host.used <= host.budget);
  CX_ASSERT(o.result.ok || !o.result.message.empty());
  CX_ASSERT(o.result.ok || core::code_value(o.result.code) >= 1);
  // The host refused something (steps, a write in a read-only frame): the call cannot have succeeded.
  CX_ASSERT(!host.failure || !o.result.ok);
  o.used = host.used;
  o.storage = std::move(host.storage);
  o.logs = host.logs.size();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  acore::Package package;
  package.files.push_back({"main.lua", std::string(input.substr(0, nul))});
  const auto values = nul == std::string_view::npos ? std::vector<std::string>() : split(input.substr(nul + 1), '\0');
  auto compiled = acore::compile(package);
  if (auto* e = std::get_if<acore::CodeError>(&compiled)) {
    CX_ASSERT(!e->message.empty());
    return 0;
  }
  const acore::ProgramPtr program = std::get<acore::ProgramPtr>(compiled);
  CX_ASSERT(program->externals().size() <= program->methods().size());
  size_t next = 0;
  for (size_t m = 0; m < program->methods().size() && m < kMethodsMax; ++m) {
    const json::value params = params_for(program->methods()[m], values, next);
    const Outcome a = run(*program, m, params), b = run(*program, m, params);
    CX_ASSERT(a.result.ok == b.result.ok && a.result.code == b.result.code && a.result.message == b.result.message);
    CX_ASSERT(a.result.output == b.result.output && a.used == b.used && a.storage == b.storage && a.logs == b.logs);
  }
  return 0;
}
