#pragma once
// Test-only: a stand-in for the Lua runtime (acore::compile / acore::invoke), so the deploy path, the
// code store and the resolver are tested without it. A "program" is main.lua read as a list of
// directives, one per line:
//
//   external NAME         a method that writes: stores its params' "value" under key NAME
//   readonly NAME [KEY]   a read-only method: returns what is stored under KEY (default NAME), or null
//   install               on_install: stores params' "value" under key "installed"
//   update                on_update: stores params' "value" under key "updated"
//   fail_install          on_install fails (a revert with user code 1)
//   event NAME            external NAME also emits the event NAME(int) with indexed "0x1"
//   syntax error          compile fails naming main.lua and this line
#include <atomic>
#include <memory>
#include <sstream>

#include <boost/json.hpp>

#include "acore/acore.hpp"
#include "acore/package.hpp"
#include "acore/resolver.hpp"

namespace cx::acore::test {

inline std::atomic<int> g_compiles{0};

class FakeProgram final : public Program {
 public:
  struct Method {
    std::string name;
    std::string key;  // what a read-only method reads
    enum class Kind { kWrite, kRead, kInstall, kUpdate, kFailInstall } kind;
    bool emits = false;
  };

  FakeProgram(Hash32 hash, std::vector<Method> methods) : m_hash(hash) {
    // As the runtime orders them: the externals first, then on_install and on_update.
    for (int hooks = 0; hooks < 2; ++hooks)
      for (auto& m : methods)
        if ((m.kind == Method::Kind::kWrite || m.kind == Method::Kind::kRead) == (hooks == 0)) m_methods.push_back(m);
    for (size_t i = 0; i < m_methods.size(); ++i) {
      const Method& m = m_methods[i];
      if (m.kind == Method::Kind::kWrite || m.kind == Method::Kind::kRead) m_external_count = i + 1;
      if (m.kind == Method::Kind::kInstall || m.kind == Method::Kind::kFailInstall) m_install = i;
      if (m.kind == Method::Kind::kUpdate) m_update = i;
      const bool read = m.kind == Method::Kind::kRead;
      m_abi.push_back(contracts::MethodAbi{m.name, read ? contracts::Access::kReadOnly : contracts::Access::kWrite,
                                           contracts::Payable::kNo, 0, read ? "" : "value:str", read ? "str" : ""});
      AbiEntry e;
      e.name = m.name;
      e.readonly = read;
      if (read) e.outputs.push_back(AbiParam{"", "str", false, false, std::nullopt, {}});
      else e.inputs.push_back(AbiParam{"value", "str", false, true, std::string("none"), {}});
      if (m.kind == Method::Kind::kWrite || read) m_api.push_back(std::move(e));
      if (m.emits) {
        AbiEntry ev;
        ev.kind = AbiEntry::Kind::kEventLog;
        ev.name = m.name;
        ev.inputs.push_back(AbiParam{"n", "int", true, false, std::nullopt, {}});
        m_api.push_back(std::move(ev));
      }
    }
  }
  const Hash32& code_hash() const override { return m_hash; }
  const std::vector<AbiEntry>& api() const override { return m_api; }
  std::span<const contracts::MethodAbi> methods() const override { return m_abi; }
  std::span<const contracts::MethodAbi> externals() const override { return methods().first(m_external_count); }
  std::optional<size_t> install_method() const override { return m_install; }
  std::optional<size_t> update_method() const override { return m_update; }
  const Method& method(size_t i) const { return m_methods.at(i); }

 private:
  Hash32 m_hash;
  std::vector<Method> m_methods;
  std::vector<contracts::MethodAbi> m_abi;
  std::vector<AbiEntry> m_api;
  size_t m_external_count = 0;
  std::optional<size_t> m_install, m_update;
};

inline std::variant<ProgramPtr, CodeError> fake_compile(const Package& package) {
  ++g_compiles;
  const SourceFile* main = nullptr;
  for (const auto& f : package.files)
    if (f.path == "main.lua") main = &f;
  if (!main) return CodeError{"main.lua", 0, "missing"};
  std::vector<FakeProgram::Method> methods;
  std::istringstream in(main->text);
  std::string line;
  uint32_t n = 0;
  using Kind = FakeProgram::Method::Kind;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream words(line);
    std::string verb, name, key;
    words >> verb >> name >> key;
    if (verb == "syntax") return CodeError{"main.lua", n, "syntax error near '" + name + "'"};
    if (verb == "external") methods.push_back({name, name, Kind::kWrite});
    if (verb == "readonly") methods.push_back({name, key.empty() ? name : key, Kind::kRead});
    if (verb == "install") methods.push_back({std::string(kInstallMethod), "", Kind::kInstall});
    if (verb == "update") methods.push_back({std::string(kUpdateMethod), "", Kind::kUpdate});
    if (verb == "fail_install") methods.push_back({std::string(kInstallMethod), "", Kind::kFailInstall});
    if (verb == "event")
      for (auto& m : methods)
        if (m.name == name) m.emits = true;
  }
  return std::make_shared<const FakeProgram>(package_hash(package), std::move(methods));
}

inline std::string param_value(const boost::json::value& params) {
  if (auto* o = params.if_object())
    if (auto* v = o->if_contains("value"); v && v->is_string()) return std::string(v->get_string());
  return "";
}

inline contracts::CallResult fake_invoke(const Program& program, contracts::Host& host, size_t method,
                                         const boost::json::value& params) {
  const auto& m = static_cast<const FakeProgram&>(program).method(method);
  using Kind = FakeProgram::Method::Kind;
  auto store = [&](std::string_view key) -> contracts::CallResult {
    const std::string v = param_value(params);
    auto s = host.storage_set(as_bytes(key), std::optional<BytesView>(as_bytes(v)));
    if (!s) return contracts::CallResult::fail(s.failure());
    return contracts::CallResult::success();
  };
  switch (m.kind) {
    case Kind::kInstall: return store("installed");
    case Kind::kUpdate: return store("updated");
    case Kind::kFailInstall: return contracts::CallResult::fail(core::user_failure(1), "install refused");
    case Kind::kWrite: {
      if (m.emits) {
        auto e = host.emit(core::EventLog{{}, {m.name + "(int)", "0x1"}, {}});
        if (!e) return contracts::CallResult::fail(e.failure());
      }
      return store(m.name);
    }
    case Kind::kRead: {
      auto v = host.storage_get(as_bytes(m.key));
      if (!v) return contracts::CallResult::fail(v.failure());
      if (!*v) return contracts::CallResult::success(nullptr);
      return contracts::CallResult::success(boost::json::value(std::string(as_string_view(**v))));
    }
  }
  return contracts::CallResult::fail(core::FailureCode::kUnknown, "unreachable");
}

inline Runtime fake_runtime() { return Runtime{&fake_compile, &fake_invoke}; }

}  // namespace cx::acore::test
