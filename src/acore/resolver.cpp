#include "acore/resolver.hpp"

#include <vector>

namespace cx::acore {

namespace {

using InvokeFn = contracts::CallResult (*)(const Program&, contracts::Host&, size_t, const boost::json::value&);

// A view of a program with some of its methods: index i of abi() is method m_index[i] of the program.
// The external face has the program's externals (a prefix of its methods); the installer face only
// on_install and on_update, which no tx or icx_call can reach. The external face holds its program for
// the block's plan (program_of): its method i is the program's method i, so plan indices carry over.
class LuaContract final : public contracts::Contract, public ProgramHolder {
 public:
  enum class Face { kExternal, kInstaller };

  LuaContract(ProgramPtr program, InvokeFn invoke, Face face)
      : m_program(std::move(program)), m_invoke(invoke), m_external(face == Face::kExternal) {
    const auto methods = m_program->methods();
    if (m_external) {
      for (size_t i = 0; i < m_program->externals().size(); ++i) add(methods, i);
    } else {
      for (auto hook : {m_program->install_method(), m_program->update_method()})
        if (hook) add(methods, *hook);
    }
  }

  std::string_view name() const override { return "lua"; }
  std::span<const contracts::MethodAbi> abi() const override { return m_abi; }
  contracts::CallResult call(contracts::Host& host, size_t method, const boost::json::value& params) const override {
    CX_ASSERT(method < m_index.size());
    return m_invoke(*m_program, host, m_index[method], params);
  }
  // The installer face is never planned (its indices are not the program's).
  const ProgramPtr& program() const override {
    static const ProgramPtr kNone;
    return m_external ? m_program : kNone;
  }

 private:
  void add(std::span<const contracts::MethodAbi> methods, size_t i) {
    CX_ASSERT(i < methods.size());
    m_abi.push_back(methods[i]);
    m_index.push_back(i);
  }

  ProgramPtr m_program;
  InvokeFn m_invoke;
  bool m_external;
  std::vector<contracts::MethodAbi> m_abi;
  std::vector<size_t> m_index;
};

}  // namespace

Resolver::Resolver(Runtime runtime, ResolverOptions options) : m_runtime(runtime), m_options(options) {
  CX_ASSERT(m_runtime.compile != nullptr && m_runtime.invoke != nullptr);
  CX_ASSERT(m_options.cache_entries > 0);
}

std::shared_ptr<const contracts::Contract> Resolver::resolve(const state::StateReader& state, const Address& address) const {
  auto info = read_contract_info(state, address);
  if (!info || !info->current || info->current->status != VersionStatus::kActive || info->blocked || info->disabled)
    return nullptr;
  auto compiled = compile_stored(state, info->current->code_hash);
  // Code that compiled when it was deployed always compiles again (compile is deterministic).
  if (auto* c = std::get_if<std::shared_ptr<const Compiled>>(&compiled)) return (*c)->contract;
  return nullptr;
}

Resolver::CompileResult Resolver::compile(const Hash32& code_hash, const Package& package) const {
  if (auto hit = cached(code_hash)) return hit;
  auto result = m_runtime.compile(package);
  if (auto* error = std::get_if<CodeError>(&result)) return std::move(*error);
  ProgramPtr program = std::get<ProgramPtr>(std::move(result));
  CX_ASSERT(program != nullptr);
  auto compiled = std::make_shared<Compiled>();
  compiled->program = program;
  compiled->contract = std::make_shared<LuaContract>(program, m_runtime.invoke, LuaContract::Face::kExternal);
  compiled->installer = std::make_shared<LuaContract>(program, m_runtime.invoke, LuaContract::Face::kInstaller);
  std::shared_ptr<const Compiled> out = std::move(compiled);
  remember(code_hash, out);
  return out;
}

Resolver::CompileResult Resolver::compile_stored(const state::StateReader& state, const Hash32& code_hash) const {
  if (auto hit = cached(code_hash)) return hit;
  auto package = read_code(state, code_hash);
  if (!package) return CodeError{"", 0, "no code is stored under hash 0x" + code_hash.hex()};
  return compile(code_hash, *package);
}

std::shared_ptr<const Resolver::Compiled> Resolver::cached(const Hash32& code_hash) const {
  MutexLock lock(m_mutex);
  auto it = m_cache.find(code_hash);
  if (it == m_cache.end()) return nullptr;
  it->second.last_use = ++m_uses;
  return it->second.compiled;
}

void Resolver::remember(const Hash32& code_hash, std::shared_ptr<const Compiled> compiled) const {
  MutexLock lock(m_mutex);
  // Two threads may compile one package at once; the first entry stays (both are equivalent).
  auto [it, added] = m_cache.emplace(code_hash, Entry{std::move(compiled), 0});
  it->second.last_use = ++m_uses;
  if (!added || m_cache.size() <= m_options.cache_entries) return;
  auto oldest = m_cache.begin();
  for (auto e = m_cache.begin(); e != m_cache.end(); ++e)
    if (e->second.last_use < oldest->second.last_use) oldest = e;
  m_cache.erase(oldest);
}

}  // namespace cx::acore
