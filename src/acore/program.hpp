#pragma once
// What compile() learns about a package and invoke() needs at every call (internal to acore).
#include <optional>
#include <string>
#include <vector>

#include "acore/abi.hpp"
#include "acore/acore.hpp"

namespace cx::acore {

struct Declaration {
  enum class Kind : uint8_t { kExternal, kReadonly, kPayable, kFallback, kInstall, kUpdate, kEvent };
  Kind kind = Kind::kExternal;
  Signature sig;
  std::string event_signature;  // kEvent: "Transfer(Address,Address,int)"
  std::string file;             // where the declaration is
  uint32_t line = 0;

  bool is_function() const { return kind != Kind::kEvent; }
};

struct ProgramData {
  std::vector<SourceFile> files;
  std::vector<std::string> chunks;  // each file compiled from its text by compile(), as lua_dump wrote it
  std::vector<Declaration> decls;   // in the order the top level makes them
  std::vector<size_t> method_decls;  // Program::methods() index -> its declaration
  size_t longest_constant = 0;       // bytes of the longest string the files' code holds (vm.hpp)
};

// What icx_getScoreApi and the registry see of a program, built from its declarations.
struct Interface {
  std::vector<AbiEntry> abi;
  std::vector<std::string> texts;  // what the MethodAbi string_views point at (never resized after)
  std::vector<contracts::MethodAbi> methods;  // externals in declaration order, then on_install, on_update
  size_t external_count = 0;
  std::optional<size_t> install_index, update_index;
};

// Names, duplicates and the one-of-each rules; the error names the declaration's file and line.
std::optional<CodeError> check_declarations(const std::vector<Declaration>& decls);
// Fills `out` and data.method_decls from data.decls (which must have passed check_declarations).
void build_interface(ProgramData& data, Interface& out);

}  // namespace cx::acore
