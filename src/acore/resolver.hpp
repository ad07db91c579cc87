#pragma once
// The registry's resolver for Lua contracts (contracts::ContractResolver): finds a deployed
// contract's current code in the code store, compiles it once per code hash, and hands execution a
// contracts::Contract whose call() runs the program through the Lua runtime.
//
// resolve() is called from execution and RPC threads at once. The compiled programs are kept in a
// bounded cache shared by those threads; compiling is deterministic, so the cache only saves time
// and never changes a result.
#include <map>
#include <memory>
#include <string_view>
#include <variant>

#include "acore/acore.hpp"
#include "acore/code_store.hpp"
#include "base/mutex.hpp"

namespace cx::acore {

// The methods the chain runs itself, once per version, in a frame of the contract with the owner
// as caller: never callable by a tx or icx_call.
inline constexpr std::string_view kInstallMethod = "on_install";
inline constexpr std::string_view kUpdateMethod = "on_update";

// The Lua runtime's two entry points (acore.hpp). Tests run the deploy path with a fake.
struct Runtime {
  std::variant<ProgramPtr, CodeError> (*compile)(const Package& package) = nullptr;
  contracts::CallResult (*invoke)(const Program& program, contracts::Host& host, size_t method,
                                  const boost::json::value& params) = nullptr;
};

// acore::compile and acore::invoke.
Runtime lua_runtime();

struct ResolverOptions {
  size_t cache_entries = 256;  // compiled programs kept (least recently used goes first)
};

class Resolver final : public contracts::ContractResolver {
 public:
  explicit Resolver(Runtime runtime, ResolverOptions options = {});

  // The contract at `address` if its current version is active and it is neither blocked nor
  // disabled; null otherwise (no contract, a first version still waiting for audit, ...).
  std::shared_ptr<const contracts::Contract> resolve(const state::StateReader& state,
                                                     const Address& address) const override;

  // A compiled package and the two faces execution sees of it.
  struct Compiled {
    ProgramPtr program;
    std::shared_ptr<const contracts::Contract> contract;   // the external methods: what txs and icx_call reach
    std::shared_ptr<const contracts::Contract> installer;  // on_install and on_update only
  };
  using CompileResult = std::variant<std::shared_ptr<const Compiled>, CodeError>;

  // `package` (whose hash is `code_hash`) compiled, from the cache or now.
  CompileResult compile(const Hash32& code_hash, const Package& package) const;
  // The code stored under `code_hash` compiled; a CodeError also if no code is stored there.
  CompileResult compile_stored(const state::StateReader& state, const Hash32& code_hash) const;

 private:
  struct Entry {
    std::shared_ptr<const Compiled> compiled;
    uint64_t last_use = 0;
  };
  std::shared_ptr<const Compiled> cached(const Hash32& code_hash) const EXCLUDES(m_mutex);
  void remember(const Hash32& code_hash, std::shared_ptr<const Compiled> compiled) const EXCLUDES(m_mutex);

  Runtime m_runtime;
  ResolverOptions m_options;
  mutable Mutex m_mutex;
  mutable std::map<Hash32, Entry> m_cache GUARDED_BY(m_mutex);
  mutable uint64_t m_uses GUARDED_BY(m_mutex) = 0;
};

}  // namespace cx::acore
