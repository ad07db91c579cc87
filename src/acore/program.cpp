// compile() and invoke() (acore.hpp): a package's files compiled from text once, its top level run in
// the sandbox to collect declarations; each call runs the top level again in a fresh environment of a
// pooled Lua state, then the declared function (vm.hpp says why that is safe and deterministic).
#include <algorithm>
#include <atomic>

#include <boost/json.hpp>

#include "acore/lua_api.hpp"
#include "acore/lua_values.hpp"
#include "base/mutex.hpp"
#include "crypto/hash.hpp"

namespace cx::acore {

namespace json = boost::json;
using lua::Phase;
using lua::Vm;

namespace {

constexpr size_t kFilesMax = 64;
constexpr size_t kFileBytesMax = 256u << 10;
constexpr size_t kPackageBytesMax = 1u << 20;
constexpr size_t kPathBytesMax = 128;
constexpr size_t kDeclarationsMax = 256;
constexpr size_t kIdleVmsMax = 4;
constexpr size_t kIdleVmBytesMax = 4u << 20;  // a state holding more after a call is closed, not kept
constexpr char kMainFile[] = "main.lua";

class ProgramImpl final : public Program {
 public:
  ProgramData data;
  Hash32 hash;
  Interface iface;

  const Hash32& code_hash() const override { return hash; }
  const std::vector<AbiEntry>& api() const override { return iface.abi; }
  std::span<const contracts::MethodAbi> methods() const override { return iface.methods; }
  std::span<const contracts::MethodAbi> externals() const override {
    return {iface.methods.data(), iface.external_count};
  }
  std::optional<size_t> install_method() const override { return iface.install_index; }
  std::optional<size_t> update_method() const override { return iface.update_index; }

  // A state with this program's files loaded, from the pool or new; null if Lua cannot make one.
  std::unique_ptr<Vm> acquire() const;
  void release(std::unique_ptr<Vm> vm) const;

 private:
  // Only a cache: which idle state a call gets never changes what it computes.
  mutable Mutex m_mutex;
  mutable std::vector<std::unique_ptr<Vm>> m_idle GUARDED_BY(m_mutex);
};

int dump_writer(lua_State*, const void* p, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(p), n);
  return 0;
}

// Protected: compiles each file from its text (vm.compiling) or loads the program's compiled chunks
// (vm.program), into the state's file table.
int load_files(lua_State* L) {
  Vm& vm = lua::vm_of(L);
  ProgramData* building = vm.compiling;
  const ProgramData& data = building ? *building : *vm.program;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kFilesKey);
  for (size_t i = 0; i < data.files.size(); ++i) {
    const SourceFile& f = data.files[i];
    vm.text = "=" + f.path;
    const int status = building ? luaL_loadbufferx(L, f.text.data(), f.text.size(), vm.text.c_str(), "t")
                                : luaL_loadbufferx(L, data.chunks[i].data(), data.chunks[i].size(), vm.text.c_str(), "b");
    if (status != LUA_OK) return lua_error(L);
    if (building) {
      building->chunks.emplace_back();
      lua_dump(L, dump_writer, &building->chunks.back(), /*strip=*/0);
    }
    lua_setfield(L, -2, f.path.c_str());
  }
  return 0;
}

// Protected: a fresh environment for the call, then main.lua's top level (declarations, globals).
void run_top_level(lua_State* L) {
  Vm& vm = lua::vm_of(L);
  lua_createtable(L, 0, 8);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kEnvMetaKey);
  lua_setmetatable(L, -2);
  lua_pushliteral(L, "_G");
  lua_pushvalue(L, -2);
  lua_rawset(L, -3);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lua::kEnvKey);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lua::kFunctionsKey);
  lua_newtable(L);
  lua_pushliteral(L, "main.lua");
  lua_pushlightuserdata(L, &vm);  // requiring main from a module is a cycle
  lua_rawset(L, -3);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lua::kLoadedKey);
  vm.phase = Phase::kLoad;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kFilesKey);
  lua_getfield(L, -1, kMainFile);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kEnvKey);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 0);
  lua_pop(L, 1);
  vm.phase = Phase::kRun;
}

// Protected (compile): runs the top level and checks every function got its implementation.
int collect_declarations(lua_State* L) {
  run_top_level(L);
  Vm& vm = lua::vm_of(L);
  vm.phase = Phase::kIdle;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kFunctionsKey);
  const int functions = lua_gettop(L);
  const auto& decls = vm.compiling->decls;
  for (size_t i = 0; i < decls.size(); ++i) {
    if (!decls[i].is_function()) continue;
    const bool has = lua_rawgeti(L, functions, static_cast<lua_Integer>(i + 1)) == LUA_TFUNCTION;
    lua_pop(L, 1);
    if (has) continue;
    vm.text = decls[i].file + ":" + std::to_string(decls[i].line) + ": " + decls[i].sig.name +
              " is declared without a function: write " + "external \"sig\" (function(...) ... end)";
    lua::raise_error(L, vm.text, /*where=*/false);
  }
  return 0;
}

struct InvokeArgs {
  const Declaration* decl;
  size_t index;
  const json::value* params;
};

void push_params(lua_State* L, Vm& vm, const Declaration& d, const json::value& params) {
  const json::object* obj = params.if_object();
  if (obj != nullptr)
    for (const auto& kv : *obj)
      if (std::none_of(d.sig.inputs.begin(), d.sig.inputs.end(), [&](const Param& p) { return p.name == kv.key(); }))
        lua::raise_fatal(L, {core::FailureCode::kInvalidParameter,
                             d.sig.name + " has no param '" + core::clip_utf8(kv.key(), 64) + "'"});
  luaL_checkstack(L, static_cast<int>(d.sig.inputs.size()) + 4, "too many params");
  for (const Param& p : d.sig.inputs) {
    const json::value* v = obj ? obj->if_contains(p.name) : nullptr;
    if (v == nullptr || v->is_null()) {
      if (!p.optional)
        lua::raise_fatal(L, {core::FailureCode::kInvalidParameter, d.sig.name + ": missing param '" + p.name + "'"});
      if (!p.default_value) {
        lua_pushnil(L);
        continue;
      }
      vm.json = *p.default_value;
      v = &vm.json;
    }
    if (!lua::push_param(L, *v, p.type, vm.text))
      lua::raise_fatal(L, {core::FailureCode::kInvalidParameter, d.sig.name + " param '" + p.name + "': " + vm.text});
  }
}

// Protected (invoke): the top level, then the declared function with the params converted by type.
int run_method(lua_State* L) {
  const auto& a = *static_cast<const InvokeArgs*>(lua_touserdata(L, 1));
  Vm& vm = lua::vm_of(L);
  run_top_level(L);
  if (vm.declared != vm.program->decls.size())
    lua::raise_fatal(L, {core::FailureCode::kUnknown, "the top level declared differently than when it was compiled"});
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lua::kFunctionsKey);
  lua_rawgeti(L, -1, static_cast<lua_Integer>(a.index + 1));
  const int base = lua_gettop(L);
  push_params(L, vm, *a.decl, *a.params);
  lua_call(L, lua_gettop(L) - base, 1);
  if (!lua::charge_strings(vm)) lua::raise_fatal(L);
  const Type* output = a.decl->sig.output ? &*a.decl->sig.output : nullptr;
  vm.json = nullptr;
  if ((output != nullptr || !lua_isnil(L, -1)) && !lua::to_json(L, -1, output, vm.json, vm.text))
    lua::raise_fatal(L, {core::FailureCode::kUnknown, a.decl->sig.name + " returned a value that does not fit: " + vm.text});
  return 0;
}

contracts::CallResult outcome(Vm& vm, int status) {
  lua_State* L = vm.L;
  if (vm.fatal) return contracts::CallResult::fail(core::make_failure(vm.fatal->code, vm.fatal->message));
  if (status == LUA_OK) return contracts::CallResult::success(std::move(vm.json));
  if (status == LUA_ERRMEM)
    return contracts::CallResult::fail(core::FailureCode::kUnknown, "out of memory: the call holds more than 16 MiB");
  if (auto revert = lua::to_revert(L, -1)) return contracts::CallResult::fail(core::make_failure(revert->code, revert->message));
  return contracts::CallResult::fail(core::make_failure(core::FailureCode::kUnknown, lua::error_text(L, -1)));
}

// "lib/a.lua:12: message" -> {lib/a.lua, 12, message} when the prefix names a file of the package.
CodeError code_error(const ProgramData& data, std::string message) {
  for (const SourceFile& f : data.files) {
    if (!message.starts_with(f.path + ":")) continue;
    size_t pos = f.path.size() + 1, line = 0;
    while (pos < message.size() && message[pos] >= '0' && message[pos] <= '9' && line < 1'000'000)
      line = line * 10 + static_cast<size_t>(message[pos++] - '0');
    if (pos < message.size() && message[pos] == ':') {
      size_t start = pos + 1;
      while (start < message.size() && message[start] == ' ') ++start;
      return CodeError{f.path, static_cast<uint32_t>(line), message.substr(start)};
    }
  }
  return CodeError{kMainFile, 0, std::move(message)};
}

bool valid_path(const std::string& p) {
  if (p.empty() || p.size() > kPathBytesMax || !p.ends_with(".lua") || p.front() == '/' || p.find("..") != std::string::npos)
    return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '/';
  });
}

std::optional<CodeError> check_package(const Package& package) {
  if (package.files.empty() || package.files.size() > kFilesMax)
    return CodeError{"", 0, "a package has 1 to " + std::to_string(kFilesMax) + " files"};
  size_t total = 0;
  bool has_main = false;
  for (const SourceFile& f : package.files) {
    if (!valid_path(f.path))
      return CodeError{f.path, 0, "a file path is a relative name ending in .lua, of [A-Za-z0-9_./-], without '..'"};
    if (f.text.size() > kFileBytesMax) return CodeError{f.path, 0, "file larger than " + std::to_string(kFileBytesMax) + " bytes"};
    if (!f.text.empty() && f.text[0] == LUA_SIGNATURE[0])
      return CodeError{f.path, 0, "precompiled Lua (bytecode) is refused: deploy the source text"};
    total += f.text.size();
    has_main = has_main || f.path == kMainFile;
  }
  if (total > kPackageBytesMax) return CodeError{"", 0, "package larger than " + std::to_string(kPackageBytesMax) + " bytes"};
  if (!has_main) return CodeError{"", 0, "the package has no main.lua (its entry)"};
  return std::nullopt;
}

Hash32 package_hash(const std::vector<SourceFile>& files) {
  crypto::Sha3Hasher h;
  auto put = [&](std::string_view s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                            static_cast<uint8_t>(n)};
    h.update(BytesView(len, 4));
    h.update(as_bytes(s));
  };
  for (const SourceFile& f : files) {
    put(f.path);
    put(f.text);
  }
  return h.finish();
}

}  // namespace

std::string CodeError::to_string() const {
  if (file.empty()) return message;
  return file + ":" + (line ? std::to_string(line) + ":" : std::string()) + " " + message;
}

std::variant<ProgramPtr, CodeError> compile(const Package& package) {
  if (auto e = check_package(package)) return *e;
  auto program = std::make_shared<ProgramImpl>();
  ProgramData& data = program->data;
  data.files = package.files;
  std::sort(data.files.begin(), data.files.end(), [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  for (size_t i = 1; i < data.files.size(); ++i)
    if (data.files[i].path == data.files[i - 1].path) return CodeError{data.files[i].path, 0, "the file appears twice"};
  auto vm = lua::new_vm();
  if (!vm) return CodeError{"", 0, "cannot create a Lua state"};
  lua::begin_call(*vm, nullptr, lua::kCompileStepsMax);
  vm->compiling = &data;
  lua_State* L = vm->L;
  lua_pushcfunction(L, load_files);
  int status = lua_pcall(L, 0, 0, 0);
  data.longest_constant = vm->longest_string;  // the files' string constants, made by the parser
  if (status == LUA_OK) {
    lua_pushcfunction(L, collect_declarations);
    status = lua_pcall(L, 0, 0, 0);
  }
  std::optional<CodeError> error;
  if (vm->fatal) error = CodeError{kMainFile, 0, "the top level failed: " + vm->fatal->message};
  else if (status == LUA_ERRMEM) error = CodeError{kMainFile, 0, "the top level ran out of memory"};
  else if (status != LUA_OK) error = code_error(data, lua::error_text(L, -1));
  lua::end_call(*vm);
  if (error) return *error;
  if (data.decls.size() > kDeclarationsMax)
    return CodeError{kMainFile, 0, "more than " + std::to_string(kDeclarationsMax) + " declarations"};
  if (auto e = check_declarations(data.decls)) return *e;
  program->hash = package_hash(data.files);
  build_interface(data, program->iface);
  return ProgramPtr(std::move(program));
}

std::unique_ptr<Vm> ProgramImpl::acquire() const {
  {
    MutexLock lock(m_mutex);
    if (!m_idle.empty()) {
      auto vm = std::move(m_idle.back());
      m_idle.pop_back();
      return vm;
    }
  }
  auto vm = lua::new_vm();
  if (!vm) return nullptr;
  vm->program = &data;
  lua_pushcfunction(vm->L, load_files);
  const int status = lua_pcall(vm->L, 0, 0, 0);
  vm->program = nullptr;
  ++vm->epoch;  // the loaded code belongs to no call
  vm->call_bytes = 0;
  return status == LUA_OK ? std::move(vm) : nullptr;
}

void ProgramImpl::release(std::unique_ptr<Vm> vm) const {
  if (vm->fatal || vm->total_bytes > kIdleVmBytesMax) return;  // closed: a fresh state is cheaper than doubt
  MutexLock lock(m_mutex);
  if (m_idle.size() < kIdleVmsMax) m_idle.push_back(std::move(vm));
}

namespace {
std::atomic<InvokeBackend*> g_backend{nullptr};
thread_local bool t_in_process = false;
}  // namespace

void set_invoke_backend(InvokeBackend* backend) { g_backend.store(backend, std::memory_order_release); }

ScopedInProcess::ScopedInProcess() : m_was(t_in_process) { t_in_process = true; }
ScopedInProcess::~ScopedInProcess() { t_in_process = m_was; }

const std::vector<SourceFile>* sources_of(const Program& program) {
  const auto* impl = dynamic_cast<const ProgramImpl*>(&program);
  return impl ? &impl->data.files : nullptr;
}

bool runs_elsewhere() { return !t_in_process && g_backend.load(std::memory_order_acquire) != nullptr; }

BlockPlan::BlockPlan(const contracts::BlockInfo& block, const core::StepCosts& costs, std::vector<PlannedCall> calls,
                     const PlanReader& read)
    : m_backend(t_in_process ? nullptr : g_backend.load(std::memory_order_acquire)) {
  if (m_backend && !calls.empty()) m_backend->plan_block(block, costs, std::move(calls), read);
}

BlockPlan::~BlockPlan() {
  if (m_backend) m_backend->end_plan();
}

const ProgramPtr* program_of(const contracts::Contract& contract) {
  const auto* holder = dynamic_cast<const ProgramHolder*>(&contract);
  return holder && holder->program() ? &holder->program() : nullptr;
}

contracts::CallResult invoke(const Program& program, contracts::Host& host, size_t method, const json::value& params) {
  InvokeBackend* backend = t_in_process ? nullptr : g_backend.load(std::memory_order_acquire);
  if (backend) return backend->invoke(program, host, method, params);
  return invoke_here(program, host, method, params);
}

contracts::CallResult invoke_here(const Program& program, contracts::Host& host, size_t method,
                                  const json::value& params) {
  const auto& impl = static_cast<const ProgramImpl&>(program);
  CX_ASSERT(method < impl.iface.methods.size());
  auto vm = impl.acquire();
  if (!vm) return contracts::CallResult::fail(core::FailureCode::kUnknown, "cannot create a Lua state");
  lua::begin_call(*vm, &host, 0, impl.data.longest_constant);
  vm->program = &impl.data;
  contracts::CallResult r;
  if (vm->fatal) {
    r = contracts::CallResult::fail(*vm->fatal);
  } else {
    const size_t index = impl.data.method_decls[method];
    InvokeArgs args{&impl.data.decls[index], index, &params};
    lua_pushcfunction(vm->L, run_method);
    lua_pushlightuserdata(vm->L, &args);
    r = outcome(*vm, lua_pcall(vm->L, 1, 0, 0));
  }
  lua::end_call(*vm);
  impl.release(std::move(vm));
  return r;
}

namespace {

class LuaContract final : public contracts::Contract, public ProgramHolder {
 public:
  explicit LuaContract(ProgramPtr program)
      : m_program(std::move(program)), m_name("acore:" + m_program->code_hash().hex().substr(0, 8)) {}
  std::string_view name() const override { return m_name; }
  std::span<const contracts::MethodAbi> abi() const override { return m_program->externals(); }
  contracts::CallResult call(contracts::Host& host, size_t method, const json::value& params) const override {
    return invoke(*m_program, host, method, params);
  }
  const ProgramPtr& program() const override { return m_program; }

 private:
  ProgramPtr m_program;
  std::string m_name;
};

}  // namespace

std::shared_ptr<const contracts::Contract> as_contract(ProgramPtr program) {
  CX_ASSERT(program != nullptr);
  return std::make_shared<const LuaContract>(std::move(program));
}

}  // namespace cx::acore
